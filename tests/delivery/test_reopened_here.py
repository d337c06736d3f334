"""A resolved incident reopened: PR's section is told who reopened it, and the incident's own conversation is told
too (its reporters mentioned), through the delivery plan: the report's thread, or for a restricted incident only
the reporter's private chat. The real core, run through the fake port."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import plan
from bot.ports import Actor
from bot.triage import lifecycle
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, LEAK, PR_CH, REPORT_CH, make_runner, origin, report

PR_OFFICER = Actor(PR, "広報 太郎", "fake")


def _reopened(runtime: Runtime, port: FakePort, text: str) -> int:
    outcome = report(runtime, text)
    assert outcome.incident is not None
    incident_id = outcome.incident.id
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    incidents = runtime.triage.incidents
    incidents.change_status(incident_id, lifecycle.RESOLVED, PR_OFFICER)
    port.calls.clear()
    done = incidents.change_status(incident_id, lifecycle.RESPONDING, PR_OFFICER)
    make_runner(runtime, port).run(plan.notices(done, PR_OFFICER.user_id))
    return incident_id


def _told(port: FakePort) -> list[tuple[str, str | None, c.Texts]]:
    return [(s.place.channel, s.place.thread, s.content) for s in port.posts()
            if s.place is not None and isinstance(s.content, c.Texts)]


def test_a_reopen_is_told_in_the_incidents_thread_with_its_reporters_mentioned(runtime: Runtime) -> None:
    port = FakePort()
    _reopened(runtime, port, FLAMING.format(n=1))
    [(channel, thread, said)] = _told(port)
    assert (channel, thread) == (REPORT_CH, "100.1")  # the report's thread
    assert said.texts[0].startswith("【再開】INC-0001（炎上）") and "広報 太郎" in said.texts[1]
    assert said.mention == (STAFF,)
    section = [s.content for s in port.posts(PR_CH) if isinstance(s.content, c.SectionNotice)]
    assert [n.note.topic for n in section] == ["reopened"]  # PR's notice as before, nothing else to the section


def test_a_restricted_incidents_reopen_is_told_only_in_the_reporters_private_chat(runtime: Runtime) -> None:
    port = FakePort()
    _reopened(runtime, port, LEAK.format(n=2))
    [(channel, _, said)] = _told(port)
    assert channel == f"D-{STAFF}" and said.texts[0].startswith("【再開】")
    assert not [s for s in port.posts(REPORT_CH)]  # nothing in the public channel

