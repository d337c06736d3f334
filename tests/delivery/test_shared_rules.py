"""Rules every adapter shares, kept once: what follows a report (intake.py), the scheduler's channel posts
(publishing.py), the common delivery steps (shared.py) and the chances line (presenting.py)."""

from __future__ import annotations

import logging

import pytest

from bot.delivery import intake, plan, publishing, shared
from bot.delivery.content import Place
from bot.ports import Actor, AskIfReport, KindChoice, Outcome, ReportInput
from bot.presenting import chances
from bot.wiring import Runtime
from tests.conftest import STAFF

FLAMING = "炎上しています。市の投稿に批判が殺到 https://x.com/someone/status/1"
ORIGIN = plan.Origin("message", Place("C_REPORT", "100.1"), STAFF, STAFF, public=True)
ASK = AskIfReport("インシデントとして報告しますか？", (KindChoice("flaming", "炎上", 0.62),
                                                   KindChoice("leak", "情報漏えい", 0.0)), "報告ではない")


def _report(runtime: Runtime) -> tuple[ReportInput, Outcome]:
    report = ReportInput(text=FLAMING, reporter=Actor(STAFF, STAFF, "fake"), idempotency_key="ev1")
    return report, runtime.triage.incidents.report(report)


def test_what_follows_a_report(runtime: Runtime) -> None:
    report, outcome = _report(runtime)
    after = intake.after_report(outcome, ORIGIN, answer=False)
    assert after.plan is not None and after.plan.incident_id == outcome.incident.id and after.plan.ops
    again = runtime.triage.incidents.report(report)  # redelivered: the same plan, so the ledger finishes it
    assert again.duplicate and intake.after_report(again, ORIGIN, answer=True).plan == after.plan
    stale = Outcome(outcome.incident, duplicate=True)  # a repeat that neither created nor merged: nothing
    assert intake.after_report(stale, ORIGIN, answer=True) == intake.AfterReport()
    assert intake.after_report(Outcome(None, ask=ASK), ORIGIN, answer=False) == intake.AfterReport(ask=ASK)
    words = Outcome(None, messages=("報告として受け付けられませんでした",))
    assert intake.after_report(words, ORIGIN, answer=True).words == words.messages
    assert intake.after_report(words, ORIGIN, answer=False) == intake.AfterReport()  # chatter: no reply


def test_messages_are_packed_to_fit() -> None:
    def fits(group: list[str]) -> bool:
        return sum(map(len, group)) <= 10

    assert publishing.pack(["aaaa", "bbbb", "cccc", "dd"], fits) == [["aaaa", "bbbb"], ["cccc", "dd"]]
    assert publishing.pack(["x" * 20, "y"], fits, head=["t"]) == [["t"], ["x" * 20], ["y"]]
    assert publishing.pack([], fits, head=["t"]) == [["t"]]


def test_channel_posts_go_to_the_first_configured_channel_or_are_only_logged(
        runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    posted: list[tuple[str, object]] = []
    summary = _summary(runtime)
    publish = publishing.summary_publisher(("x.summary_channel", None), lambda *args: posted.append(args[:2]))
    with caplog.at_level(logging.WARNING):
        publish(summary, None)
    assert posted == [] and "x.summary_channel is not set" in caplog.text
    publishing.summary_publisher(("x.summary_channel", "C_SUM"), lambda *args: posted.append(args[:2]))(
        summary, None)
    assert posted == [("C_SUM", summary)]
    assert publishing.first_set([("a", None), ("b", "C_B"), ("c", "C_C")]) == "C_B"
    title, parts = publishing.summary_parts(summary, runtime.triage.catalog)
    assert title and "\n" not in title and all(part.strip() for part in parts)


def _summary(runtime: Runtime):  # noqa: ANN202 - a WeeklySummary of this week
    from bot.triage.summary import build_summary
    from bot.triage.summary_model import IsoWeek

    deps = runtime.triage.deps
    now = deps.clock.now()
    return build_summary(deps.sessions, IsoWeek.containing(now), now)


def test_a_delivery_error_is_recorded_even_when_the_database_is_down(runtime: Runtime) -> None:
    _, outcome = _report(runtime)
    record = shared.error_recorder(runtime.triage.incidents, "fake")
    record(outcome.incident.id, "report", "ratelimited")
    timeline = runtime.triage.queries.timeline(outcome.incident.id, None)
    assert any("ratelimited" in str(event) for event in timeline)

    class Down:
        def record_delivery_error(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("database down")

    shared.error_recorder(Down(), "fake")(1, "report", "x")  # type: ignore[arg-type] # logged, not raised


def test_the_chances_line() -> None:
    assert chances(ASK) == "炎上 62%"
    assert chances(ASK, escape=lambda text: f"<{text}>") == "<炎上> 62%"
