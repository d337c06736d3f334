"""A reported message edited or deleted after its report: the incident's timeline says so, on every platform."""

# The incident keeps the text it was reported with (the evidence, and the open-incident key for its URL); an edit
# is recorded next to it as a note and its author told that the incident did not change with it. A deletion (the
# leak's reporter doing what she was asked) is recorded without the text.

from __future__ import annotations

from collections.abc import Callable

from bot.ports import Actor
from bot.triage.queries import IncidentQueries
from bot.triage.service import Triage


def reported_incident(queries: IncidentQueries, platform: str, channel: str, ts: str) -> int | None:
    """The incident this message reported (its own thread is the incident's conversation, or it joined one), if any."""
    return queries.by_report_message(platform, channel, ts)


def edit_key(platform: str, channel: str, ts: str, edited_at: str) -> str:
    """One key per edit, for its note and for the report a post edited into one makes: delivered again after
    either, the edit does nothing more."""
    return f"{platform}:edited:{channel}:{ts}:{edited_at}"


def record_edit(triage: Triage, platform: str, channel: str, ts: str, actor: Actor, text: str, *,
                edited_at: str, t: Callable[..., str]) -> str | None:
    """Record the edited text on the reported incident's timeline (once per edit); the author's private words."""
    incident_id = reported_incident(triage.queries, platform, channel, ts)
    if incident_id is None:
        return None
    outcome = triage.incidents.add_note(incident_id, actor, t("delivery.report_edited_note", text=text),
                                        key=edit_key(platform, channel, ts, edited_at))
    assert outcome.incident is not None
    return None if outcome.duplicate else t("delivery.report_edited_told", ref=outcome.incident.ref)


def record_deletion(triage: Triage, platform: str, channel: str, ts: str, actor: Actor,
                    t: Callable[..., str]) -> bool:
    """Record that the reported message was deleted by its author (once); False when it reported nothing."""
    incident_id = reported_incident(triage.queries, platform, channel, ts)
    if incident_id is None:
        return False
    triage.incidents.add_note(incident_id, actor, t("delivery.report_deleted_note"),
                              key=f"{platform}:deleted:{channel}:{ts}")
    return True


__all__ = ["edit_key", "record_deletion", "record_edit", "reported_incident"]
