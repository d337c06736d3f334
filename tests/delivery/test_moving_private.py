"""A conversation taken private by a kind correction to 情報漏えい (bot/delivery/moving.py): what its reporter reads
in the private conversation (session 17 Slack walk #6)."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery import controls
from bot.ports import Actor
from bot.wiring import Runtime
from tests.conftest import STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_controls import reported
from tests.delivery.test_delivery_plan import make_runner


def test_the_private_conversation_gets_no_message_that_says_only_the_incidents_number(runtime: Runtime) -> None:
    """Before: after the anchor and the advice came a message reading 「INC-0001」 alone: the intro posted for its
    kind control, which a restricted incident's reporter is not given (its kind is PR's to correct)."""
    port = FakePort()
    incident_id = reported(runtime, port)
    staff = Actor(STAFF, "担当 山田", "fake")
    after, _ = controls.correct_kind(runtime.triage, incident_id, "leak", staff, lambda user: "担当 山田",
                                     home_is_private=False)
    assert after.plan is not None
    sent = len(port.calls)
    make_runner(runtime, port).run(after.plan)
    private = [s for s in port.calls[sent:] if s.method == "post" and s.place and s.place.channel == f"D-{STAFF}"]
    assert private, [s.method for s in port.calls[sent:]]
    ref = f"INC-{incident_id:04d}"
    bare = [s.content for s in private if isinstance(s.content, c.Texts) and tuple(s.content.texts) == (ref,)]
    assert not bare, bare
