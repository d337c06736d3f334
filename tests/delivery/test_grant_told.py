"""A grant (権限付与) names the grantee to the sender and tells the grantee once, privately (session 12 walk #5)."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery import command_run, plan
from bot.delivery import content as c
from bot.delivery.commands import Command
from bot.delivery.refusals import Refusals
from bot.delivery.resume import resume_grants
from bot.ports import Actor
from bot.wiring import Runtime
from tests.conftest import OTHER, SECURITY
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, LEAK, make_runner, origin, report

NAMES = {OTHER: "同僚 高橋"}
SECURITY_ACTOR = Actor(SECURITY, "情報 次郎", "slack")


def _platform(runtime: Runtime) -> command_run.Platform:
    return command_run.Platform(Refusals(runtime.triage.catalog, "slack"), lambda user: NAMES.get(user, user),
                                lambda incident: False, "/incident ")


def _grant(runtime: Runtime, incident_id: int) -> command_run.Ran:
    return command_run.run(runtime.triage, SECURITY_ACTOR, Command("grant", incident_id, user=OTHER),
                           _platform(runtime))


def _texts(content: c.Content) -> str:
    inner = content.content if isinstance(content, c.Linked) else content
    assert isinstance(inner, c.Texts)
    return "\n".join(inner.texts)


def test_a_leak_grant_names_the_grantee_and_tells_them_once_without_the_report(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, LEAK.format(n=7))
    assert outcome.incident is not None
    runner.run(plan.report(outcome, origin()))
    ran = _grant(runtime, outcome.incident.id)
    assert ran.refused is None and "同僚 高橋 さん" in ran.said[0] and OTHER not in ran.said[0]
    assert ran.plan is not None
    runner.run(ran.plan)
    told = port.posts(f"D-{OTHER}")
    assert len(told) == 1
    words = _texts(told[0].content)
    assert "INC-0001" in words and "情報漏えい" in words and "閲覧制限" in words
    assert "名簿" not in words and "x.com" not in words and not isinstance(told[0].content, c.Linked)
    again = _grant(runtime, outcome.incident.id)  # a retry (after a crash, or typed twice): told once only
    assert "既に" in again.said[0]
    if again.plan is not None:
        runner.run(again.plan)
    assert len(port.posts(f"D-{OTHER}")) == 1


def test_a_grant_whose_tell_was_lost_in_a_crash_is_told_on_the_retry(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, LEAK.format(n=8))
    assert outcome.incident is not None
    runner.run(plan.report(outcome, origin()))
    _grant(runtime, outcome.incident.id)  # committed, then the process died before its plan ran
    again = _grant(runtime, outcome.incident.id)
    assert again.plan is not None
    runner.run(again.plan)
    assert len(port.posts(f"D-{OTHER}")) == 1


def test_an_ordinary_grant_links_the_grantee_to_the_conversation(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=9))
    assert outcome.incident is not None
    runner.run(plan.report(outcome, origin()))
    section = len(port.posts("C_PR"))
    ran = _grant(runtime, outcome.incident.id)
    assert ran.plan is not None
    runner.run(ran.plan)
    assert len(port.posts("C_PR")) == section  # the grantee's note is theirs, not the section's
    told = port.posts(f"D-{OTHER}")
    assert len(told) == 1 and isinstance(told[0].content, c.Linked)
    assert told[0].content.url and "100.1" in told[0].content.url
    assert "INC-0001" in _texts(told[0].content) and "炎上" in _texts(told[0].content)


def test_a_grant_whose_process_died_before_telling_is_told_by_resume_once(runtime: Runtime) -> None:
    port = FakePort(platform="slack")  # the ledger is per platform, as resume reads it
    runner = make_runner(runtime, port)
    outcome = report(runtime, LEAK.format(n=10))
    assert outcome.incident is not None
    runner.run(plan.report(outcome, origin()))
    triage = runtime.triage
    triage.roles.grant_reporter(outcome.incident.id, OTHER, SECURITY_ACTOR, "同僚 高橋")  # then the process died
    later = triage.deps.clock.now() + timedelta(minutes=30)
    assert resume_grants(triage.queries, triage.roles, "slack", later, NAMES.get, runner.run) == 1
    told = port.posts(f"D-{OTHER}")
    assert len(told) == 1 and "INC-0001" in _texts(told[0].content) and "名簿" not in _texts(told[0].content)
    assert resume_grants(triage.queries, triage.roles, "slack", later, NAMES.get, runner.run) == 0
    assert resume_grants(triage.queries, triage.roles, "teams", later, NAMES.get, runner.run) == 0
    assert len(port.posts(f"D-{OTHER}")) == 1
