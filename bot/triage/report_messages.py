"""Which incident a chat message reported: the first report's message is the incident's own conversation; a report
merged into it (or of a resolved incident's post, or a follow-up naming it) carries its message on its timeline
event, so that an edit of it is a note on that incident rather than one more report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ports import ReportInput
from storage.models import TimelineEvent

MESSAGE = "message"  # event data: platform|channel|message of the report that led to the event
# A follow-up (bot/triage/followups.py): its event type, and the topic of its line in the incident's conversation.
FOLLOWUP = "followup"
FOLLOWUP_HERE = "followup_here"
# Events whose message is about the incident (a report of its post, a follow-up): an edit of it is a note there.
JOINING_EVENTS = ("merged_report", "reported_again", FOLLOWUP)


def message_of(platform: str, channel: str, message: str) -> str:
    """The value stored under MESSAGE (ids hold no "|" on any platform the bot speaks)."""
    return f"{platform}|{channel}|{message}"


def message_data(report: ReportInput) -> dict[str, str]:
    """The report's own message as event data; nothing when the platform gave no conversation."""
    where = report.conversation
    if where is None or not where.thread:
        return {}
    return {MESSAGE: message_of(where.platform, where.channel, where.thread)[:300]}


def joined_by_message(session: Session, platform: str, channel: str, message: str) -> int | None:
    """The incident a report posted as this message joined (the latest, if it was reported more than once)."""
    found = session.execute(select(TimelineEvent.incident_id).where(
        TimelineEvent.type.in_(JOINING_EVENTS),
        TimelineEvent.data[MESSAGE].as_string() == message_of(platform, channel, message)[:300],
    ).order_by(TimelineEvent.id.desc()).limit(1)).first()
    return int(found[0]) if found else None


__all__ = ["FOLLOWUP", "FOLLOWUP_HERE", "JOINING_EVENTS", "MESSAGE", "joined_by_message", "message_data", "message_of"]
