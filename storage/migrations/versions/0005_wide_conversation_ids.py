"""wide conversation ids: full Teams ids in platform_refs and incidents.conversation_*

Teams personal-chat ids are longer than the 120 characters these columns held; the Teams adapter stored a
digest ("sha256:…") instead and the full id in 120-character pieces (refs "conversation:N"). The columns become
512 characters wide and every digest whose pieces are stored is replaced by the full id (its digest checked),
in platform_refs and in incidents.conversation_channel; the pieces are then removed. A digest whose pieces are
missing cannot be converted (the adapter before this revision could not reach that conversation either): it is
left as it is and logged.

Revision ID: 0005_wide_conversation_ids
Revises: 0004_security_events
Create Date: 2026-12-05 15:00:00
"""
import hashlib
import logging

import sqlalchemy as sa
from alembic import op

revision = '0005_wide_conversation_ids'
down_revision = '0004_security_events'
branch_labels = None
depends_on = None

WIDE, NARROW = 512, 120
KEY_PREFIX = "sha256:"
log = logging.getLogger("alembic.runtime.migration")


def _widen(width: int) -> None:
    # SQLite does not enforce VARCHAR lengths, and rebuilding `incidents` (batch mode) would trip its foreign keys.
    if op.get_bind().dialect.name == 'sqlite':
        return
    op.alter_column('platform_refs', 'channel', type_=sa.String(width), existing_nullable=False)
    op.alter_column('platform_refs', 'ts', type_=sa.String(width), existing_nullable=True)
    op.alter_column('incidents', 'conversation_channel', type_=sa.String(width), existing_nullable=True)
    op.alter_column('incidents', 'conversation_thread', type_=sa.String(width), existing_nullable=True)


def _convert() -> None:
    """Digests replaced by the full ids their pieces spell (see the module docstring)."""
    bind = op.get_bind()
    refs = sa.table('platform_refs', sa.column('incident_id', sa.Integer), sa.column('platform', sa.String),
                    sa.column('purpose', sa.String), sa.column('channel', sa.String), sa.column('ts', sa.String))
    incidents = sa.table('incidents', sa.column('id', sa.Integer), sa.column('conversation_channel', sa.String))
    rows = bind.execute(sa.select(refs.c.incident_id, refs.c.purpose, refs.c.channel, refs.c.ts).where(
        refs.c.platform == 'teams', refs.c.purpose.like('conversation:%'))).all()
    pieces: dict[int, dict[int, str]] = {}
    for incident_id, purpose, channel, ts in rows:
        try:
            number = int(str(purpose).split(':', 1)[1])
        except ValueError:
            continue
        pieces.setdefault(incident_id, {})[number] = (channel or '') + (ts or '')
    for incident_id, parts in pieces.items():
        full = ''.join(parts[n] for n in sorted(parts))
        key = KEY_PREFIX + hashlib.sha256(full.encode('utf-8')).hexdigest()
        bind.execute(sa.update(refs).where(refs.c.incident_id == incident_id, refs.c.platform == 'teams',
                                           refs.c.channel == key).values(channel=full))
        bind.execute(sa.update(incidents).where(incidents.c.id == incident_id,
                                                incidents.c.conversation_channel == key
                                                ).values(conversation_channel=full))
        bind.execute(sa.delete(refs).where(refs.c.incident_id == incident_id, refs.c.platform == 'teams',
                                           refs.c.purpose.like('conversation:%')))
    left = bind.execute(sa.select(sa.func.count()).select_from(refs).where(
        refs.c.platform == 'teams', refs.c.channel.like(KEY_PREFIX + '%'))).scalar_one()
    if left:
        log.warning("0005_wide_conversation_ids: %s Teams refs keep a digest (their pieces are missing)", left)


def upgrade() -> None:
    _widen(WIDE)
    _convert()


def downgrade() -> None:
    # Ids longer than 120 characters do not fit the narrow columns again: cut (the old adapter's digests are
    # not rebuilt; such conversations are not reachable after a downgrade).
    bind = op.get_bind()
    for table, columns in (('platform_refs', ('channel', 'ts')),
                           ('incidents', ('conversation_channel', 'conversation_thread'))):
        for column in columns:
            col = sa.column(column, sa.String)
            bind.execute(sa.update(sa.table(table, col)).where(sa.func.length(col) > NARROW)
                         .values({column: sa.func.substr(col, 1, NARROW)}))
    _widen(NARROW)
