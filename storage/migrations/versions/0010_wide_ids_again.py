"""wide ids again: the 512-character conversation columns for a database that skipped 0005

For about twenty minutes on 2026-12-05 main held 0006_platform_user_ids revising 0004 directly (merge ffd1bb2);
a database made then is stamped 0006, so Alembic never ran 0005_wide_conversation_ids on it, and on PostgreSQL its
conversation columns stayed 120 characters: a Teams personal-chat id (longer) cannot be stored. Here every such
column still narrower than 512 is widened and 0005's digest conversion runs (it changes nothing where there is
nothing to convert). SQLite does not enforce VARCHAR lengths.

Revision ID: 0010_wide_ids_again
Revises: 0009_ack_time_from_chain
Create Date: 2026-12-06 18:10:00
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0010_wide_ids_again'
down_revision = '0009_ack_time_from_chain'
branch_labels = None
depends_on = None

WIDE = 512
COLUMNS = (('platform_refs', 'channel', False), ('platform_refs', 'ts', True),
           ('incidents', 'conversation_channel', True), ('incidents', 'conversation_thread', True))


def _revision_0005():  # noqa: ANN202 - the module of 0005, whose file name is not an importable name
    path = Path(__file__).with_name('0005_wide_conversation_ids.py')
    spec = importlib.util.spec_from_file_location('revision_0005', path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        return
    inspector = sa.inspect(bind)
    narrow = False
    for table, column, nullable in COLUMNS:
        found = {c['name']: c for c in inspector.get_columns(table)}.get(column)
        length = getattr(found['type'], 'length', None) if found else None
        if length is not None and length < WIDE:
            op.alter_column(table, column, type_=sa.String(WIDE), existing_nullable=nullable)
            narrow = True
    if narrow:
        _revision_0005()._convert()


def downgrade() -> None:
    pass  # 0005 owns the width; a database that had skipped it is not made narrow again
