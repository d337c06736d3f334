"""Resume for every platform: each scheduler tick (and once at start-up) finish reports, acknowledgements, grants
and step presses whose posts a crash interrupted and nobody will deliver again (the platform had its HTTP answer).
The ledger says which: work of the last RESUME_WINDOW whose mark (REPORT_DELIVERY, ACK_TOLD, the grant's note,
STEP_TOLD) is missing or was claimed longer than its lease ago, restrictions whose conversation never moved out
of its public thread (PRIVATE_HOME missing) and follow-ups whose 【続報】 was never posted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot import identity
from bot.clock import format_jst
from bot.delivery import controls, plan
from bot.delivery.content import Place
from bot.delivery.ledger import (
    ACK_TOLD,
    PRIVATE_HOME,
    PUBLIC_THREAD,
    REPORT_DELIVERY,
    STEP_TOLD,
    THREAD,
    said_purpose,
)
from bot.lease import POST_LEASE, Lease
from bot.ports import Actor, IncidentView, Outcome
from bot.triage import followups
from bot.triage.queries import IncidentQueries
from bot.triage.restriction import Restriction, restricted_between, restriction_outcome
from bot.triage.roles import RoleDesk
from bot.triage.service import Triage

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger("incident_bot.delivery")
RESUME_WINDOW = timedelta(days=1)
MOVE_RETRY = Lease(timedelta(minutes=10))  # a move whose private chat failed to open is tried again this often
MOVE_RETRIED = "move_retried"  # its claim (never recorded as posted): when the move was last tried
FOLLOWUP_RESUMED = "followup_resumed"  # + its posts' purposes: a follow-up resume ran once (its posts or not)


def _abandoned_before(queries: IncidentQueries, now: datetime) -> datetime:
    """Work done before this is nobody's any more: older than a post's lease (younger work may still be being
    posted by its first delivery), or done before this process started on a one-instance database (SQLite)."""
    before = now - POST_LEASE.duration
    if (started := queries.deps.orphaned_before) is not None:
        before = max(before, started - timedelta(microseconds=1))  # strictly before the start
    return before


def resume_reports(queries: IncidentQueries, platform: str, now: datetime, show: Callable[[Outcome], object]) -> int:
    """Show again every unfinished report of `platform` (see the module docstring): `show` gets the outcome its
    report had (duplicate=True) and runs the same delivery plan, so the ledger posts only what is missing. One
    report's failure is logged and the others still go; returns how many were looked at."""
    outcomes = queries.unfinished_reports(platform, REPORT_DELIVERY, created_after=now - RESUME_WINDOW,
                                          created_before=_abandoned_before(queries, now))
    for outcome in outcomes:
        incident_id = outcome.incident.id if outcome.incident else None
        log.warning("delivery.report_resumed platform=%s incident_id=%s", platform, incident_id)
        try:
            show(outcome)
        except Exception as exc:  # noqa: BLE001 - one incident's trouble must not hold up the others
            log.warning("delivery.resume_failed platform=%s incident_id=%s error=%s", platform, incident_id,
                        type(exc).__name__)
    return len(outcomes)


def resume_acknowledgements(queries: IncidentQueries, platform: str, now: datetime,
                            tell: Callable[[int, str], object]) -> int:
    """Finish acknowledgements stored but never told (the process died after the platform had its answer):
    `tell(incident, acknowledger)` acknowledges again, which repeats nothing but the posts the ledger lacks."""
    pending = queries.unfinished_acknowledgements(platform, ACK_TOLD, after=now - RESUME_WINDOW,
                                                  before=_abandoned_before(queries, now))
    for incident_id, user in pending:
        log.warning("delivery.ack_resumed platform=%s incident_id=%s", platform, incident_id)
        try:
            tell(incident_id, user)
        except Exception as exc:  # noqa: BLE001 - one incident's trouble must not hold up the others
            log.warning("delivery.resume_failed platform=%s incident_id=%s error=%s", platform, incident_id,
                        type(exc).__name__)
    return len(pending)


def resume_grants(queries: IncidentQueries, roles: RoleDesk, platform: str, now: datetime,
                  name_of: Callable[[str], str], run: Callable[[plan.Plan], object]) -> int:
    """Tell grantees of `platform` whose grant a crash left untold (the role stored, the note never posted): the
    note planned as the grant planned it, so the ledger posts it once."""
    pending = queries.untold_grants(platform, after=now - RESUME_WINDOW, before=_abandoned_before(queries, now))
    for incident_id, user, by in pending:
        log.warning("delivery.grant_resumed platform=%s incident_id=%s", platform, incident_id)
        try:
            told = plan.notices(roles.told_again(incident_id, user, Actor(by, name_of(by), platform)), by)
            if told.incident_id is not None:
                run(told)
        except Exception as exc:  # noqa: BLE001 - one incident's trouble must not hold up the others
            log.warning("delivery.resume_failed platform=%s incident_id=%s error=%s", platform, incident_id,
                        type(exc).__name__)
    return len(pending)


def resume_steps(triage: Triage, platform: str, now: datetime, name_of: Callable[[str], str],
                 run: Callable[[plan.Plan], object]) -> int:
    """Finish step presses stored but never shown to the end (the next step, the pressed card closed): replayed as
    a press again is (controls.step_done), by who pressed it, so the ledger posts only what is missing."""
    pending = triage.queries.unfinished_steps(platform, STEP_TOLD, after=now - RESUME_WINDOW,
                                              before=_abandoned_before(triage.queries, now))
    locale = triage.catalog.locale
    for incident_id, step_id, user in pending:
        log.warning("delivery.step_resumed platform=%s incident_id=%s step=%s", platform, incident_id, step_id)
        try:
            after = controls.step_done(triage, Outcome(incident=None, duplicate=True),
                                       Actor(user, name_of(user), platform), incident_id, step_id,
                                       format_jst(now, locale), platform, when=lambda at: format_jst(at, locale))
            if after.plan is not None and after.plan.incident_id is not None:
                run(after.plan)
        except Exception as exc:  # noqa: BLE001 - one incident's trouble must not hold up the others
            log.warning("delivery.resume_failed platform=%s incident_id=%s error=%s", platform, incident_id,
                        type(exc).__name__)
    return len(pending)


def resume_followups(triage: Triage, platform: str, now: datetime, name_of: Callable[[str], str],
                     run: Callable[[plan.Plan], object], private: Callable[[str], bool]) -> int:
    """Finish follow-ups a crash cut short (the core recorded the `followup`, PR's 【続報】 or the conversation's
    line never posted; the platform had its answer and never redelivers): planned again as their report planned
    them, from where they were posted, so the ledger posts only what is missing, once."""
    done = 0
    for sent in followups.recorded_between(triage.deps, triage.steps, platform, now - RESUME_WINDOW,
                                           _abandoned_before(triage.queries, now), name_of):
        view = sent.outcome.incident
        assert view is not None
        # Slack's port addresses people by their own ids (as its reports' origins do), the others by the core's.
        user = identity.split(sent.user)[1] if platform == "slack" else sent.user
        origin = plan.Origin("message", Place(sent.channel, sent.thread), user, sent.name,
                             public=not private(sent.channel))
        made = plan.report(sent.outcome, origin)
        said = [op.purpose for op in made.ops if isinstance(op, plan.Post) and op.purpose]
        tried = said_purpose(FOLLOWUP_RESUMED, *said)  # resumed once: a channel that refuses is not retried each tick
        if all(_posted(triage.queries, view.id, platform, purpose) for purpose in said) or _posted(
                triage.queries, view.id, platform, tried):
            continue  # everything it says was posted
        done += 1
        log.warning("delivery.followup_resumed platform=%s incident_id=%s", platform, view.id)
        try:
            # Only the posts: a private word to the poster may already have been said (Tell is not once-only).
            ops = tuple(op for op in made.ops if not isinstance(op, plan.Tell))
            run(replace(made, ops=(*ops, plan.Mark(view.id, tried, sent.channel))))
        except Exception as exc:  # noqa: BLE001 - one incident's trouble must not hold up the others
            log.warning("delivery.resume_failed platform=%s incident_id=%s error=%s", platform, view.id,
                        type(exc).__name__)
    return done


def _posted(queries: IncidentQueries, incident_id: int, platform: str, purpose: str) -> bool:
    return bool((queries.get_ref(incident_id, platform, purpose) or ("", None))[1])


def resume_restrictions(triage: Triage, platform: str, now: datetime, name_of: Callable[[str], str],
                        run: Callable[[plan.Plan], object], private: Callable[[str], bool]) -> int:
    """Finish restrictions a crash (or a failed private chat) cut short: an incident restricted in the window (by a
    merged report, an edit, a follow-up or a kind correction) whose conversation on `platform` is still a public
    thread (`private`: whether a channel is a private chat), whose 【閲覧制限】 notice PR never got, or whose
    colleague was never advised about their own public words. Each part runs once (ledger); once the conversation
    is private, it is told why and, after this move, the first reporter's step is shown."""
    queries, done = triage.queries, 0
    for incident_id in restricted_between(triage.deps, now - RESUME_WINDOW, _abandoned_before(queries, now)):
        thread = queries.get_ref(incident_id, platform, THREAD)
        if thread is None or not thread[1]:
            continue  # not this platform's incident
        unmoved = not private(thread[0]) and queries.get_ref(incident_id, platform, PRIVATE_HOME) is None
        if unmoved and not _due(queries, platform, incident_id):
            continue
        try:
            restriction = restriction_outcome(triage.deps, triage.steps, incident_id)
            outcome, advise = restriction.outcome, _advice_owed(queries, platform, restriction, private)
            said = _said_owed(queries, platform, restriction)
            notice = any(not (queries.get_ref(incident_id, platform, purpose) or ("", None))[1]
                         for purpose in map(plan.notice_purpose, outcome.notifications) if purpose)
            if not (unmoved or notice or advise or said):
                continue
            done += 1
            log.warning("delivery.restriction_resumed platform=%s incident_id=%s", platform, incident_id)
            assert outcome.incident is not None
            first, told = plan.restriction_resumed(outcome, name_of(outcome.incident.reporter_id), moving=unmoved,
                                                   advise=advise, said=said)
            run(first)
            if not unmoved or queries.get_ref(incident_id, platform, PRIVATE_HOME) is not None:
                run(told)
        except Exception as exc:  # noqa: BLE001 - one incident's trouble must not hold up the others
            log.warning("delivery.resume_failed platform=%s incident_id=%s error=%s", platform, incident_id,
                        type(exc).__name__)
    return done


def _advice_owed(queries: IncidentQueries, platform: str, restriction: Restriction, private: Callable[[str], bool]
                 ) -> tuple[str, Place] | None:
    """(who, where) of a colleague whose public words on `platform` restricted the incident and who was never
    advised to delete them; the first reporter's advice comes with the move."""
    view, message = restriction.outcome.incident, (restriction.message or "").split("|")
    if view is None or restriction.author in (None, view.reporter_id) or len(message) != 3 or message[0] != platform:
        return None
    if restriction.advised:  # its `said` carries the advice (a thread reply's: no PrivacyAdvice, no kind)
        return None
    if private(message[1]) or queries.get_ref(view.id, platform, plan.RESTRICTION_ADVISED) is not None:
        return None
    return str(restriction.author), Place(message[1])


def _said_owed(queries: IncidentQueries, platform: str, restriction: Restriction) -> tuple[str, Place, str] | None:
    """(who, where, the words) for the one whose words on `platform` restricted the incident and who was never told
    so (plan.RESTRICTION_SAID): told where those words are."""
    view, message = restriction.outcome.incident, (restriction.message or "").split("|")
    if view is None or not restriction.author or not restriction.said or len(message) != 3 or message[0] != platform:
        return None
    if queries.get_ref(view.id, platform, plan.RESTRICTION_SAID) is not None:
        return None
    return restriction.author, Place(message[1]), restriction.said


def _due(queries: IncidentQueries, platform: str, incident_id: int) -> bool:
    """Whether a move is tried on this tick: at once when it never began, else once per MOVE_RETRY (a claim never
    recorded, so its lease spaces the tries): a private chat that cannot be opened does not fail every tick."""
    if queries.get_ref(incident_id, platform, PUBLIC_THREAD) is None:
        return True
    return queries.claim_ref(incident_id, platform, MOVE_RETRIED, "", lease=MOVE_RETRY).state in ("new", "taken_over")


def resume_all(triage: Triage, platform: str, now: datetime, *, show: Callable[[Outcome], object],
               tell: Callable[[int, str], object], name_of: Callable[[str], str],
               run: Callable[[plan.Plan], object], private: Callable[[str], bool] | None = None) -> int:
    """Everything of `platform` a crash left untold, each as above: reports (`show`), acknowledgements (`tell`),
    grants (`run` their notes), step presses (`run` what follows them) and, where the adapter can tell a private
    chat (`private`), restrictions never moved private and follow-ups never posted; returns how many were looked
    at."""
    queries = triage.queries
    restrictions = 0 if private is None else (resume_restrictions(triage, platform, now, name_of, run, private)
                                              + resume_followups(triage, platform, now, name_of, run, private))
    return (resume_reports(queries, platform, now, show) + resume_acknowledgements(queries, platform, now, tell)
            + resume_grants(queries, triage.roles, platform, now, name_of, run)
            + resume_steps(triage, platform, now, name_of, run) + restrictions)


def resumed_origin(view: IncidentView, platform: str, name: str, user: str, *, private: Callable[[str], bool]
                   ) -> plan.Origin:
    """Where an interrupted report was made, as its plan needs it again: the report message when it has one on
    `platform` (the conversation hangs under it; `private`: whether that conversation is a DM), else a command's,
    whose conversation opens in the reporter's DM unless the ledger knows where it was opened already."""
    where = view.conversation
    if where is not None and where.platform == platform and where.thread:
        return plan.Origin("message", Place(where.channel, where.thread), user, name, public=not private(where.channel))
    return plan.Origin("command", Place(user), user, name, public=False, private=user)


def schedule_resume(scheduler: BaseScheduler, run: Callable[[], object], tick_seconds: int, platform: str) -> None:
    """Add the resume job to a (not yet started) scheduler: at start-up, then every tick. A failure (database
    down) is logged and the next tick tries again (nothing is marked done)."""
    from apscheduler.triggers.interval import IntervalTrigger

    from bot.clock import JST

    def job() -> None:
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - any failure: logged, the next tick retries
            log.warning("delivery.resume_failed platform=%s error=%s", platform, type(exc).__name__)

    scheduler.add_job(job, "date", id=f"{platform}_resume_start", misfire_grace_time=None,
                      name=f"resume unfinished {platform} reports (start-up)")
    scheduler.add_job(job, IntervalTrigger(seconds=tick_seconds, timezone=JST), id=f"{platform}_resume",
                      name=f"resume unfinished {platform} reports", misfire_grace_time=max(tick_seconds, 5))
