"""A restricted incident whose move to the reporter's private chat fails (the chat cannot be opened, the post is
refused) never posts into its still-public thread: what follows is held until the move is done, by a later
delivery or by resume, never shown in public in the meantime."""

from __future__ import annotations

from dataclasses import dataclass

from bot.delivery import content as c
from bot.delivery import controls
from bot.delivery.content import DeliveryError, Marker, Place, Posted
from bot.delivery.ledger import PRIVATE_HOME
from bot.delivery.resume import resume_restrictions
from bot.ports import Actor
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_controls import reported
from tests.delivery.test_delivery_plan import REPORT_CH, make_runner

STAFF_ACTOR = Actor(STAFF, "担当 山田", "fake")


@dataclass
class NoPrivateChat(FakePort):
    """A port whose private chats cannot be opened while `closed` (Teams: 403 on createConversation)."""

    closed: bool = True

    def post(self, place: Place, content: c.Content, marker: Marker | None = None) -> Posted:
        if self.closed and not place.channel.startswith("C"):
            raise DeliveryError("conversation_not_allowed")
        return super().post(place, content, marker)


def _public_posts(port: FakePort, after: int) -> list[c.Content]:
    return [s.content for s in port.calls[after:] if s.method == "post" and s.place and s.place.channel == REPORT_CH]


def _corrected_with_the_chat_closed(runtime: Runtime, port: NoPrivateChat) -> int:
    incident_id = reported(runtime, port)
    after, _ = controls.correct_kind(runtime.triage, incident_id, "leak", STAFF_ACTOR, lambda user: "担当 山田",
                                     home_is_private=False)
    assert after.plan is not None
    sent = len(port.calls)
    assert make_runner(runtime, port).run(after.plan).failures
    # The thread got its one neutral line, nothing else: not the leak's step, not the correction's words.
    assert [type(shown).__name__ for shown in _public_posts(port, sent)] == ["PrivateLine"]
    return incident_id


def test_a_failed_move_posts_nothing_more_in_the_public_thread(runtime: Runtime) -> None:
    port = NoPrivateChat()
    incident_id = _corrected_with_the_chat_closed(runtime, port)
    step = runtime.triage.steps.current(incident_id, STAFF)
    assert step is not None and runtime.triage.queries.view(incident_id, None).restricted
    sent = len(port.calls)
    outcome = runtime.triage.steps.complete(incident_id, step.step_id, STAFF_ACTOR, skip=True)
    done = controls.step_done(runtime.triage, outcome, STAFF_ACTOR, incident_id, step.step_id, "10:00", "fake")
    assert done.plan is not None
    make_runner(runtime, port).run(done.plan)  # the next step: held, not posted in the public thread
    assert _public_posts(port, sent) == []


def test_resume_opens_the_private_chat_once_it_can_and_shows_the_step_there(runtime: Runtime) -> None:
    port = NoPrivateChat()
    incident_id = _corrected_with_the_chat_closed(runtime, port)
    runner = make_runner(runtime, port)
    triage, clock = runtime.triage, runtime.triage.deps.clock
    clock.advance(minutes=3)  # type: ignore[attr-defined]
    private = lambda channel: not channel.startswith("C")  # noqa: E731
    resume_restrictions(triage, "fake", clock.now(), lambda user: "担当 山田", runner.run, private)
    assert runner.ledger.get(incident_id, PRIVATE_HOME) is None  # still closed: nothing shown anywhere
    port.closed = False
    clock.advance(minutes=30)  # type: ignore[attr-defined]
    sent = len(port.calls)
    assert resume_restrictions(triage, "fake", clock.now(), lambda user: "担当 山田", runner.run, private) == 1
    assert runner.ledger.get(incident_id, PRIVATE_HOME) is not None
    steps = [s for s in port.calls[sent:] if s.method == "post" and isinstance(s.content, c.Step)]
    assert [s.place.channel for s in steps if s.place] == [f"D-{STAFF}"]
    assert _public_posts(port, sent) == []
    assert resume_restrictions(triage, "fake", clock.now(), lambda user: "担当 山田", runner.run, private) == 0
