"""A message reported through a platform's form (Slack's shortcut, Teams' message action), the same everywhere."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.ports import Outcome, ReportInput
from bot.triage.service import Triage


@dataclass(frozen=True)
class Source:
    """The message the form was opened on: its note's key (once per message), when it was written, its link."""

    key: str
    at: datetime | None = None
    link: str | None = None


def report(triage: Triage, report: ReportInput, note: str, source: Source | None) -> Outcome:
    """The form's text reported as an explicit act (never dropped, no 「報告ではない」), then the original message on
    the new or merged incident's timeline once (`note` says where it came from). Submitted again: the first
    outcome, and the note is not repeated."""
    outcome = triage.incidents.report(replace(report, explicit=True, by_act=True))
    if outcome.incident is not None and source is not None:
        triage.incidents.add_note(outcome.incident.id, report.reporter, note, key=source.key, at=source.at,
                                  link=source.link)
    return outcome


__all__ = ["Source", "report"]
