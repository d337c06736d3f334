"""Finishing reports whose Slack posts a crash interrupted, when nobody will deliver them again.

A report is stored before Slack gets its HTTP 200 and posted after it (handlers.later). If the process dies in
between, Slack does not redeliver (it had its 200) and the reporter has nothing to click: the incident would
sit in the database with no thread, no step and no PR message. Each scheduler tick (and once at start-up) this
job looks for Slack reports of the last RESUME_WINDOW whose REPORT_DELIVERY mark is missing or was claimed more
than CLAIM_LEASE ago by a process that never finished, and runs the same once-only posts for them
(handlers.show_report): what was posted is found (refs, or message metadata for a post whose ts was never
recorded) and only the rest goes out. Any number of instances may run it: the mark is claimed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.adapters.slack.delivery import CLAIM_LEASE, PLATFORM, REPORT_DELIVERY
from bot.adapters.slack.handlers import Origin
from bot.adapters.slack.logs import log_event
from bot.triage.core import IncidentNotFound

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from bot.adapters.slack.app import SlackAdapter

RESUME_WINDOW = timedelta(days=1)


class ReportResumer:
    """The scheduler job: finish unfinished Slack reports (see the module docstring)."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    def run(self) -> int:
        """Resume every unfinished report found now; returns how many were looked at."""
        now = self.adapter.now()
        triage = self.adapter.triage
        pending = triage.queries.unfinished(PLATFORM, REPORT_DELIVERY, created_after=now - RESUME_WINDOW,
                                            created_before=now - CLAIM_LEASE)
        for incident_id in pending:
            try:
                self.resume(incident_id)
            except IncidentNotFound:
                continue
        return len(pending)

    def resume(self, incident_id: int) -> None:
        triage = self.adapter.triage
        outcome = triage.incidents.replay_created(incident_id)
        view = outcome.incident
        assert view is not None
        handlers = self.adapter.handlers
        actor = self.adapter.actor(view.reporter_id)
        where = view.conversation
        if where is not None and where.platform == PLATFORM and where.thread:
            # A message report: the thread hangs under the report message itself.
            source = "dm" if where.channel.startswith("D") else "channel"
            origin = Origin(source, where.channel, view.reporter_id,
                            handlers.ephemeral_reply(where.channel, view.reporter_id, where.thread),
                            message_ts=where.thread)
        else:
            # A slash command or shortcut: where it was typed is not kept; the thread goes to the reporter's DM
            # unless it had already been opened (delivery finds its ref).
            origin = Origin("slash", view.reporter_id, view.reporter_id, handlers.dm_reply(view.reporter_id))
        log_event(logging.WARNING, "slack.report_resumed", incident_id=incident_id)
        with handlers.guard(origin.reply, "resume", incident_id, stored=True):
            handlers.show_report(outcome, origin, actor)


def schedule_resumer(scheduler: BaseScheduler, adapter: SlackAdapter, tick_seconds: int) -> ReportResumer:
    """Add the job to a (not yet started) scheduler: at start-up, then every tick. A failure (database down)
    is logged and the next tick tries again."""
    from apscheduler.triggers.interval import IntervalTrigger

    from bot.clock import JST

    resumer = ReportResumer(adapter)

    def job() -> None:
        try:
            resumer.run()
        except Exception as exc:  # noqa: BLE001 - any failure: logged, the next tick retries (nothing marked done)
            log_event(logging.WARNING, "slack.resume_failed", error=type(exc).__name__)

    scheduler.add_job(job, "date", id="slack_resume_start", name="resume unfinished Slack reports (start-up)",
                      misfire_grace_time=None)
    scheduler.add_job(job, IntervalTrigger(seconds=tick_seconds, timezone=JST), id="slack_resume",
                      name="resume unfinished Slack reports", misfire_grace_time=max(tick_seconds, 5))
    return resumer
