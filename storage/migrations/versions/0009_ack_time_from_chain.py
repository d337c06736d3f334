"""ack time from chain: incidents.acknowledged_at as the timeline's acknowledgement says it

Releases before the security core (commit ced7c13) read the clock twice when an incident was acknowledged: once
for incidents.acknowledged_at and once for the timeline event, a few microseconds apart. `timeline verify` now
compares the two exactly, so every incident acknowledged under such a release was reported as tampered with after
an upgrade. The hashed timeline is the record: the column takes the event's time where the two differ by less
than a second (one transaction). A larger difference is left for verify to report.

Revision ID: 0009_ack_time_from_chain
Revises: 0008_incident_actors
Create Date: 2026-12-06 18:00:00
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0009_ack_time_from_chain'
down_revision = '0008_incident_actors'
branch_labels = None
depends_on = None

SAME_TRANSACTION = dt.timedelta(seconds=1)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite gives naive UTC back, PostgreSQL an aware time: compare them alike.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def upgrade() -> None:
    bind = op.get_bind()
    stamp = sa.DateTime(timezone=True)
    incidents = sa.table('incidents', sa.column('id', sa.Integer), sa.column('acknowledged_at', stamp))
    events = sa.table('timeline_events', sa.column('seq', sa.Integer), sa.column('incident_id', sa.Integer),
                      sa.column('type', sa.String), sa.column('at', stamp))
    last = (sa.select(events.c.incident_id, sa.func.max(events.c.seq).label('seq'))
            .where(events.c.type == 'acknowledged').group_by(events.c.incident_id).subquery())
    rows = bind.execute(
        sa.select(incidents.c.id, incidents.c.acknowledged_at, events.c.at)
        .join(last, last.c.incident_id == incidents.c.id)
        .join(events, events.c.seq == last.c.seq)
        .where(incidents.c.acknowledged_at.is_not(None))).all()
    for incident_id, acknowledged_at, at in rows:
        if at is not None and acknowledged_at != at and abs(_utc(acknowledged_at) - _utc(at)) < SAME_TRANSACTION:
            bind.execute(sa.update(incidents).where(incidents.c.id == incident_id).values(acknowledged_at=at))


def downgrade() -> None:
    pass  # the earlier time is not kept; the event's time is as true for the schema before this revision
