"""What every adapter's delivery does alike, kept once: a plan run on the pacer with its failures told to whoever
acted, a failed post recorded on the timeline, and a scheduler's escalation whose acknowledgement came while it
was being posted (its button comes off at once: either the re-read here sees the acknowledgement, or the
acknowledgement sees the recorded post)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.clock import format_jst
from bot.delivery import content as c
from bot.delivery.content import Posted
from bot.delivery.pacing import Job, Pacer
from bot.delivery.plan import Plan
from bot.delivery.runner import Runner
from bot.ports import Notification
from bot.triage.incidents import IncidentDesk

RecordError = Callable[[int, str, str], None]


def error_recorder(incidents: IncidentDesk, platform: str) -> RecordError:
    """The runner's record_error: logged, and on the incident's timeline (when the database takes it)."""
    log = logging.getLogger(f"incident_bot.{platform}")

    def record(incident_id: int, action: str, code: str) -> None:
        log.error("%s.api_error incident_id=%s action=%s error=%s", platform, incident_id, action, code)
        try:
            incidents.record_delivery_error(incident_id, platform=platform, action=action, error=code)
        except Exception:  # noqa: BLE001 - the database is down too: the log keeps it
            log.error("%s.api_error_unrecorded incident_id=%s action=%s", platform, incident_id, action)

    return record


def submit_plan(pacer: Pacer, runner: Runner, steps: Plan, tell: Callable[[list[str]], None],
                refused: Callable[[BaseException], None] | None = None) -> bool:
    """Run a plan after the core call, paced per conversation. The failure codes (each once) go to `tell`; an
    exception from the run goes to `refused` (without one it reaches the pacer's log); resume or a retry finishes
    the rest. False when the queue had no room: the plan is left to resume."""

    def work() -> None:
        try:
            result = runner.run(steps)
        except Exception as exc:
            if refused is None:
                raise
            refused(exc)
            return
        if result.failures:
            tell(list(dict.fromkeys(result.failures)))

    return pacer.submit(Job(work, steps.severity, steps.lane, steps.coalesce))


def escalate(runner: Runner, note: Notification, locale: str) -> Posted | None:
    """For the scheduler: post an escalation level (raises so a failure is retried); acknowledged meanwhile, the
    posted notice is updated to say so at once."""
    posted = runner.escalate(note)
    after = runner.ledger.queries.view(note.incident_id, None)
    if posted is not None and after.acknowledged_at is not None:
        when = format_jst(after.acknowledged_at, locale)
        runner.port.update(posted, c.NoticeAcknowledged(after, after.acknowledged_by or "", when, after.ref))
    return posted


__all__ = ["error_recorder", "submit_plan", "escalate", "RecordError"]
