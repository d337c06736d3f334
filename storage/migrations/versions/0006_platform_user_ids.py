"""platform user ids: every stored user id namespaced by its chat platform ("slack:U…", "teams:…", "console:…")

Before this, a Teams activity whose from.id was a Slack user id listed as a PR member was that PR member
(issue 13). Rewritten with bot.identity.namespaced, the one rule the table-vs-chain check also applies to the
timeline's hashed events (which are never rewritten, so `timeline verify` keeps passing):

- an id that already carries a platform is kept;
- a Slack-shaped id (U…/W…, capitals and digits) is Slack's; a console-… id the console's;
- otherwise the chat platform of the incident the row belongs to (incidents.conversation_platform) decides;
- without one, a Teams-shaped id (29:…, an Entra ID object id) is Teams'; anything else is kept as it is, and
  then matches no configured (namespaced) id: it fails closed.

Columns: incidents.reporter_id, incident_reporters.user_id, step_states.actor, classifier_examples.actor.
incidents.acknowledged_by holds a display name (the id only when there was no name) and is left as it is.
The downgrade strips the prefixes again.

Revision ID: 0006_platform_user_ids
Revises: 0004_security_events
Create Date: 2026-12-05 15:00:00
"""
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from bot.identity import namespaced, split

revision = '0006_platform_user_ids'
down_revision = '0005_wide_conversation_ids'
branch_labels = None
depends_on = None

# (table, id column, user id column, how to reach the incident's conversation platform)
_COLUMNS = (
    ('incidents', 'id', 'reporter_id', 'id'),
    ('incident_reporters', 'id', 'user_id', 'incident_id'),
    ('step_states', 'id', 'actor', 'incident_id'),
    ('classifier_examples', 'id', 'actor', 'incident_id'),
)


def _rewrite(change: Callable[[str, str | None], str]) -> None:
    bind = op.get_bind()
    incidents = sa.table('incidents', sa.column('id', sa.Integer), sa.column('conversation_platform', sa.String))
    platforms = dict(bind.execute(sa.select(incidents.c.id, incidents.c.conversation_platform)).all())
    for table_name, key, column, incident_column in _COLUMNS:
        table = sa.table(table_name, sa.column(key, sa.Integer), sa.column(column, sa.String),
                         *([sa.column(incident_column, sa.Integer)] if incident_column != key else []))
        rows = bind.execute(sa.select(table.c[key], table.c[column], table.c[incident_column])).all()
        for row_id, user_id, incident_id in rows:
            if user_id is None:
                continue
            new = change(user_id, platforms.get(incident_id))
            if new != user_id:
                bind.execute(sa.update(table).where(table.c[key] == row_id).values({column: new}))


def upgrade() -> None:
    _rewrite(namespaced)


def downgrade() -> None:
    _rewrite(lambda user_id, _platform: split(user_id)[1])
