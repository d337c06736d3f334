"""A section notice the platform refuses outright is told to the reporters once, by the reason the port's declared
error-code table (ChatPort.unreached) names; a code outside the table is left to the scheduler's retries."""

from __future__ import annotations

import pytest

from bot.delivery import content as c
from bot.delivery import plan, unreached
from bot.delivery.content import DeliveryError
from bot.ports import Notification
from bot.wiring import Runtime
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, PR_CH, make_runner, origin, report


def _notice(incident_id: int) -> Notification:
    return Notification(incident_id, "pr_section", 2, "広報", None, "炎上", "本文")


def _told(port: FakePort) -> list[str]:
    return [text for s in port.of("post") if isinstance(s.content, c.Texts) for text in s.content.texts
            if "【通知が届いていません】" in text]


def test_a_code_the_port_declares_a_refusal_is_told_once(runtime: Runtime) -> None:
    outcome = report(runtime, FLAMING.format(n=2101))
    assert outcome.incident is not None
    port = FakePort(unreached={"kicked": "not_member"})
    runner = make_runner(runtime, port)
    assert runner.run(plan.report(outcome, origin(ts="2101.1"))).failures == []
    for _ in range(2):
        port.fail("post", DeliveryError("kicked"))
        with pytest.raises(DeliveryError):
            unreached.notify(runner, runtime.triage.catalog, _notice(outcome.incident.id), lambda at: "12:00")
    [said] = _told(port)
    assert outcome.incident.ref in said
    assert unreached.reason_of(port, "kicked") == "not_member"


def test_a_code_outside_the_table_is_not_told(runtime: Runtime) -> None:
    outcome = report(runtime, FLAMING.format(n=2102))
    assert outcome.incident is not None
    port = FakePort(unreached={"kicked": "not_member"})
    port.fail("post", DeliveryError("timeout"))
    with pytest.raises(DeliveryError):
        unreached.notify(make_runner(runtime, port), runtime.triage.catalog, _notice(outcome.incident.id),
                         lambda at: "12:00")
    assert _told(port) == [] and not any(isinstance(s.content, c.SectionNotice) for s in port.posts(PR_CH))


def test_every_port_declares_its_table() -> None:
    from bot.adapters.lineworks.port import LineWorksPort
    from bot.adapters.slack.port import SlackPort
    from bot.adapters.teams.port import TeamsPort

    for port in (SlackPort, TeamsPort, LineWorksPort):
        assert set(port.unreached.values()) <= set(unreached.REASONS) and port.unreached
