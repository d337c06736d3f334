"""Section notices the scheduler sends (Runner.notify), and the core as a platform's members see it (PlatformCore):
the rules every adapter used to repeat."""

from __future__ import annotations

from bot.delivery import content as c
from bot.delivery.content import Marker, Place, Posted
from bot.ports import Actor, Notification
from bot.triage.platform_access import PlatformCore
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, PR_CH, make_runner, report


def note(incident_id: int, level: int = 1) -> Notification:
    return Notification(incident_id, "pr_section", level, "広報", None, "炎上", "本文")


class AcknowledgedWhilePosting(FakePort):
    """Someone clicks 「確認しました」 while the notice is on its way."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    def post(self, place: Place, content: c.Content, marker: Marker | None = None) -> Posted:
        posted = super().post(place, content, marker)
        if isinstance(content, c.SectionNotice):
            self.runtime.triage.incidents.acknowledge(content.note.incident_id, Actor(PR, "広報 太郎"))
        return posted


def test_a_notice_acknowledged_while_posting_loses_its_button_at_once(runtime: Runtime) -> None:
    outcome = report(runtime, FLAMING.format(n=71))
    assert outcome.incident is not None
    port = AcknowledgedWhilePosting(runtime)
    posted = make_runner(runtime, port).notify(note(outcome.incident.id), lambda at: "12:00")
    assert posted is not None and posted.channel == PR_CH
    [update] = port.of("update")
    assert isinstance(update.content, c.NoticeAcknowledged) and update.content.by == "広報 太郎"
    assert update.content.when == "12:00"


def test_an_unacknowledged_notice_is_left_as_posted(runtime: Runtime) -> None:
    outcome = report(runtime, FLAMING.format(n=72))
    assert outcome.incident is not None
    port = FakePort()
    assert make_runner(runtime, port).notify(note(outcome.incident.id), lambda at: "12:00") is not None
    assert [s.content for s in port.of("post") if isinstance(s.content, c.SectionNotice)] != []
    assert port.of("update") == []


def test_platform_members_are_added_and_followed_as_they_change(runtime: Runtime) -> None:
    members = PlatformCore(runtime.triage, "slack")
    assert members.get() is runtime.triage  # nothing resolved: the core as configured
    assert members.get(pr_members=[PR]) is runtime.triage  # nobody beyond app.yaml's members
    newcomer = "slack:U_NEW"
    assert not members.get().deps.access.allows("acknowledge", newcomer, restricted=False)
    with_group = members.get(pr_members=[newcomer])
    assert with_group.deps.access.allows("acknowledge", newcomer, restricted=False)
    assert with_group.deps.access.allows("acknowledge", PR, restricted=False)  # app.yaml members stay
    assert members.get(pr_members=[newcomer]) is with_group  # unchanged members: not rebuilt
    outsider = members.get(pr_members=[newcomer], outsiders=[newcomer])
    assert "outsider" in outsider.deps.access.roles_of(newcomer)
    assert not outsider.deps.access.allows("acknowledge", newcomer, restricted=False)
    assert "outsider" not in members.get(outsiders=[STAFF]).deps.access.roles_of(newcomer)


def test_what_a_report_outcome_shows_is_decided_once(runtime: Runtime) -> None:
    from bot.delivery.content import Place
    from bot.delivery.intake import after_report
    from bot.delivery.plan import Origin
    from bot.ports import AskIfReport, Outcome

    where = Origin("message", Place("C_REPORT", "100.1"), "slack:U_STAFF", "職員", public=True)
    ask = AskIfReport("インシデントとして報告しますか？", (), "報告ではない")
    assert after_report(Outcome(None, ask=ask), where, answer=False).ask == ask
    no_ask = after_report(Outcome(None, ("x",), ask=ask), where, answer=True, can_ask=False)
    assert no_ask.ask is None and no_ask.words == ("x",)
    assert after_report(Outcome(None, ("雑談",)), where, answer=False) == after_report(Outcome(None), where,
                                                                                     answer=False)  # no reply
    assert after_report(Outcome(None, ("説明",)), where, answer=True).words == ("説明",)
    created = report(runtime, FLAMING.format(n=73))
    assert created.incident is not None and after_report(created, where, answer=False).plan is not None
    again = after_report(Outcome(created.incident, duplicate=True), where, answer=True)
    assert (again.ask, again.words, again.plan) == (None, (), None)  # a redelivery that changed nothing
    merged = Outcome(created.incident, duplicate=True, merged=True)
    assert after_report(merged, where, answer=True).plan is not None
