"""Rules the Slack and Teams adapters each used to write, now kept once: which message is a report
(intake.report_source), where a resumed report's conversation is (resume.resumed_origin), the private question's
buttons and answer (asking.py) and a failed action's words (refusals.py)."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy.exc import OperationalError

from bot.delivery import asking, intake, resume
from bot.delivery.content import DeliveryError, Place
from bot.delivery.refusals import Refusals
from bot.ports import Actor, AskIfReport, ConversationRef, KindChoice, Outcome, ReportInput
from bot.triage.access import PermissionDenied
from bot.triage.core import InvalidRequest, StorageUnavailable
from bot.wiring import Runtime
from tests.conftest import STAFF

FLAMING = "市の公式Xの投稿が炎上しています。批判のリプライが殺到中です https://x.com/city/status/9"
ASK = AskIfReport("インシデントとして報告しますか？", (KindChoice("flaming", "炎上", 0.62),
                                                   KindChoice("misinformation", "デマ", 0.2)), "報告ではない")


def _never() -> bool:
    raise AssertionError("the database is asked only about a reply to a mention outside report channels")


@pytest.mark.parametrize(("where", "top_level", "mentioned", "in_thread", "source"), [
    ("personal", True, False, False, "personal"),
    ("personal", False, False, False, None),  # a reply in a DM thread (an incident's conversation) is conversation
    ("report_channel", True, False, False, "channel"),
    ("report_channel", True, True, False, "channel"),  # a mention there is still a new post
    ("report_channel", False, True, True, None),  # replies in an incident's own thread are conversation
    ("report_channel", False, False, True, None),
    ("report_channel", False, False, False, "channel"),  # a report made as a reply elsewhere is not dropped
    ("elsewhere", True, False, False, None),  # chatter elsewhere is none of the bot's business
    ("elsewhere", True, True, False, "mention"),
    ("elsewhere", False, True, False, "mention"),  # a mention in some other thread
    ("elsewhere", False, True, True, None),  # ... but not inside an incident's own thread
])
def test_which_message_is_a_report(where: str, top_level: bool, mentioned: bool, in_thread: bool,
                                   source: str | None) -> None:
    asked = False

    def in_incident_thread() -> bool:
        nonlocal asked
        asked = True
        return in_thread

    found = intake.report_source(personal=where == "personal", report_channel=where == "report_channel",
                                 top_level=top_level, mentioned=mentioned, in_incident_thread=in_incident_thread)
    assert found == source
    # one read, only when it decides: a reply in a report channel, or a mention in a thread elsewhere
    assert asked == (not top_level and (where == "report_channel" or (where == "elsewhere" and mentioned)))
    assert intake.report_source(personal=False, report_channel=False, top_level=True, mentioned=True,
                                in_incident_thread=_never) == "mention"


def test_a_resumed_report_goes_back_to_its_conversation_or_the_reporters_dm(runtime: Runtime) -> None:
    outcome = runtime.triage.incidents.report(ReportInput(
        text=FLAMING, reporter=Actor(STAFF, "山田", "slack"), idempotency_key="ev-resume",
        conversation=ConversationRef("slack", "C_REPORT", "100.1")))
    view = outcome.incident
    assert view is not None
    channel = resume.resumed_origin(view, "slack", "山田", "U_STAFF", private=lambda c: c.startswith("D"))
    assert (channel.how, channel.place, channel.public, channel.user) == (
        "message", Place("C_REPORT", "100.1"), True, "U_STAFF")
    dm = resume.resumed_origin(dataclasses.replace(view, conversation=ConversationRef("slack", "D_STAFF", "1.1")),
                               "slack", "山田", "U_STAFF", private=lambda c: c.startswith("D"))
    assert dm.how == "message" and not dm.public
    for where in (None, ConversationRef("teams", "19:x", "1"), ConversationRef("slack", "C_REPORT", None)):
        command = resume.resumed_origin(dataclasses.replace(view, conversation=where), "slack", "山田", "U_STAFF",
                                        private=lambda c: False)
        assert (command.how, command.place, command.public, command.private) == (
            "command", Place("U_STAFF"), False, "U_STAFF")


def test_the_questions_buttons_and_what_an_answer_does(runtime: Runtime) -> None:
    assert asking.choices(ASK) == [("炎上", "flaming"), ("デマ", "misinformation"), ("報告ではない", asking.DECLINE)]
    assert asking.choices(dataclasses.replace(ASK, decline=None))[-1] == ("デマ", "misinformation")
    actor = Actor(STAFF, "山田", "slack")

    def answer(kind: str | None) -> Outcome:
        return asking.answer(runtime.triage, actor, "slack", text=FLAMING, channel="C_X", ts="5.5", kind=kind,
                             explicit=False, thread=None)

    first = answer("flaming")
    assert first.incident is not None and first.incident.kind == "flaming"
    assert first.incident.conversation == ConversationRef("slack", "C_X", "5.5")
    again = answer("misinformation")  # a second click: keyed by the message, the first answer stands
    assert again.incident is not None and again.incident.id == first.incident.id and again.duplicate
    declined = asking.answer(runtime.triage, actor, "slack", text="来週の研修の資料です", channel="C_X", ts="6.6",
                             kind=asking.DECLINE, explicit=False)
    assert declined.incident is None


def test_a_failed_action_in_words_and_one_log_line(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    catalog = runtime.triage.catalog
    recorded: list[tuple[int, str, str]] = []
    slack = Refusals(catalog, "slack", record=lambda *args: recorded.append(args))
    teams = Refusals(catalog, "teams",
                     own_words=lambda exc: "ゲストです" if isinstance(exc, PermissionDenied) else None)
    denied = PermissionDenied("correct_kind", "slack:U_X", 3)
    with caplog.at_level(logging.INFO):
        assert slack.words(denied, "kind_select", 3) == catalog.t("correct.denied")  # who may, in words
        assert teams.words(denied, "kind_select", 3) == "ゲストです"
        assert slack.words(InvalidRequest("入力がありません"), "step") == "入力がありません"
        assert slack.words(OperationalError("x", {}, Exception()), "step", 4) == catalog.t("error.storage")
        assert slack.words(DeliveryError("not_in_channel"), "report", 5) == catalog.t(
            "slack.error.api", error=catalog.t("slack.error.code.not_in_channel"))  # Slack's own words for it
        assert teams.words(DeliveryError("BadGateway"), "report") == catalog.t("teams.error.api", error="BadGateway")
        assert slack.words(RuntimeError("bug"), "step", 6) == catalog.t("slack.error.unexpected")
    assert recorded == [(5, "report", "not_in_channel")]  # on the incident's timeline; Teams' had no incident
    ours = [r for r in caplog.records if r.name in ("incident_bot.slack", "incident_bot.teams")]
    logged = [r.getMessage().split(" ", 1)[0] for r in ours]
    assert logged == ["slack.denied", "teams.denied", "slack.storage_error", "teams.api_error", "slack.unexpected"]
    assert ours[-1].exc_info is not None  # the bug's traceback is logged, never said
    assert slack.words(PermissionDenied("add_note", "slack:U_X", 3), "note", 3) == catalog.t("error.denied")
    assert slack.codes_text(["ratelimited", "ratelimited", "x"]) == (
        slack.api_text("ratelimited"), slack.api_text("x"))


def test_a_storage_outage_after_the_core_committed_is_logged_not_told(runtime: Runtime,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Slack's rule, now every platform's (Teams told it, inviting a second report): once the core committed, only
    posts are left and a retry or resume finishes them; before, the outage is told in the catalogue's words."""
    catalog = runtime.triage.catalog
    refusals = Refusals(catalog, "teams")
    outage = StorageUnavailable(catalog.t("error.storage"))
    locked = OperationalError("x", {}, Exception())
    with caplog.at_level(logging.INFO):
        assert refusals.told(outage, "report", 3, stored=True) is None
        assert refusals.told(locked, "step", 3, stored=True) is None
        assert refusals.told(locked, "step", 3) == catalog.t("error.storage")
        assert refusals.told(PermissionDenied("add_note", "teams:U_X", 3), "note", 3, stored=True) == catalog.t(
            "error.denied")  # anything else is told as `words` says
    logged = [r.getMessage().split(" ", 1)[0] for r in caplog.records if r.name == "incident_bot.teams"]
    assert logged == ["teams.storage_unavailable"] * 3 + ["teams.denied"]


@pytest.mark.parametrize(("status", "end", "shown"), [
    ("responding", False, ""),  # acknowledged, still running: nothing under who acknowledged it
    ("responding", True, "対応完了にできます"),  # steps done, the finisher could not end it: the offer
    ("resolved", False, "対応完了にできます"),  # ended meanwhile: said, whatever the words
    ("closed", False, "対応完了にできます"),
    ("declined", False, ""),
])
def test_what_an_acknowledged_notice_says_under_who_acknowledged_it(status: str, end: bool, shown: str) -> None:
    """Slack's port and Teams' cards each tested the status themselves; NoticeAcknowledged.note says it once."""
    from datetime import UTC, datetime

    from bot.delivery.content import NoticeAcknowledged
    from bot.ports import IncidentView

    view = IncidentView(id=4, ref="INC-0004", kind="flaming", kind_label="炎上", status=status, status_label=status,
                        severity="medium", severity_label="中", restricted=False, details_visible=True,
                        reporter_id="slack:U1", reporters=("slack:U1",), text="x", source_url=None, platform=None,
                        department=None, created_at=datetime(2026, 12, 5, tzinfo=UTC), acknowledged_at=None,
                        acknowledged_by=None, resolved_at=None, profile="asahikawa")
    assert NoticeAcknowledged(view, "広報 太郎", "10:03", "対応完了にできます", end=end).note == shown
