"""inbox deliveries: an Events API delivery is stored before its HTTP 200 and run after it (bot/delivery/inbox.py)

A row lives from the delivery's arrival until the core has run it, then it is deleted; rows left by a crash are
run again at the next start. The primary key (platform, delivery id) makes a platform's redelivery of a stored
delivery store nothing twice.

Revision ID: 0007_inbox_deliveries
Revises: 0006_platform_user_ids
Create Date: 2026-12-06 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_inbox_deliveries'
down_revision = '0006_platform_user_ids'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_deliveries',
                    sa.Column('platform', sa.String(length=30), nullable=False),
                    sa.Column('key', sa.String(length=200), nullable=False),
                    sa.Column('body', sa.Text(), nullable=False),
                    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('platform', 'key'))
    with op.batch_alter_table('inbox_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_deliveries_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_deliveries_received_at'))
    op.drop_table('inbox_deliveries')
