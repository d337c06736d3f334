"""incident actors: the display name of each colleague who acted on an incident, for the records

Only reporters (incident_reporters) and the acknowledger (incidents.acknowledged_by) had names; a colleague who
completed or skipped a step, corrected the kind or closed the incident was shown by platform id in the timeline and
the Word report. Retention blanks these names with the reporters'.

Revision ID: 0008_incident_actors
Revises: 0007_inbox_deliveries
Create Date: 2026-12-06 08:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_incident_actors'
down_revision = '0007_inbox_deliveries'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident_actors',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('incident_id', sa.Integer(), nullable=False),
                    sa.Column('user_id', sa.String(length=120), nullable=False),
                    sa.Column('name', sa.String(length=200), nullable=False),
                    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id']),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('incident_id', 'user_id'))
    with op.batch_alter_table('incident_actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_actors_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_actors_incident_id'))
    op.drop_table('incident_actors')
