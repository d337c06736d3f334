"""The delivery plan, ledger and runner with a fake chat port and the real core (no platform, no HTTP)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.clock import FixedClock
from bot.delivery import content as c
from bot.delivery import plan
from bot.delivery.content import DeliveryError, Marker, Place, Posted
from bot.delivery.ledger import INTRO, PR_MESSAGE, THREAD, Ledger, step_purpose
from bot.delivery.runner import Runner
from bot.ports import Actor, ReportInput
from bot.triage.state_check import check_state
from bot.wiring import Runtime
from tests.conftest import PR, STAFF
from tests.delivery.fake_port import FakePort

REPORT_CH, PR_CH, RESTRICTED_CH = "C_REPORT", "C_PR", "C_SEC"
FLAMING = "炎上しています。市の投稿に批判が殺到 https://x.com/someone/status/{n}"
LEAK = "個人情報が漏えいしています。住民の名簿が投稿されました https://x.com/leaker/status/{n}"


def make_runner(runtime: Runtime, port: FakePort, waits: list[float] | None = None) -> Runner:
    triage = runtime.triage
    return Runner(port=port, ledger=Ledger(lambda: triage.queries, port.platform),
                  section_channel=lambda restricted: RESTRICTED_CH if restricted else PR_CH,
                  record_error=lambda i, action, code: triage.incidents.record_delivery_error(
                      i, platform=port.platform, action=action, error=code),
                  chain_length=triage.deps.escalation.last_notice,
                  wait=(waits.append if waits is not None else (lambda s: None)))


def report(runtime: Runtime, text: str, user: str = STAFF, key: str = "ev1", ts: str = "100.1"):
    return runtime.triage.incidents.report(ReportInput(text=text, reporter=Actor(user, user, "fake"),
                                                       idempotency_key=key))


def origin(user: str = STAFF, ts: str = "100.1", how: str = "message", public: bool = True) -> plan.Origin:
    return plan.Origin(how, Place(REPORT_CH, ts), user, user, public)  # type: ignore[arg-type]


def test_new_report_runs_in_the_report_thread_once(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=1))
    steps = plan.report(outcome, origin())
    assert [type(op).__name__ for op in steps.ops] == ["Adopt", "Adopt", "Post", "Post", "Post", "Mark"]
    assert runner.run(steps).failures == []
    thread = [s for s in port.posts(REPORT_CH)]
    assert [type(s.content) for s in thread] == [c.Intro, c.Step]
    assert all(s.place == Place(REPORT_CH, "100.1") for s in thread)
    assert [type(s.content) for s in port.posts(PR_CH)] == [c.SectionNotice]
    runner.run(steps)  # a redelivery or resume: everything is found in the ledger, nothing posted twice
    assert len(port.posts()) == 3


def test_restricted_report_lives_in_the_reporters_dm(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, LEAK.format(n=2))
    assert outcome.incident is not None and outcome.incident.restricted
    runner.run(plan.report(outcome, origin()))
    public = port.posts(REPORT_CH)
    assert [type(s.content) for s in public] == [c.PrivateLine]  # one neutral line, nothing else
    private = port.posts(f"D-{STAFF}")
    assert [type(s.content) for s in private] == [c.Anchor, c.Texts, c.Step, c.PrivacyAdvice]
    assert all(s.place.thread == private[0].posted.id for s in private[1:])  # type: ignore[union-attr]
    assert [type(s.content) for s in port.posts(RESTRICTED_CH)] == [c.SectionNotice]
    assert port.posts(PR_CH) == []


def test_next_step_before_removing_controls(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=3))
    runner.run(plan.report(outcome, origin()))
    view, step = outcome.incident, outcome.step
    assert view is not None and step is not None
    clicked = runner.ledger.posted(view.id, step_purpose(view.kind, step.step_id))
    done = runtime.triage.steps.complete(view.id, step.step_id, Actor(STAFF, STAFF, "fake"), skip=True)
    port.fail("post", DeliveryError("not_in_channel"))
    result = runner.run(plan.progress(done, STAFF, "11/18 10:00", at=clicked))
    assert result.failures == ["not_in_channel"]
    assert port.of("update") == []  # the clicked step keeps its buttons: something left to click again
    events = [e.type for e in runtime.triage.queries.timeline(view.id, None)]
    assert "delivery_failed" in events
    replay = runtime.triage.steps.replay(view.id, step.step_id, Actor(STAFF, STAFF, "fake"))
    assert runner.run(plan.progress(replay, STAFF, "11/18 10:01", at=clicked)).failures == []
    assert [type(s.content) for s in port.of("update")] == [c.StepClosed]
    assert port.of("update")[0].posted == clicked


def test_kind_correction_to_leak_redacts_first_and_moves_private(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=4))
    runner.run(plan.report(outcome, origin()))
    before = outcome.incident
    assert before is not None
    old_step = runtime.triage.steps.current(before.id, STAFF)
    corrected = runtime.triage.incidents.correct_kind(before.id, "leak", Actor(PR, PR, "fake"))
    port.calls.clear()
    runner.run(plan.kind_corrected(before, old_step, corrected, STAFF, home_is_private=False))
    kinds = [(s.method, type(s.content).__name__) for s in port.calls]
    assert kinds[0] == ("update", "NoticeRedacted")  # redact before anything else
    rewritten = [s for s in port.of("update") if isinstance(s.content, c.PrivateLine)]
    assert {s.posted.id for s in rewritten} == {  # type: ignore[union-attr]
        runner.ledger.posted(before.id, INTRO).id,  # type: ignore[union-attr]
        runner.ledger.posted(before.id, step_purpose(before.kind, old_step.step_id)).id}  # type: ignore[union-attr]
    later_public = [s for s in port.posts(REPORT_CH)]
    assert [type(s.content) for s in later_public] == [c.PrivateLine]
    private = port.posts(f"D-{STAFF}")
    assert [type(s.content) for s in private][:2] == [c.Anchor, c.PrivacyAdvice]
    assert isinstance(private[-1].content, c.Step) and private[-1].place.thread == private[0].posted.id  # type: ignore


def _corrected_to_leak(runtime: Runtime, port: FakePort, where: plan.Origin, n: int, *,
                       home_is_private: bool) -> list[c.PrivacyAdvice]:
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=n), key=f"ev{n}")
    runner.run(plan.report(outcome, where))
    before = outcome.incident
    assert before is not None
    old_step = runtime.triage.steps.current(before.id, STAFF)
    corrected = runtime.triage.incidents.correct_kind(before.id, "leak", Actor(PR, PR, "fake"))
    runner.run(plan.kind_corrected(before, old_step, corrected, STAFF, home_is_private=home_is_private))
    return [s.content for s in port.posts() if isinstance(s.content, c.PrivacyAdvice)]


def test_a_shared_report_whose_conversation_is_private_is_advised_once_corrected(runtime: Runtime) -> None:
    """LINE WORKS: a room message, its conversation in the reporter's 1:1 chat from the start."""
    port = FakePort()
    room = plan.Origin("message", Place(REPORT_CH), STAFF, STAFF, public=True, private=f"D-{STAFF}", threads=False)
    [advice] = _corrected_to_leak(runtime, port, room, 41, home_is_private=True)
    assert advice.public == Place(REPORT_CH) and advice.own
    [posted] = [s for s in port.posts() if isinstance(s.content, c.PrivacyAdvice)]
    assert posted.place is not None and posted.place.channel == f"D-{STAFF}"


def test_someone_elses_message_is_advised_as_theirs(runtime: Runtime) -> None:
    port = FakePort()
    theirs = plan.Origin("message", Place(REPORT_CH, "100.1"), STAFF, STAFF, public=True, own=False)
    [advice] = _corrected_to_leak(runtime, port, theirs, 42, home_is_private=False)
    assert not advice.own


def test_a_private_report_corrected_to_leak_gets_no_advice(runtime: Runtime) -> None:
    """Nothing was posted where others can read it (a DM, or a command whose thread the bot opened)."""
    dm = plan.Origin("message", Place(f"D-{STAFF}", "100.1"), STAFF, STAFF, public=False)
    assert _corrected_to_leak(runtime, FakePort(), dm, 43, home_is_private=True) == []
    command = plan.Origin("command", Place(REPORT_CH), STAFF, STAFF, public=True)
    assert _corrected_to_leak(runtime, FakePort(), command, 44, home_is_private=False) == []


def test_merged_reports_share_one_count_message(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    first = report(runtime, FLAMING.format(n=5))
    runner.run(plan.report(first, origin()))
    for n, user in enumerate(["U_A", "U_B", "U_C"]):
        merged = report(runtime, FLAMING.format(n=5), user=user, key=f"ev-m{n}")
        assert merged.merged
        runner.run(plan.report(merged, origin(user, ts=f"200.{n}")))
    tells = port.of("ephemeral")
    assert [t.user for t in tells] == ["U_A", "U_B", "U_C"]
    assert all(isinstance(t.content, c.Linked) and t.content.url for t in tells)
    counts = [s for s in port.calls if isinstance(s.content, c.MergedCount)]
    assert [s.method for s in counts] == ["post", "update", "update"]
    assert [s.content.count for s in counts] == [1, 2, 3]
    assert len(port.posts(REPORT_CH)) == 3  # intro, step 1, one count message


def test_a_crashed_holders_post_is_found_not_repeated(runtime: Runtime, clock: FixedClock) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=6))
    view = outcome.incident
    assert view is not None
    runner.ledger.put(view.id, THREAD, REPORT_CH, "100.1")
    # A holder claimed the PR message, posted it, and died before recording it.
    assert runner.ledger.claim(view.id, PR_MESSAGE, PR_CH).state == "new"
    port.post(Place(PR_CH), c.Texts(("x",)), Marker(view.id, PR_MESSAGE))
    assert runner.ledger.claim(view.id, PR_MESSAGE, PR_CH).state == "busy"
    clock.advance(minutes=3)
    runner.run(plan.report(outcome, origin()))
    assert len(port.posts(PR_CH)) == 1
    assert runner.ledger.posted(view.id, PR_MESSAGE) == port.posts(PR_CH)[0].posted


def test_rate_limits_are_waited_out_never_given_up(runtime: Runtime) -> None:
    port = FakePort()
    waits: list[float] = []
    runner = make_runner(runtime, port, waits)
    port.fail("post", DeliveryError("ratelimited", retry_after=2.0), times=5)
    outcome = report(runtime, FLAMING.format(n=7))
    assert runner.run(plan.report(outcome, origin())).failures == []
    assert waits == [2.0] * 5
    assert len(port.posts()) == 3
    events = [e.type for e in runtime.triage.queries.timeline(outcome.incident.id, None)]  # type: ignore[union-attr]
    assert "delivery_failed" not in events


def test_a_failed_post_gives_its_claim_back(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=8))
    port.fail("post", DeliveryError("channel_not_found"))
    result = runner.run(plan.report(outcome, origin()))
    assert result.failures == ["channel_not_found"]
    view = outcome.incident
    assert view is not None and runner.ledger.get(view.id, INTRO) is None
    again = plan.report(outcome, origin())
    assert runner.run(again).failures == [] and len(port.posts()) == 2  # the report is done (failure told)
    runner.run(replace(again, once=None))  # a later delivery of the same posts (not the report's own mark)
    assert [type(s.content) for s in port.posts(REPORT_CH)] == [c.Step, c.Intro]  # the intro, given back, now


@pytest.mark.parametrize("restricted", [False, True])
def test_command_reports_open_a_thread(runtime: Runtime, restricted: bool) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, (LEAK if restricted else FLAMING).format(n=9))
    runner.run(plan.report(outcome, plan.Origin("command", Place(REPORT_CH), STAFF, STAFF, public=True)))
    home = runner.ledger.home(outcome.incident.id)  # type: ignore[union-attr]
    assert home is not None
    assert home.channel == (f"D-{STAFF}" if restricted else REPORT_CH)
    assert port.posts(REPORT_CH) == [] if restricted else True
    told = port.of("ephemeral")
    assert (told == []) if restricted else isinstance(told[0].content, c.Linked)
    assert Posted(home.channel, home.thread or "") == port.posts()[0].posted


class Transactions:
    """Counts committed database transactions on an engine (SQLAlchemy's `commit` event)."""

    def __init__(self, runtime: Runtime) -> None:
        from sqlalchemy import event

        self.count = 0
        self.engine = runtime.engine
        event.listen(self.engine, "commit", self._commit)

    def _commit(self, conn: object) -> None:
        self.count += 1

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


def test_a_report_and_its_posts_take_few_transactions(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    txns = Transactions(runtime)
    outcome = report(runtime, FLAMING.format(n=10))
    runner.run(plan.report(outcome, origin()))
    new_report = txns.take()
    assert len(port.posts()) == 3 and new_report <= 4, new_report  # use case, claims, records (was 13)
    merges = []
    for n, user in enumerate(["U_A", "U_B", "U_C"]):
        merged = report(runtime, FLAMING.format(n=10), user=user, key=f"ev-t{n}")
        runner.run(plan.report(merged, origin(user, ts=f"300.{n}")))
        merges.append(txns.take())
    assert merges[1:] == [2, 2], merges  # use case, claims and count (the first merge also records its message)


def report_prepared(runtime: Runtime, runner: Runner, n: int, where: plan.Origin | None = None):
    """A report whose plan makes its claims in the core's transaction (as the Slack adapter does)."""
    held: list = []
    outcome = runtime.triage.incidents.report(
        ReportInput(text=FLAMING.format(n=n), reporter=Actor(STAFF, STAFF, "fake"), idempotency_key=f"ev-p{n}"),
        within=lambda connection, made: held.append(runner.prepare(connection, plan.report(made, where or origin()))))
    assert len(held) == 1 and outcome.created
    return plan.report(outcome, where or origin()), held[0]


def test_a_report_whose_claims_commit_with_it_takes_two_transactions(runtime: Runtime) -> None:
    port = FakePort()
    runner = make_runner(runtime, port)
    txns = Transactions(runtime)
    steps, prepared = report_prepared(runtime, runner, 50)
    assert runner.run(steps, prepared=prepared).failures == []
    assert txns.take() == 2  # the use case with the plan's claims, then what was posted
    assert [type(s.content) for s in port.posts()] == [c.Intro, c.Step, c.SectionNotice]
    assert runner.run(steps, prepared=prepared).failures == [] and len(port.posts()) == 3  # a redelivery: nothing


def test_claims_made_with_the_report_and_run_late_are_renewed_not_left_busy(runtime: Runtime,
                                                                            clock: FixedClock) -> None:
    """The plan waited in a queue: its claims are renewed as its own first, so the lease is whole again."""
    port = FakePort()
    runner = make_runner(runtime, port)
    steps, prepared = report_prepared(runtime, runner, 51)
    clock.advance(seconds=60)  # within the post lease: nobody else may take them, and they are still this plan's
    assert runner.run(steps, prepared=prepared).failures == []
    assert [type(s.content) for s in port.posts()] == [c.Intro, c.Step, c.SectionNotice]


def test_claims_made_with_the_report_and_taken_over_meanwhile_are_not_posted_again(runtime: Runtime,
                                                                                   clock: FixedClock) -> None:
    """Queued past the lease, a resume took the claims over and posted: the queued plan then posts nothing."""
    port = FakePort()
    runner = make_runner(runtime, port)
    steps, prepared = report_prepared(runtime, runner, 52)
    clock.advance(minutes=3)
    assert make_runner(runtime, port).run(steps).failures == []  # the resume (or a redelivery) took over
    assert len(port.posts()) == 3
    clock.advance(seconds=1)
    assert runner.run(steps, prepared=prepared).failures == []
    assert len(port.posts()) == 3


def test_a_claim_taken_over_while_the_plan_waited_stays_with_its_new_holder(runtime: Runtime,
                                                                           clock: FixedClock) -> None:
    """Only claims still as the report made them are the plan's own: one another holder renewed is busy."""
    port = FakePort()
    runner = make_runner(runtime, port)
    steps, prepared = report_prepared(runtime, runner, 53)
    clock.advance(minutes=3)
    taken = runtime.triage.queries.claim_refs(steps.incident_id, port.platform, {PR_MESSAGE: PR_CH},  # type: ignore
                                              lease=runner.ledger.lease)[1]
    assert taken[PR_MESSAGE].state == "taken_over"  # that holder is posting it now
    clock.advance(seconds=1)
    assert runner.run(steps, prepared=prepared).failures == []
    assert [type(s.content) for s in port.posts()] == [c.Intro, c.Step]


def test_a_co_report_of_a_restricted_incident_tells_the_section_who_may_grant(runtime: Runtime) -> None:
    """The core's 【共同報告】 notice reaches the restricted section's channel (PR/security grant the role)."""
    port = FakePort()
    runner = make_runner(runtime, port)
    first = report(runtime, LEAK.format(n=40))
    runner.run(plan.report(first, origin()))
    merged = report(runtime, LEAK.format(n=40), user="U_COLLEAGUE", key="ev-co")
    assert merged.merged and [n.topic for n in merged.notifications] == ["co_report"]
    port.calls.clear()
    runner.run(plan.report(merged, origin("U_COLLEAGUE", ts="300.1")))
    notices = [s for s in port.posts(RESTRICTED_CH) if isinstance(s.content, c.SectionNotice)]
    assert [s.content.note.topic for s in notices] == ["co_report"]  # type: ignore[union-attr]
    assert "U_COLLEAGUE" in notices[0].content.note.body and "住民の名簿" not in notices[0].content.note.body  # type: ignore
    assert port.posts(PR_CH) == [] and port.posts(REPORT_CH) == []


def test_restricting_an_incident_takes_the_role_co_reporters_took(runtime: Runtime) -> None:
    """A colleague who re-reported a flaming post had the role; corrected to leak, it waits for a grant."""
    port = FakePort()
    runner = make_runner(runtime, port)
    first = report(runtime, FLAMING.format(n=41))
    runner.run(plan.report(first, origin()))
    assert first.incident is not None
    assert report(runtime, FLAMING.format(n=41), user="slack:U_CO", key="ev-co2").merged
    assert runtime.triage.queries.view(first.incident.id, "slack:U_CO").details_visible
    old_step = runtime.triage.steps.current(first.incident.id, STAFF)
    corrected = runtime.triage.incidents.correct_kind(first.incident.id, "leak", Actor(STAFF, STAFF, "fake"))
    assert not runtime.triage.queries.view(first.incident.id, "slack:U_CO").details_visible
    assert runtime.triage.queries.view(first.incident.id, STAFF).details_visible  # the first reporter keeps it
    port.calls.clear()
    runner.run(plan.kind_corrected(first.incident, old_step, corrected, STAFF, home_is_private=False))
    told = [s.content.note for s in port.posts(RESTRICTED_CH) if isinstance(s.content, c.SectionNotice)]
    assert [n.topic for n in told] == ["co_report"] and "slack:U_CO" in told[0].body
    with runtime.triage.deps.sessions() as session:  # the chain replays the revoked role (tables agree)
        assert check_state(session) == []


def test_a_post_held_up_past_its_lease_is_not_made_again_after_a_takeover(runtime: Runtime,
                                                                          clock: FixedClock) -> None:
    """The PR notice waited for its channel's turn (or a rate limit) until its lease ran out; a resume took the
    claim over and posted it: the first holder, given its turn, posts nothing."""
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=54))
    steps = plan.report(outcome, origin())
    resume = make_runner(runtime, port)

    def turn(channel: str, severity: str, lane: str) -> None:
        if channel == PR_CH and not port.posts(PR_CH):
            clock.advance(minutes=3)
            assert resume.run(steps).failures == []

    runner.turn = turn
    assert runner.run(steps).failures == []
    assert [type(s.content) for s in port.posts()] == [c.Intro, c.Step, c.SectionNotice]
    assert runner.run(steps).failures == [] and len(port.posts()) == 3


def test_a_post_held_up_past_its_lease_renews_its_claim_and_posts_once(runtime: Runtime,
                                                                       clock: FixedClock) -> None:
    """Held up as long, but nobody took it over: the claim is renewed as its own, posted once, and a resume
    coming just after finds it busy, then posted."""
    port = FakePort()
    runner = make_runner(runtime, port)
    outcome = report(runtime, FLAMING.format(n=55))
    steps = plan.report(outcome, origin())

    def turn(channel: str, severity: str, lane: str) -> None:
        if channel == PR_CH and not port.posts(PR_CH):
            clock.advance(minutes=3)

    runner.turn = turn
    assert runner.run(steps).failures == []
    assert [type(s.content) for s in port.posts()] == [c.Intro, c.Step, c.SectionNotice]
    assert make_runner(runtime, port).run(steps).failures == [] and len(port.posts()) == 3


def test_a_claim_taken_over_with_the_report_and_run_late_still_looks_for_the_dead_holders_post(
        runtime: Runtime, clock: FixedClock) -> None:
    """Crash safety, seed 7 (session 18): a holder posted the PR message and died before recording it; the report
    delivered again took its claim over in the core's transaction, but ran after PREPARED_FRESH (a queue, a
    clock jump) and the claim was renewed as its own "new" claim: the message was posted a second time."""
    port = FakePort()
    runner = make_runner(runtime, port)
    steps, prepared = report_prepared(runtime, runner, 61)
    incident_id = steps.incident_id
    # The first holder: claims made, the PR message posted, then it dies (nothing recorded, claims left).
    [section] = [op for op in steps.ops if isinstance(op, plan.Post) and op.purpose == PR_MESSAGE]
    port.post(Place("C_PR"), section.content, Marker(incident_id, PR_MESSAGE))
    clock.advance(minutes=3)  # the dead holder's lease runs out
    held: list = []
    again = runtime.triage.incidents.report(
        ReportInput(text=FLAMING.format(n=61), reporter=Actor(STAFF, STAFF, "fake"), idempotency_key="ev-p61"),
        within=lambda connection, made: held.append(runner.prepare(connection, plan.report(made, origin()))))
    assert again.duplicate and len(held) == 1 and held[0].claims[PR_MESSAGE].state == "taken_over"
    clock.advance(seconds=30)  # run late: past PREPARED_FRESH, within the lease
    assert runner.run(plan.report(again, origin()), prepared=held[0]).failures == []
    assert len([s for s in port.posts() if isinstance(s.content, c.SectionNotice)]) == 1
