"""security events: granted reporter roles, per-reporter rate limit index

incident_reporters.granted: a co-report of a restricted incident is recorded without the reporter role until a
PR member or security officer grants it (existing rows keep the role they had). The (reporter_id, created_at)
index lets the per-reporter rate limit count one reporter's recent incidents without a scan.

The PostgreSQL guard that denies UPDATE/DELETE on the timeline is not installed here: it belongs to the
database owner, not to the role the bot runs as (storage/sql/timeline_guard.sql, docs/operations.md).

Revision ID: 0004_security_events
Revises: 0003_classifier_examples
Create Date: 2026-12-05 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_security_events'
down_revision = '0003_classifier_examples'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incident_reporters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('ix_incidents_reporter_created', ['reporter_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_reporter_created')
    with op.batch_alter_table('incident_reporters', schema=None) as batch_op:
        batch_op.drop_column('granted')
