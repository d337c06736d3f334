"""Finishing reports whose Teams posts a crash interrupted, when nobody will deliver them again.

A report is stored before Teams gets its HTTP answer and posted after it (the pacer). If the process dies in
between, Teams does not redeliver; each scheduler tick (and once at start-up) the unfinished reports the ledger
knows (bot/delivery/resume.py) get the same plan again: what was posted is in the ledger and only the rest goes
out. Every Teams report is a message, so its conversation is the incident's stored one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.adapters.teams.connector import is_personal
from bot.adapters.teams.port import PLATFORM
from bot.delivery import plan, resume
from bot.delivery.content import Place
from bot.ports import Outcome

if TYPE_CHECKING:
    from bot.adapters.teams.app import TeamsBot

log = logging.getLogger("incident_bot.teams")


def resume_reports(bot: TeamsBot) -> int:
    """Resume every unfinished Teams report found now; returns how many were looked at."""

    def show(outcome: Outcome) -> None:
        view = outcome.incident
        where = view.conversation if view is not None else None
        if view is None or where is None or where.platform != PLATFORM or not where.thread:
            log.warning("teams.resume_no_conversation incident_id=%s", view.id if view else None)
            return
        origin = plan.Origin("message", Place(where.channel, where.thread), view.reporter_id,
                             bot.name_of(view.reporter_id), public=not is_personal(where.channel))
        result = bot.runner.run(plan.report(outcome, origin))
        if result.failures:
            log.warning("teams.resume_failures incident_id=%s errors=%s", view.id, ",".join(result.failures))

    return resume.resume_reports(bot.runtime.triage.queries, PLATFORM, bot.now(), show)
