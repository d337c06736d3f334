"""timeline_events (type, at) index for weekly summaries

Without it, SQLite (which keeps no statistics unless ANALYZE runs) answers "events of type T during week W"
through ix_timeline_events_type and reads every event of that type in the whole history. With (type, at)
both SQLite and PostgreSQL read only the week's events of that type.

Revision ID: 0002_timeline_type_at
Revises: 0001
Create Date: 2026-11-21 10:00:00
"""
from alembic import op

revision = '0002_timeline_type_at'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.create_index('ix_timeline_events_type_at', ['type', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.drop_index('ix_timeline_events_type_at')
