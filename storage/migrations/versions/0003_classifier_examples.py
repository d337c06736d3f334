"""classifier_examples: messages labelled by staff, for evaluating and retraining the report classifier

Revision ID: 0003_classifier_examples
Revises: 0002_timeline_type_at
Create Date: 2026-12-05 12:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_classifier_examples'
down_revision = '0002_timeline_type_at'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('classifier_examples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('predicted_kind', sa.String(length=40), nullable=False),
    sa.Column('predicted_outcome', sa.String(length=10), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('classifier_examples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classifier_examples_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('classifier_examples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classifier_examples_incident_id'))
    op.drop_table('classifier_examples')
