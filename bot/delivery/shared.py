"""What every adapter's delivery does alike, kept once: the parts wired, plans run on the pacer, failed posts
recorded, section notices sent where the incident allows."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.delivery.content import ChatPort
from bot.delivery.ledger import Ledger
from bot.delivery.pacing import Job, Pacer
from bot.delivery.plan import Plan
from bot.delivery.runner import Runner
from bot.triage.incidents import IncidentDesk
from bot.triage.service import Triage

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


def notification_channel(restricted: bool, pr_channel: str | None,
                         restricted_channel: str | None) -> str | None:
    """Where section notifications go: the restricted channel for leaks when configured, else PR's."""
    if restricted and restricted_channel:
        return restricted_channel
    return pr_channel


def build_delivery(triage: Triage, port: ChatPort, ledger: Ledger, *, interval: float, max_pending: int,
                   pr_channel: str | None, restricted_channel: str | None, place: Callable[[str], str] = str,
                   spawn: Callable[[Callable[[], None]], object] | None = None,
                   wait: Callable[[float], None] = time.sleep) -> tuple[Pacer, Runner]:
    """The pacer and runner every platform wires alike: one post per `interval` seconds in a conversation, section
    notices by `notification_channel` (`place`: a channel id as the port addresses it), failed posts on the
    timeline; `wait` is how rate limits are waited out (tests record it instead of sleeping)."""
    pacer = Pacer(lambda conversation: interval, max_pending=max_pending, spawn=spawn,
                  name=f"{ledger.platform}-delivery")

    def section(restricted: bool) -> str | None:
        channel = notification_channel(restricted, pr_channel, restricted_channel)
        return place(channel) if channel else None

    return pacer, Runner(port, ledger, section, error_recorder(triage.incidents, ledger.platform),
                         chain_length=triage.deps.escalation.last_notice, turn=pacer.turn, wait=wait,
                         latest=pacer.latest)

__all__ = ["error_recorder", "submit_plan", "RecordError", "notification_channel", "build_delivery"]
