"""Session 12 low/medium findings of the session 11 walks (docs/qa/session11_walk_{teams,lineworks}.md), in the
core and the shared delivery words: each was seen failing before its fix."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.delivery import commands
from bot.delivery import content as c
from bot.i18n import Catalog
from bot.ports import Actor, IncidentView, ReportInput
from bot.presenting import failure_text, plain_words
from bot.records.model import load_record
from bot.records.sentences import Describer
from bot.triage import lifecycle
from bot.triage.access import MATRIX, PermissionDenied
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.helpers import answers_for

REPORTER = Actor(STAFF, "山田 花子", "lineworks")
URL = "https://x.com/city_fake/status/1212"
FLAMING = f"市の公式Xの投稿が炎上しています。批判のリプライが殺到しています {URL}"
LEAK = "市の公式Xに申請者の氏名と住所が写った画像が誤って投稿されています。個人情報の漏えいです https://x.com/city/status/7"


def _finish_all(runtime: Runtime, incident_id: int, actor: Actor) -> tuple[str, ...]:
    steps = runtime.triage.steps
    messages: tuple[str, ...] = ()
    while (step := steps.current(incident_id, actor.user_id)) is not None:
        messages = steps.complete(incident_id, step.step_id, actor, answers=answers_for(step)).messages
    return messages


def test_a_leaks_reporter_finishing_the_steps_is_told_who_ends_it_once(runtime: Runtime) -> None:
    """Teams #11: 「…対応完了にするのは広報担当または情報セキュリティ担当です。 広報担当または情報セキュリティ担当が
    対応完了にしますので、このままお待ちください。」 — who ends it said twice, with a stray space between sentences."""
    opened = runtime.triage.incidents.report(ReportInput(LEAK, REPORTER))
    assert opened.incident is not None and opened.incident.restricted
    last = _finish_all(runtime, opened.incident.id, REPORTER)[-1]
    assert "状態は「対応中」のままです" in last
    assert last.count("広報担当または情報セキュリティ担当") == 1, last
    assert "。 " not in last and "このままお待ちください" in last


def test_a_flare_up_reads_as_such_on_the_timeline_with_its_count(runtime: Runtime) -> None:
    """Teams #13: 「鈴木 次郎の「対応完了後に同じ投稿の報告」を記録しました。」 — the neutral fallback sentence."""
    triage = runtime.triage
    opened = triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert opened.incident is not None
    incident_id = opened.incident.id
    triage.incidents.change_status(incident_id, lifecycle.RESOLVED, Actor(PR, "広報 太郎"))
    triage.incidents.report(ReportInput(f"再燃しています {URL}", Actor(OTHER, "佐藤 一郎", "lineworks")))
    triage.incidents.report(ReportInput(f"また炎上しています {URL}", Actor(SECURITY, "情報 守", "lineworks")))
    record = load_record(triage.deps, incident_id, PR)
    lines = [line.text for line in Describer.for_deps(triage.deps, names=record.names).describe(record.entries)
             if line.type == "reported_again"]
    assert len(lines) == 2 and all("を記録しました" not in text for text in lines), lines
    assert "INC-0001" in lines[0] and "佐藤 一郎" in lines[0] and "1 件目" in lines[0], lines[0]
    assert "2 件目" in lines[1], lines[1]


def test_the_flare_up_notice_names_the_reporter_without_their_raw_id(runtime: Runtime) -> None:
    """LINE WORKS H: 「報告者: 佐藤 一郎（lineworks:u-sato）」, the raw id beside the name, unlike other notices."""
    triage = runtime.triage
    opened = triage.incidents.report(ReportInput(FLAMING, REPORTER))
    assert opened.incident is not None
    triage.incidents.change_status(opened.incident.id, lifecycle.RESOLVED, Actor(PR, "広報 太郎"))
    again = triage.incidents.report(ReportInput(f"再燃しています {URL}", Actor("lineworks:u-sato", "佐藤 一郎")))
    [note] = [n for n in again.notifications if n.topic == "reported_again"]
    assert "報告者: 佐藤 一郎" in note.body and "u-sato" not in note.body, note.body


@pytest.mark.parametrize("action", sorted(action for action, (ordinary, _) in MATRIX.items()
                                          if "staff" not in ordinary and action not in ("acknowledge", "reopen")))
def test_every_refusal_says_who_may_in_the_profiles_role_word(runtime: Runtime, action: str) -> None:
    """Teams #12: 「この操作を行う権限がありません。操作は記録されました。」 for every refused action, never who may."""
    catalog = runtime.triage.catalog
    role = catalog.t("records.actor.role_pr")
    for restricted in (False, True):
        said = failure_text(PermissionDenied(action, OTHER, 1, restricted=restricted), catalog)
        # 種別の訂正 has its own refusal (who may, and whom to ask), as 再開 does.
        own = catalog.t(f"correct.denied{'_restricted' if restricted else ''}") if action == "correct_kind" else None
        assert said is not None and (said == own if own else said.startswith(catalog.t("error.denied"))), said
        allowed = MATRIX[action][1 if restricted else 0]
        assert ("pr" in allowed) == (role in said), said
        assert ("security" in allowed) == ("情報セキュリティ担当" in said), said


def test_an_english_sentence_starting_with_new_is_a_report_not_the_new_command() -> None:
    """LINE WORKS K: 「New fake account of the city … https://…」 was read as `new`, its first word dropped."""
    def t(key: str, **params: str) -> str:
        return key

    text = "New account is posting as the city office https://x.com/fake_city/status/1"
    assert commands.read(text, t) is None
    assert commands.read("new account is posting as the city office", t) == commands.Command(
        "new", text="account is posting as the city office")  # typed as the help shows it: the command
    assert commands.read("新規 市のなりすましアカウントがあります", t) == commands.Command(
        "new", text="市のなりすましアカウントがあります")
    assert commands.read("/new The city account was hijacked", t) == commands.Command(
        "new", text="The city account was hijacked")
    assert commands.read("new: the city account was hijacked", t) is None


def test_english_says_one_report_and_never_starts_a_sentence_in_lower_case() -> None:
    """LINE WORKS G / Teams #14: 「INC-0001: 1 reports of the same post have been combined.」 and 「… with the
    reporter. the account manager and security officers can see them …」 (いわき市's role word mid-sentence)."""
    catalog = Catalog.load("en", terms={"pr_role": "the account manager"})
    view = IncidentView(id=1, ref="INC-0001", kind="flaming", kind_label="Flaming", status="reported",
                        status_label="Reported", severity="medium", severity_label="Medium", restricted=False,
                        details_visible=True, reporter_id="u1", reporters=("u1",), text=None, source_url=None,
                        platform=None, department=None, created_at=datetime(2026, 12, 5, tzinfo=UTC),
                        acknowledged_at=None, acknowledged_by=None, resolved_at=None, profile="iwaki")
    assert plain_words(c.MergedCount(view, 1), catalog) == ("INC-0001: 1 report of the same post has been combined.",)
    assert "2 reports" in plain_words(c.MergedCount(view, 2), catalog)[0]
    said = catalog.t("notify.body_restricted", reporter="Sato", place=catalog.platform_word("place.report", "slack"),
                     private=catalog.platform_word("place.reporter_chat", "slack"))
    assert not re.search(r"[.!?] [a-z]", said), said


VAGUE = "これ見ました？ https://x.com/city/status/7 削除した方がいいのでは"  # chatter to the classifier


def test_a_vague_message_about_an_open_incidents_post_to_the_bot_joins_it_unasked(runtime: Runtime) -> None:
    """Teams #10: a colleague wrote to the bot about a leak's post already open, vaguely (情報漏えい 10%): asked
    「インシデントとして報告しますか？」, though any kind chosen merges it into that incident by its URL."""
    triage = runtime.triage
    first = triage.incidents.report(ReportInput(LEAK, REPORTER))
    assert first.incident is not None
    asked = triage.incidents.report(ReportInput(VAGUE, Actor(OTHER, "佐藤 一郎", "teams"), explicit=False))
    assert asked.incident is None  # a report channel's chatter is still the poster's to confirm (or nothing)
    joined = triage.incidents.report(ReportInput(VAGUE, Actor(OTHER, "佐藤 一郎", "teams"), explicit=True))
    assert joined.ask is None and joined.merged and joined.incident is not None
    assert joined.incident.id == first.incident.id
    assert "merged_report" in [entry.type for entry in triage.queries.timeline(first.incident.id, None)]
    alone = triage.incidents.report(ReportInput(VAGUE.replace("city/status/7", "x/status/9"),
                                                Actor(OTHER, "佐藤 一郎", "teams"), explicit=True))
    assert alone.incident is None and alone.ask is not None  # no open incident's post: asked as before
