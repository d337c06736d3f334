"""Verifying the whole database and attesting the chain head, once a day across instances.

Every day (``retention.daily_at``, Asia/Tokyo) one instance claims ``audit:YYYY-MM-DD`` in ``job_runs``, erases
what is past retention (bot/triage/retention.py), verifies the whole timeline chain and the erased incidents,
appends a ``chain_attested`` event (incident_id NULL) recording what it verified, and hands the result to a
poster that puts "timeline intact: seq N head <hash>" — the attestation event's own seq and hash — in a
restricted channel. Someone who rewrites rows inside the database and recomputes every hash after them still
cannot change a head already posted outside it: ``incident-bot timeline verify --expect N:HASH`` shows whether
the chain still holds the posted head, and each day's job compares the head posted the day before with the chain
before anything else, raising an alarm in the restricted channel when it no longer matches. Verification also
replays the chain against the tables (bot/triage/state_check.py), and erasure waits while it finds problems, so
evidence is not blanked by the job that should report it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import format_day, to_jst
from bot.i18n import Catalog
from bot.lease import Lease
from bot.triage.core import CoreDeps, incident_ref, transaction
from bot.triage.retention import RetentionPolicy, RetentionReport, run_retention
from bot.triage.state_check import Problem, check_state
from bot.triage.summary_job import claim_job, finish_job, job_done, release_job
from storage.db import read_snapshot
from storage.models import Incident, IncidentActor, IncidentReporter, JobRun, StepState, TimelineEvent
from storage.timeline import ERASURE_EVENT, ChainProblem, ChainReport, append_event, verify_chain

log = logging.getLogger(__name__)
ATTESTATION_EVENT = "chain_attested"
AUDIT_ACTOR = "audit"
# A verification of a large database can take minutes; the lease outlives it.
AUDIT_LEASE = Lease(timedelta(minutes=30))
MAX_LISTED = 20


@dataclass(frozen=True)
class DatabaseReport:
    """The chain verified end to end, plus erased incidents checked for leftover personal data."""

    chain: ChainReport
    erasure_problems: tuple[Problem, ...]
    state_problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.erasure_problems and not self.state_problems

    def problem_lines(self, catalog: Catalog | None = None) -> list[str]:
        """Every problem, one line each (chain problems first, by seq), in the catalogue's locale (English
        without one: logs and tests)."""
        if catalog is None:
            return ([f"seq {p.seq}: {p.problem}" for p in self.chain.problems] + list(self.erasure_problems)
                    + list(self.state_problems))
        return ([catalog.t("verify_problem.line", seq=p.seq, text=chain_problem_text(catalog, p))
                 for p in self.chain.problems]
                + [p.worded(catalog) for p in (*self.erasure_problems, *self.state_problems)])


def chain_problem_text(catalog: Catalog, problem: ChainProblem) -> str:
    """One chain problem in the catalogue's locale; the English reason when its kind has no wording."""
    key = f"verify_problem.{problem.kind}"
    if key not in catalog.keys():
        return problem.problem
    ref = incident_ref(problem.incident_id) if problem.incident_id is not None else "—"
    return catalog.t(key, ref=ref, named_seq=problem.named_seq)


@dataclass(frozen=True)
class Attestation:
    """The attestation event appended after a verification: the new chain head."""

    seq: int
    hash: str
    at: datetime
    report: DatabaseReport


def check_erasures(session: Session) -> list[Problem]:
    """Erased incidents that still hold personal data, or whose erasure the timeline does not record."""
    erased = {row.id: row for row in session.execute(
        select(Incident).where(Incident.erased_at.is_not(None)).order_by(Incident.id)).scalars()}
    if not erased:
        return []
    recorded = set(session.execute(select(TimelineEvent.incident_id).where(
        TimelineEvent.type == ERASURE_EVENT, TimelineEvent.erased.is_(False))).scalars())
    named = set(session.execute(select(IncidentReporter.incident_id).where(
        IncidentReporter.incident_id.in_(erased), IncidentReporter.name != "")).scalars())
    colleagues = set(session.execute(select(IncidentActor.incident_id).where(
        IncidentActor.incident_id.in_(erased), IncidentActor.name != "")).scalars())
    answered = {incident_id for incident_id, answers in session.execute(
        select(StepState.incident_id, StepState.answers).where(StepState.incident_id.in_(erased))) if answers}
    problems: list[Problem] = []
    for incident_id, incident in erased.items():
        left = [name for name in ("text", "source_url", "reporter_name") if getattr(incident, name)]
        left += ["incident_reporters.name"] if incident_id in named else []
        left += ["incident_actors.name"] if incident_id in colleagues else []
        left += ["step_states.answers"] if incident_id in answered else []
        ref = incident_ref(incident_id)
        if left:
            fields = ", ".join(left)
            problems.append(Problem(f"{ref}: erased but still holds {fields}", "erased_leftover", ref=ref,
                                    fields=fields))
        if incident_id not in recorded:
            problems.append(Problem(f"{ref}: marked erased but no erasure is recorded in the timeline",
                                    "erasure_unrecorded", ref=ref))
    return problems


def verify_database(deps: CoreDeps, policy: RetentionPolicy | None = None) -> DatabaseReport:
    """Verify the whole chain, the tables against it and the erased incidents (against the retention policy when
    given) in one consistent snapshot (read only)."""
    with deps.sessions() as session:
        read_snapshot(session)
        try:
            chain = verify_chain(session)
            erasure = tuple(check_erasures(session))
            state = tuple(check_state(session, policy.expires_at if policy is not None else None))
        finally:
            session.rollback()
    return DatabaseReport(chain=chain, erasure_problems=erasure, state_problems=state)


def attest(deps: CoreDeps, report: DatabaseReport, now: datetime | None = None, *, actor: str = AUDIT_ACTOR,
           **data: object) -> Attestation:
    """Append the attestation of a verification to the chain; the event it appends is the new head."""
    now = now or deps.clock.now()

    def work(session: Session) -> Attestation:
        event = append_event(session, incident_id=None, type_=ATTESTATION_EVENT, actor=actor, at=now, data={
            "verified_seq": report.chain.head_seq, "verified_hash": report.chain.head_hash,
            "events": report.chain.events, "ok": report.ok, "problems": len(report.problem_lines()), **data})
        return Attestation(seq=event.seq, hash=event.hash, at=event.at, report=report)

    return transaction(deps, work)


def check_posted_head(deps: CoreDeps, seq: int, expected_hash: str) -> str | None:
    """The hash the chain holds at `seq` if it differs from a head posted earlier ("" when the event is gone);
    None when it matches."""
    with deps.sessions.begin() as session:
        found = session.execute(select(TimelineEvent.hash).where(TimelineEvent.seq == seq)).scalar_one_or_none()
    if found is not None and found == expected_hash.strip().lower():
        return None
    return found or ""


# -- the daily job ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditResult:
    """One day's audit: what retention did and the attested head."""

    day: date
    retention: RetentionReport
    attestation: Attestation
    # The head posted by the previous audit, and what the chain holds at its seq when that differs
    # ("" when the event is gone); previous None: no earlier audit to compare with.
    previous: tuple[int, str] | None = None
    head_mismatch: str | None = None
    erasure_held: bool = False  # problems found before erasing: nothing was erased, the evidence is kept


PostAudit = Callable[[AuditResult], None]
# Where the previous audit's posted head comes from: by default the job_runs row of the last audit; an adapter
# can read it back from the restricted channel instead, which someone with only database access cannot rewrite.
PreviousHead = Callable[[date], "tuple[int, str] | None"]


def last_attested_head(deps: CoreDeps, before: date) -> tuple[int, str] | None:
    """(seq, hash) the most recent finished audit before `before` posted, from job_runs; None if none."""
    with deps.sessions.begin() as session:
        rows = session.execute(select(JobRun).where(JobRun.key.like("audit:%"), JobRun.done_at.is_not(None),
                                                    JobRun.key < audit_key(before))
                               .order_by(JobRun.key.desc()).limit(1)).scalars().all()
    result = rows[0].result if rows else None
    if not isinstance(result, dict) or not isinstance(result.get("seq"), int) or not result.get("hash"):
        return None
    return result["seq"], str(result["hash"])


def audit_key(day: date) -> str:
    """The job_runs key of a day's audit (a JST date)."""
    return f"audit:{day.isoformat()}"


def run_daily_audit(deps: CoreDeps, policy: RetentionPolicy, post: PostAudit | None, worker: str,
                    now: datetime | None = None, *, day: date | None = None,
                    lease: Lease = AUDIT_LEASE, previous_head: PreviousHead | None = None) -> AuditResult | None:
    """Claim the day's audit; erase what is due (or only list it when retention.erase is false), verify the
    whole database, attest the head, post it; None if another instance has it or it is done.

    A failure (database, post) releases the claim so the next check retries; the attestation is then appended
    again, which is harmless: each one records a real verification.
    """
    now = now or deps.clock.now()
    day = day or to_jst(now).date()
    claim = claim_job(deps, audit_key(day), worker, now, lease)
    if claim is None:
        return None
    try:
        previous = (previous_head or (lambda d: last_attested_head(deps, d)))(day)
        mismatch = check_posted_head(deps, *previous) if previous is not None else None
        before = verify_database(deps, policy)
        held = policy.erase and (not before.ok or mismatch is not None)
        retention = run_retention(deps, policy, now, dry_run=not policy.erase or held)
        report = verify_database(deps, policy) if retention.erased else before
        attestation = attest(deps, report, now, day=day.isoformat(), erased_incidents=len(retention.erased),
                             previous_seq=previous[0] if previous else None, previous_ok=mismatch is None)
        result = AuditResult(day, retention, attestation, previous, mismatch, held)
        if mismatch is not None:
            log.error("timeline head posted before (seq %d %s) no longer matches the chain (%s)", previous[0],
                      previous[1], mismatch or "event missing")
        log.log(logging.INFO if report.ok else logging.ERROR,
                "timeline %s: seq %d head %s (%d events verified, %d problems); retention erased %d, %d due",
                "intact" if report.ok else "PROBLEMS", attestation.seq, attestation.hash, report.chain.events,
                len(report.problem_lines()), len(retention.erased), len(retention.due))
        if post is not None:
            post(result)
    except Exception as exc:
        log.exception("daily audit %s failed; the next check retries", day)
        release_job(deps, claim, deps.clock.now(), f"{type(exc).__name__}: {exc}")
        raise
    finish_job(deps, claim, deps.clock.now(), {
        "day": day.isoformat(), "ok": result.attestation.report.ok, "seq": attestation.seq,
        "hash": attestation.hash, "erased": [e.incident_id for e in retention.erased],
        "failed": [i for i, _ in retention.failed], "posted_by": claim.token})
    return result


@dataclass
class DailyAudit:
    """What the scheduler calls every few minutes: runs the day's audit once it is due (at `at`, JST)."""

    deps: CoreDeps
    policy: RetentionPolicy
    at: time
    post: PostAudit | None
    worker: str
    previous_head: PreviousHead | None = None

    def due_day(self, now: datetime) -> date | None:
        """Today's date (JST) if today's run time has passed, else None."""
        local = to_jst(now)
        return local.date() if local.time() >= self.at else None

    def run_if_due(self) -> bool:
        """Run today's audit if its time has passed and nobody has done it; True if it ran here."""
        now = self.deps.clock.now()
        day = self.due_day(now)
        if day is None:
            return False
        try:
            if job_done(self.deps, audit_key(day)):
                return False
        except Exception:  # noqa: BLE001 - a busy or unreachable database: the next check (5 min) asks again
            log.warning("daily audit: could not read whether %s is done; checking again later", day, exc_info=True)
            return False
        try:
            return run_daily_audit(self.deps, self.policy, self.post, self.worker, now, day=day,
                                   previous_head=self.previous_head) is not None
        except Exception:  # noqa: BLE001 - run_daily_audit logged it and released the claim; the next check retries
            return False


# -- the message ------------------------------------------------------------------------------------------
def _refs(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" … (+{len(items) - MAX_LISTED})" if len(items) > MAX_LISTED else "")


def audit_lines(result: AuditResult, catalog: Catalog) -> list[str]:
    """The message for the restricted channel: the head first, then problems and what retention did.

    Only references, counts, sequence numbers and hashes: never report text or names.
    """
    t = catalog.t
    att = result.attestation
    report = att.report
    day = format_day(result.day, catalog.locale)
    lines = []
    if result.previous is not None and result.head_mismatch is not None:
        lines.append(t("audit.head_mismatch", seq=result.previous[0], expected=result.previous[1],
                       found=result.head_mismatch or "—"))
    if report.ok:
        lines.append(t("audit.intact", day=day, seq=att.seq, head=att.hash, events=report.chain.events))
    else:
        problems = report.problem_lines(catalog)
        lines.append(t("audit.problems", day=day, seq=att.seq, head=att.hash, count=len(problems)))
        lines += [f"• {line}" for line in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(t("audit.more", count=len(problems) - MAX_LISTED))
    retention = result.retention
    if result.erasure_held:
        lines.append(t("audit.erase_held"))
    if retention.erased:
        lines.append(t("audit.erased", count=len(retention.erased), refs=_refs([e.ref for e in retention.erased])))
    if retention.dry_run and retention.due and not result.erasure_held:
        lines.append(t("audit.due", count=len(retention.due), refs=_refs([d.ref for d in retention.due])))
    if retention.examples_purged and not retention.dry_run:
        lines.append(t("audit.examples_purged", count=retention.examples_purged))
    if retention.failed:
        lines.append(t("audit.failed", count=len(retention.failed),
                       refs=_refs([incident_ref(i) for i, _ in retention.failed])))
    if retention.waiting_to_close:
        lines.append(t("audit.waiting", count=len(retention.waiting_to_close),
                       refs=_refs([d.ref for d in retention.waiting_to_close])))
    return lines
