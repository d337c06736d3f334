"""状況 INC-0002 on every platform (bot/delivery/status.py, command_run.py): the standing in the asker's words, a
restricted incident's only to those allowed and only in private, and the current step's card in the asker's own
private chat, whose press finishes the step once and brings the next step to the presser as well as to the
incident's home (ledger purposes keyed by recipient: nothing twice)."""

from __future__ import annotations

from bot.clock import format_jst
from bot.delivery import command_run, controls, plan
from bot.delivery import content as c
from bot.delivery.commands import Command
from bot.delivery.content import Posted
from bot.delivery.refusals import Refusals
from bot.ports import Actor
from bot.triage.access import PermissionDenied
from bot.triage.core import IncidentNotFound
from bot.wiring import Runtime
from tests.conftest import OTHER, PR, SECURITY, STAFF
from tests.delivery.fake_port import FakePort
from tests.delivery.test_delivery_plan import FLAMING, LEAK, make_runner, origin, report

PR_ACTOR = Actor(PR, "広報 太郎", "slack")
SECURITY_ACTOR = Actor(SECURITY, "情報 次郎", "slack")
OTHER_ACTOR = Actor(OTHER, "職員 花子", "slack")
STAFF_ACTOR = Actor(STAFF, STAFF, "slack")


def _platform(runtime: Runtime, *, private: bool = True) -> command_run.Platform:
    return command_run.Platform(Refusals(runtime.triage.catalog, "slack"), lambda user: user,
                                lambda incident: False, "/incident ", private=private)


def _ask(runtime: Runtime, actor: Actor, incident_id: int, *, private: bool = True) -> command_run.Ran:
    return command_run.run(runtime.triage, actor, Command("status", incident_id), _platform(runtime, private=private))


def _reported(runtime: Runtime, port: FakePort, text: str) -> int:
    outcome = report(runtime, text)
    assert outcome.incident is not None
    make_runner(runtime, port).run(plan.report(outcome, origin()))
    return outcome.incident.id


def _press(runtime: Runtime, actor: Actor, incident_id: int, step_id: str, at: Posted | None) -> plan.Plan:
    triage = runtime.triage
    outcome = triage.steps.complete(incident_id, step_id, actor, skip=True)
    after = controls.step_done(triage, outcome, actor, incident_id, step_id, "今", "slack", at=at)
    assert after.plan is not None
    return after.plan


def test_the_standing_names_the_step_who_did_what_and_who_was_told(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, FLAMING.format(n=1))
    first = runtime.triage.steps.current(incident_id, STAFF)
    assert first is not None
    make_runner(runtime, port).run(_press(runtime, STAFF_ACTOR, incident_id, first.step_id, None))
    runtime.triage.incidents.acknowledge(incident_id, PR_ACTOR)
    ran = _ask(runtime, PR_ACTOR, incident_id)
    said = "\n".join(ran.said)
    view = runtime.triage.queries.view(incident_id, None)
    assert ran.refused is None
    assert "【状況】INC-0001（炎上）" in said and f"状態: {view.status_label}" in said and "重大度:" in said
    assert "現在の手順: 手順 2/" in said
    assert f"手順 1「{first.title}」… スキップ" in said
    assert "通知: 広報広聴課" in said and format_jst(view.created_at) in said
    assert f"確認: 広報 太郎 さん（{format_jst(view.acknowledged_at)}）" in said


def test_an_unknown_number_is_said_plainly(runtime: Runtime) -> None:
    ran = _ask(runtime, PR_ACTOR, 42)
    assert isinstance(ran.refused, IncidentNotFound) and ran.said == ("インシデント INC-0042 は見つかりません。",)


def test_a_leaks_standing_is_refused_to_a_bystander_and_recorded(runtime: Runtime) -> None:
    incident_id = _reported(runtime, FakePort(), LEAK.format(n=2))
    ran = _ask(runtime, OTHER_ACTOR, incident_id)
    assert isinstance(ran.refused, PermissionDenied) and ran.plan is None
    assert "権限がありません" in ran.said[0] and "情報漏えい" not in ran.said[0] and "名簿" not in ran.said[0]
    assert "access_denied" in [e.type for e in runtime.triage.queries.timeline(incident_id, None)]


def test_a_leaks_standing_asked_in_public_sends_the_asker_to_a_private_chat(runtime: Runtime) -> None:
    incident_id = _reported(runtime, FakePort(), LEAK.format(n=3))
    ran = _ask(runtime, SECURITY_ACTOR, incident_id, private=False)
    assert ran.plan is None and len(ran.said) == 1
    assert "個人チャットでお尋ねください" in ran.said[0] and "情報漏えい" not in ran.said[0]
    assert "手順" not in ran.said[0] and "名簿" not in ran.said[0]


def test_an_ordinary_incidents_standing_may_be_said_in_public(runtime: Runtime) -> None:
    incident_id = _reported(runtime, FakePort(), FLAMING.format(n=4))
    ran = _ask(runtime, OTHER_ACTOR, incident_id, private=False)
    assert ran.refused is None and "【状況】INC-0001（炎上）" in ran.said[0]


def test_the_standing_speaks_english_when_the_locale_is_english(runtime_factory, database_url) -> None:  # type: ignore[no-untyped-def]
    runtime = runtime_factory(database_url, locale="en")
    incident_id = _reported(runtime, FakePort(), FLAMING.format(n=5))
    said = "\n".join(_ask(runtime, PR_ACTOR, incident_id).said)
    assert "[Status] INC-0001" in said and "Current step: step 1/" in said and "Acknowledged: not yet" in said


def test_a_security_officer_gets_the_leaks_step_card_and_continues_it(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    incident_id = _reported(runtime, port, LEAK.format(n=6))
    home = port.posts(f"D-{STAFF}")
    ran = _ask(runtime, SECURITY_ACTOR, incident_id)
    assert ran.plan is not None and "カードをボットとの個人チャットに送りました" in ran.said[-1]
    runner.run(ran.plan)
    runner.run(_ask(runtime, SECURITY_ACTOR, incident_id).plan)  # asked again (or a retry): posted once
    cards = [s for s in port.posts(f"D-{SECURITY}") if isinstance(s.content, c.Step)]
    assert len(cards) == 1
    first = cards[0].content.step  # type: ignore[union-attr]
    assert first.index == 1
    # Pressed in the security officer's chat: done once, the next step in their chat and at the home.
    pressed = _press(runtime, SECURITY_ACTOR, incident_id, first.step_id, cards[0].posted)
    runner.run(pressed)
    runner.run(pressed)  # a redelivery: nothing twice
    theirs = [s.content.step.index for s in port.posts(f"D-{SECURITY}") if isinstance(s.content, c.Step)]
    at_home = [s.content.step.index for s in port.posts(f"D-{STAFF}") if isinstance(s.content, c.Step)]
    assert theirs == [1, 2] and at_home == [1, 2] and len(port.posts(f"D-{STAFF}")) == len(home) + 1
    closed = [s for s in port.of("update") if isinstance(s.content, c.StepClosed)]
    assert {s.posted for s in closed} >= {cards[0].posted}  # their card and the home card lose their buttons
    assert len({s.posted for s in closed}) == 2
    # The reporter presses their own (older) card: a repeat, which shows who finished it.
    again = runtime.triage.steps.complete(incident_id, first.step_id, STAFF_ACTOR, skip=True)
    assert again.duplicate


def test_the_next_step_does_not_go_to_a_presser_who_holds_no_card(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    incident_id = _reported(runtime, port, FLAMING.format(n=7))
    first = runtime.triage.steps.current(incident_id, OTHER)
    assert first is not None
    runner.run(_press(runtime, OTHER_ACTOR, incident_id, first.step_id, None))
    assert port.posts(f"D-{OTHER}") == []


def test_the_reporter_of_a_leak_is_pointed_at_their_own_chat(runtime: Runtime) -> None:
    port = FakePort()
    incident_id = _reported(runtime, port, LEAK.format(n=8))
    ran = _ask(runtime, STAFF_ACTOR, incident_id)
    assert ran.plan is None and "この案件の会話" in ran.said[-1]


def test_a_closed_incident_gets_no_card(runtime: Runtime) -> None:
    incident_id = _reported(runtime, FakePort(), FLAMING.format(n=9))
    runtime.triage.incidents.change_status(incident_id, "declined", PR_ACTOR, reason="重複")
    ran = _ask(runtime, PR_ACTOR, incident_id)
    assert ran.plan is None and "現在の手順: なし（対象外）" in ran.said[0]


def test_a_step_card_copied_to_an_asker_is_withdrawn_when_the_incident_becomes_a_leak(runtime: Runtime) -> None:
    """s15-status left it: the card sent to a colleague's private chat kept the step (and its buttons) after the
    incident was corrected to a leak the colleague may not see; it is drawn as the public thread is."""
    port = FakePort()
    runner = make_runner(runtime, port)
    incident_id = _reported(runtime, port, FLAMING.format(n=9))
    runner.run(_ask(runtime, OTHER_ACTOR, incident_id).plan)
    [card] = [s for s in port.posts(f"D-{OTHER}") if isinstance(s.content, c.Step)]
    before = runtime.triage.queries.view(incident_id, STAFF)
    old_step = runtime.triage.steps.current(incident_id, STAFF)
    corrected = runtime.triage.incidents.correct_kind(incident_id, "leak", PR_ACTOR)
    runner.run(plan.kind_corrected(before, old_step, corrected, STAFF, home_is_private=False))
    redrawn = [s.content for s in port.of("update") if s.posted == card.posted]
    assert redrawn and isinstance(redrawn[-1], c.PrivateLine), redrawn
