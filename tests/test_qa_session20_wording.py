"""Session 20 wording fixes (docs/qa/session20_*.md): what each reader is told fits who and where they are."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.delivery import command_run, plan
from bot.delivery import content as c
from bot.delivery.commands import Command
from bot.delivery.refusals import Refusals
from bot.ports import Actor, ConversationRef, ReportInput
from bot.triage.templating import make_environment
from bot.wiring import Runtime
from tests.conftest import OTHER, SECURITY, STAFF
from tests.test_qa_session20_configs import _check

JST = timezone(timedelta(hours=9))
SUNDAY_EVENING = datetime(2026, 12, 6, 20, 0, tzinfo=JST)


def _render(source: str, locale: str, date_style: str) -> str:
    profile = type("P", (), {"date_style": date_style})()
    return make_environment().from_string(source).render(when=SUNDAY_EVENING, locale=locale, profile=profile)


def test_a_drafts_own_times_carry_the_weekday_as_the_records_do() -> None:
    """Records walk #12: 「確認日時: 令和8年12月4日 18:31」 in a draft, no 曜日, while the records now give it."""
    assert _render("確認日時: {{ when|jdatetime }}", "ja", "wareki") == "確認日時: 令和8年12月6日（日）20:00"
    assert _render("{{ when|jdatetime }}", "ja", "gregorian") == "2026年12月6日（日）20:00"
    assert _render("Found on: {{ when|jdatetime }}", "en", "wareki") == "Found on: Sun 2026-12-06 20:00 JST"
    assert _render("{{ when|jdate }}", "ja", "wareki") == "令和8年12月6日"  # a document's date line stays bare


YAMANAMI = ("profile: yamanami\ncustom_profiles:\n  yamanami:\n    extends: asahikawa\n    sections:\n"
            "      pr_section: {name: {ja: 広報課, en: PR Division}}\n"
            "      department_head: {name: {ja: 各部局の所属長, en: Department heads}}\n"
            "    first_report_to: [広報課, 各部局の所属長]\n")


def test_first_report_to_written_with_section_names_is_told_the_key_in_the_files_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Config walk #9: 「部署 '広報課' は sections にありません（使える部署: …）」 in Japanese then English, no key."""
    code, said = _check(tmp_path, YAMANAMI, monkeypatch)
    assert code == 2 and "first_report_to[0]: " in said, said
    assert "first_report_to には pr_section と書いてください" in said and "unknown section" not in said, said
    code, said = _check(tmp_path, "locale: en\n" + YAMANAMI, monkeypatch)
    assert code == 2 and "write pr_section in first_report_to" in said and "sections にありません" not in said, said
    code, said = _check(tmp_path, YAMANAMI.replace("[広報課, 各部局の所属長]", "[pr_sectoin]"), monkeypatch)
    assert "「pr_section」のことですか？" in said, said


FLAMING = "炎上しています。市の投稿に批判が殺到 https://x.com/someone/status/9"
LEAK = "個人情報が漏えいしています。住民の名簿が投稿されました https://x.com/leaker/status/{n}"


@pytest.mark.parametrize(("platform", "place", "private", "not_said"), [
    ("lineworks", "報告用のトークルーム", "報告者とボットの1対1のトーク", "チャンネル"),
    ("slack", "報告の場（チャンネル・スレッド）", "報告者とボットの個別の会話", "トークルーム"),
    ("teams", "報告の場（チャネル・スレッド）", "報告者とボットの個別の会話", "チャンネル"),
])
def test_a_leak_notice_names_the_report_place_in_its_platforms_words(
        runtime: Runtime, platform: str, place: str, private: str, not_said: str) -> None:
    """LINE WORKS walk G: 「詳細はこの通知にも報告の場（チャンネル・スレッド）にも載せず」, but it has トークルーム."""
    outcome = runtime.triage.incidents.report(ReportInput(
        LEAK.format(n=1), Actor(f"{platform}:u-yamada", "山田 花子", platform), idempotency_key="k1",
        conversation=ConversationRef(platform, "room-1")))
    [note] = [n for n in outcome.notifications if n.level == 1][:1]
    assert f"この通知にも{place}にも載せず、{private}で扱います" in note.body, note.body
    assert not_said not in note.body and "住民の名簿" not in note.body, note.body


def _platform(runtime: Runtime, name: str, private: bool) -> command_run.Platform:
    return command_run.Platform(Refusals(runtime.triage.catalog, name), lambda user: f"name of {user}",
                                lambda incident: private)


@pytest.mark.parametrize(("platform", "private", "where"), [
    ("lineworks", True, "報告者とボットの1対1のトーク"),
    ("slack", False, "報告のスレッド"),
])
def test_one_correcting_the_kind_from_elsewhere_is_told_where_the_steps_go(
        runtime: Runtime, platform: str, private: bool, where: str) -> None:
    """LINE WORKS walk F: security corrected a leak to 炎上 in his own chat and was told 「手順を最初から案内します」;
    the steps went to the reporter's chat."""
    outcome = runtime.triage.incidents.report(ReportInput(LEAK.format(n=2), Actor(STAFF, "山田 花子", platform),
                                                          idempotency_key="k2"))
    assert outcome.incident is not None and outcome.incident.restricted
    if not private:  # an ordinary incident whose conversation is a public thread
        outcome = runtime.triage.incidents.report(ReportInput(FLAMING, Actor(STAFF, "山田 花子", platform),
                                                              idempotency_key="k3"))
        assert outcome.incident is not None
    ran = command_run.run(runtime.triage, Actor(SECURITY, "情報 守", platform),
                          Command("kind", outcome.incident.id, kind="デマ"), _platform(runtime, platform, private))
    assert ran.plan is not None and ran.said, ran
    ref = outcome.incident.ref
    said = f"{ref} の種別を「デマ・事実と反する投稿」に訂正しました。新しい種別の手順は、{where}で最初から案内します。"
    assert ran.said[0] == said, ran.said
    posts = [op.content for op in ran.plan.ops if isinstance(op, plan.Post)]
    home = [text for content in posts if isinstance(content, c.Texts) for text in content.texts]
    assert any("手順を最初から案内します" in text for text in home), home  # the conversation's own words


def test_a_former_co_reporter_refused_on_a_leak_is_told_who_holds_its_role_and_whom_to_ask(runtime: Runtime) -> None:
    """authz walk #12: 佐藤 reported the same post as 山田; once security made it a leak his 状況 was refused with
    「…できるのは広報担当、情報セキュリティ担当または報告者です」, though he is one of its reporters."""
    triage = runtime.triage
    first = triage.incidents.report(ReportInput(FLAMING, Actor(STAFF, "山田 花子", "slack"), idempotency_key="k4"))
    assert first.incident is not None
    again = triage.incidents.report(ReportInput(FLAMING, Actor(OTHER, "佐藤 一郎", "slack"), idempotency_key="k5"))
    assert again.merged
    triage.incidents.correct_kind(first.incident.id, "leak", Actor(SECURITY, "情報 守", "slack"))
    ran = command_run.run(triage, Actor(OTHER, "佐藤 一郎", "slack"), Command("status", first.incident.id),
                          _platform(runtime, "slack", True))
    said = ran.said[0]
    assert "または報告者です" not in said and "記録されました" in said, said
    assert "権限を付与した職員" in said and "同じ投稿を報告した方にも、付与を受けるまで権限はありません" in said, said
    assert "広報担当に権限の付与を依頼してください" in said, said
    mine = command_run.run(triage, Actor(STAFF, "山田 花子", "slack"), Command("status", first.incident.id),
                           _platform(runtime, "slack", True))
    assert mine.refused is None, mine.said  # the first reporter keeps hers
