"""SQLAlchemy 2.0 typed models: the database is the truth."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every table."""

    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Incident(Base):
    """One incident and its current state."""

    __tablename__ = "incidents"
    # The per-reporter rate limit counts one reporter's recent incidents (migration 0004).
    __table_args__ = (Index("ix_incidents_reporter_created", "reporter_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[str] = mapped_column(String(20))
    profile: Mapped[str] = mapped_column(String(60))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    # Normalised URL while the incident is open; NULL afterwards, so the unique key only binds open ones.
    open_source_key: Mapped[str | None] = mapped_column(String(512), unique=True)
    platform: Mapped[str | None] = mapped_column(String(60))
    department: Mapped[str | None] = mapped_column(String(120))
    reporter_id: Mapped[str] = mapped_column(String(120))
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    classifier_confidence: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    conversation_platform: Mapped[str | None] = mapped_column(String(30))
    # Full conversation ids (Teams personal chats exceed 120 characters): migration 0005_wide_conversation_ids.
    conversation_channel: Mapped[str | None] = mapped_column(String(512))
    conversation_thread: Mapped[str | None] = mapped_column(String(512))
    erased_at: Mapped[datetime | None]


class IncidentReporter(Base):
    """Everyone who reported the same incident (merged duplicates add rows here)."""

    __tablename__ = "incident_reporters"
    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200), default="")
    reported_at: Mapped[datetime]
    # Whether this reporter holds the reporter role; a co-report of a restricted incident waits for a grant
    # (migration 0004).
    granted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class IncidentActor(Base):
    """The name a colleague acted under on an incident (not a reporter: those are `IncidentReporter`), so the
    records name people, not platform ids (migration 0008)."""

    __tablename__ = "incident_actors"
    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200), default="")


class StepState(Base):
    """Progress of one playbook step of one incident."""

    __tablename__ = "step_states"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "step_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    step_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]


class IntakeKey(Base):
    """A delivery already handled (Slack event_id, shortcut trigger…): retries resolve here."""

    __tablename__ = "intake_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    created_at: Mapped[datetime]


class TimelineEvent(Base):
    """Append-only, hash-chained record of everything that happened."""

    __tablename__ = "timeline_events"
    # Weekly summaries read one event type over one week (migration 0002).
    __table_args__ = (Index("ix_timeline_events_type_at", "type", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)
    old_value: Mapped[Any | None] = mapped_column(JSON)
    new_value: Mapped[Any | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Digest of old/new/data, chained instead of the payload so erasing personal data keeps the chain.
    payload_digest: Mapped[str] = mapped_column(String(64))
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The single row holding the timeline's last sequence number and hash (locked on append)."""

    __tablename__ = "chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Escalation(Base):
    """A notification level that fires when the previous one is not acknowledged in time."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("incident_id", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(80))
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending, sent, cancelled
    sent_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claim_expires_at: Mapped[datetime | None]


class PlatformRef(Base):
    """Where an adapter put something for an incident (thread, PR message, step message)."""

    __tablename__ = "platform_refs"
    __table_args__ = (UniqueConstraint("incident_id", "platform", "purpose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    platform: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(512))  # a full conversation id (0005_wide_conversation_ids)
    ts: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime]


class JobRun(Base):
    """A scheduled job claimed once across instances (summary week, verification day…)."""

    __tablename__ = "job_runs"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    claimed_by: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[datetime]
    claim_expires_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ClassifierExample(Base):
    """A message labelled by staff (kind correction, 「報告ではない」, a report the classifier missed) for retraining.

    Linked to its incident when there is one; erased with it (bot/triage/retention.py): text NULL, erased_at set.
    """

    __tablename__ = "classifier_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))  # the label: an incident kind or "none"
    source: Mapped[str] = mapped_column(String(30))  # kind_correction, not_a_report, missed_report, confirmed
    predicted_kind: Mapped[str] = mapped_column(String(40))
    predicted_outcome: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(default=0.0)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]


class InboxDelivery(Base):
    """A platform delivery stored before its HTTP 200 and not yet run (bot/delivery/inbox.py); deleted once run."""

    __tablename__ = "inbox_deliveries"

    platform: Mapped[str] = mapped_column(String(30), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # the platform's delivery id (Slack event_id)
    body: Mapped[str] = mapped_column(Text)  # the raw request body, signature and shape already checked
    received_at: Mapped[datetime] = mapped_column(index=True)
