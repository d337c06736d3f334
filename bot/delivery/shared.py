"""What every adapter's delivery does alike, kept once: plans run on the pacer, failed posts recorded."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.delivery.content import Content
from bot.delivery.ledger import Prepared
from bot.delivery.pacing import Job, Pacer
from bot.delivery.plan import Plan
from bot.delivery.runner import Runner
from bot.triage.incidents import IncidentDesk

RecordError = Callable[[int, str, str], None]


def error_recorder(incidents: IncidentDesk, platform: str) -> RecordError:
    """The runner's record_error: logged, and on the incident's timeline (when the database takes it)."""
    log = logging.getLogger(f"incident_bot.{platform}")

    def record(incident_id: int, action: str, code: str) -> None:
        fields = {"incident_id": incident_id, "action": action}  # also as fields, for JSON logs (logging_setup.py)
        log.error("%s.api_error incident_id=%s action=%s error=%s", platform, incident_id, action, code,
                  extra={**fields, "error": code})
        try:
            incidents.record_delivery_error(incident_id, platform=platform, action=action, error=code)
        except Exception:  # noqa: BLE001 - the database is down too: the log keeps it
            log.error("%s.api_error_unrecorded incident_id=%s action=%s", platform, incident_id, action, extra=fields)

    return record


def submit_plan(pacer: Pacer, runner: Runner, steps: Plan, tell: Callable[[list[str]], None],
                refused: Callable[[BaseException], None] | None = None, *,
                reply: Callable[[Content], None] | None = None, prepared: Prepared | None = None) -> bool:
    """Run a plan after the core call, paced per conversation. The failure codes (each once) go to `tell`; an
    exception from the run goes to `refused` (without one it reaches the pacer's log); resume or a retry finishes
    the rest. False when the queue had no room: the plan is left to resume. `reply` and `prepared`: Runner.run's."""

    def work() -> None:
        try:
            result = runner.run(steps, reply, prepared)
        except Exception as exc:
            if refused is None:
                raise
            refused(exc)
            return
        if result.failures:
            tell(list(dict.fromkeys(result.failures)))

    return pacer.submit(Job(work, steps.severity, steps.lane, steps.coalesce))


__all__ = ["error_recorder", "submit_plan", "RecordError"]
