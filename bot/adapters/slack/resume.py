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

import logging

from bot.adapters.slack.logs import log_event
from bot.adapters.slack.people import People
from bot.adapters.slack.port import PLATFORM
from bot.adapters.slack.replies import Replies
from bot.adapters.slack.reports import Origin, Reports
from bot.adapters.slack.text import slack_id
from bot.delivery.resume import unfinished_reports
from bot.triage.core import IncidentNotFound


class ReportResumer:
    """The scheduler job: finish unfinished Slack reports (see the module docstring)."""

    def __init__(self, people: People, replies: Replies, reports: Reports) -> None:
        self.people = people
        self.replies = replies
        self.reports = reports

    def run(self) -> int:
        """Resume every unfinished report found now; returns how many were looked at."""
        pending = unfinished_reports(self.people.triage().queries, PLATFORM, self.people.now())
        for incident_id in pending:
            try:
                self.resume(incident_id)
            except IncidentNotFound:
                continue
        return len(pending)

    def resume(self, incident_id: int) -> None:
        outcome = self.people.triage().incidents.replay_created(incident_id)
        view = outcome.incident
        assert view is not None
        replies = self.replies
        actor = self.people.actor(view.reporter_id)
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
        log_event(logging.WARNING, "slack.report_resumed", incident_id=incident_id)
        with replies.guard(origin.reply, "resume", incident_id, stored=True):
            self.reports.show_report(outcome, origin, actor)
