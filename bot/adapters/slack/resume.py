"""Finishing reports whose Slack posts a crash interrupted, when nobody will deliver them again.

A report is stored before Slack gets its HTTP 200 and posted after it (the pacer). If the process dies in
between, Slack does not redeliver (it had its 200) and the reporter has nothing to click: the incident would
sit in the database with no thread, no step and no PR message. Each scheduler tick (and once at start-up) this
job looks for Slack reports of the last RESUME_WINDOW whose REPORT_DELIVERY mark is missing or was claimed more
than the ledger's lease ago by a process that never finished, and runs the same delivery plan for them: what
was posted is found (ledger, or message metadata for a post whose ts was never recorded) and only the rest goes
out. Any number of instances may run it: the mark is claimed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.slack.handlers import Origin
from bot.adapters.slack.port import PLATFORM
from bot.adapters.slack.text import slack_id
from bot.delivery.resume import resume_reports, schedule_resume
from bot.ports import Outcome

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from bot.adapters.slack.app import SlackAdapter

class ReportResumer:
    """The scheduler job: finish unfinished Slack reports (see the module docstring)."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    def run(self) -> int:
        """Resume every unfinished report found now; returns how many were looked at."""
        return resume_reports(self.adapter.triage.queries, PLATFORM, self.adapter.now(), self.show)

    def show(self, outcome: Outcome) -> None:
        view = outcome.incident
        assert view is not None
        handlers, replies = self.adapter.handlers, self.adapter.replies
        actor = self.adapter.actor(view.reporter_id)
        reporter = slack_id(view.reporter_id)  # the stored id is namespaced ("slack:U…"); Slack wants its own
        where = view.conversation
        if where is not None and where.platform == PLATFORM and where.thread:
            # A message report: the thread hangs under the report message itself.
            source = "dm" if where.channel.startswith("D") else "channel"
            origin = Origin(source, where.channel, reporter,
                            replies.ephemeral(where.channel, reporter, where.thread), message_ts=where.thread)
        else:
            # A slash command or shortcut: where it was typed is not kept; the thread goes to the reporter's DM
            # unless it had already been opened (the ledger finds it).
            origin = Origin("slash", reporter, reporter, replies.dm(reporter))
        with replies.guard(origin.reply, "resume", view.id, stored=True):
            handlers.show_report(outcome, origin, actor)


def schedule_resumer(scheduler: BaseScheduler, adapter: SlackAdapter, tick_seconds: int) -> ReportResumer:
    """Add the job to a (not yet started) scheduler (bot/delivery/resume.py)."""
    resumer = ReportResumer(adapter)
    schedule_resume(scheduler, resumer.run, tick_seconds, PLATFORM)
    return resumer
