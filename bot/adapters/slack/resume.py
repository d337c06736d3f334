"""Finishing reports whose Slack posts a crash interrupted (the rule and the query: bot/delivery/resume.py).

A report is stored before Slack gets its HTTP 200 and posted after it (the pacer); if the process dies in
between, Slack does not redeliver. The delivery layer finds such reports and hands each one's first outcome
here; this module only works out where its conversation is and runs the same plan (the ledger posts what is
missing).
"""

from __future__ import annotations

from bot.adapters.slack.people import People
from bot.adapters.slack.port import PLATFORM
from bot.adapters.slack.replies import Replies
from bot.adapters.slack.reports import Origin, Reports
from bot.adapters.slack.text import slack_id
from bot.delivery.resume import resume_reports
from bot.ports import Outcome


class ReportResumer:
    """The scheduler job: finish unfinished Slack reports (see the module docstring)."""

    def __init__(self, people: People, replies: Replies, reports: Reports) -> None:
        self.people = people
        self.replies = replies
        self.reports = reports

    def run(self) -> int:
        """Resume every unfinished report found now; returns how many were looked at."""
        return resume_reports(self.people.triage().queries, PLATFORM, self.people.now(), self.show)

    def show(self, outcome: Outcome) -> None:
        """Run one unfinished report's plan again where its conversation is."""
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
        with replies.guard(origin.reply, "resume", view.id, stored=True):
            self.reports.show_report(outcome, origin, actor)
