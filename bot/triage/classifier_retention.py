"""Retention of the labelled examples that belong to no incident (「報告ではない」 answers).

An example tied to an incident follows that incident: its text is erased with the incident's
(bot/triage/retention.py calls classifier_intake.erase_examples), restricted (leak) ones included. A 「報告ではない」
answer opens no incident, so it gets its own period: ``retention.unlinked_examples_days`` in app.yaml (default
365 days from when it was stored; 0 or null keeps them). The daily job and ``incident-bot retention`` purge them
with the incidents; ``incident-bot classify --purge-examples [--dry-run]`` purges them alone. Purging blanks the
text (the label stays for counts) and appends one ``classifier_examples_purged`` timeline event with the count,
in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.triage.core import CoreDeps, record, transaction
from storage.models import ClassifierExample

__all__ = ["DEFAULT_UNLINKED_EXAMPLE_DAYS", "PURGE_EVENT", "purge_unlinked_examples"]

DEFAULT_UNLINKED_EXAMPLE_DAYS = 365  # a year of answers is enough to retrain on; a name in chatter goes after it
PURGE_EVENT = "classifier_examples_purged"
PURGE_ACTOR = "retention"


def _due(cutoff: datetime) -> tuple[object, ...]:
    """The filter for unlinked examples stored before cutoff that still hold their text."""
    return (ClassifierExample.incident_id.is_(None), ClassifierExample.text.is_not(None),
            ClassifierExample.created_at < cutoff)


def purge_unlinked_examples(deps: CoreDeps, days: int | None, now: datetime | None = None, *,
                            dry_run: bool = False, actor: str = PURGE_ACTOR) -> int:
    """Blank the text of examples with no incident older than `days` (None or 0: keep); how many (would be)."""
    if not days:
        return 0
    now = now or deps.clock.now()
    cutoff = now - timedelta(days=days)

    def work(session: Session) -> int:
        count = int(session.execute(select(func.count()).select_from(ClassifierExample)
                                    .where(*_due(cutoff))).scalar_one())
        if dry_run or not count:
            return count
        session.execute(update(ClassifierExample).where(*_due(cutoff))
                        .values(text=None, erased_at=now, updated_at=now))
        record(session, deps, None, PURGE_EVENT, actor, at=now, count=count, before=cutoff.isoformat(), days=days)
        return count

    return transaction(deps, work)
