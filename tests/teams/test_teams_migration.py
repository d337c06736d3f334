"""Migration 0005_wide_conversation_ids: the hashed-key workaround's rows become full conversation ids."""

from __future__ import annotations

import hashlib
from datetime import datetime

from alembic import command
from sqlalchemy import text

from storage.db import alembic_config, make_engine

CHAT = "a:1" + "y" * 200  # a personal chat id longer than the 120 characters the columns held
KEY = "sha256:" + hashlib.sha256(CHAT.encode("utf-8")).hexdigest()
AT = datetime(2026, 11, 18, 1, 0)
LOST = "sha256:" + "0" * 64  # a digest whose pieces are missing: left as it is


def _incident(conn, incident_id: int, channel: str) -> None:  # noqa: ANN001
    conn.execute(text(
        "INSERT INTO incidents (id, kind, status, severity, profile, restricted, reporter_id, reporter_name, "
        "classifier_confidence, created_at, updated_at, conversation_platform, conversation_channel, "
        "conversation_thread) VALUES (:i, 'flaming', 'reported', 'medium', 'asahikawa', :r, 'teams:u', 'u', 1.0, "
        ":at, :at, 'teams', :c, 'chat:1')"), {"i": incident_id, "c": channel, "r": False, "at": AT})


def _ref(conn, incident_id: int, purpose: str, channel: str, ts: str | None) -> None:  # noqa: ANN001
    conn.execute(text("INSERT INTO platform_refs (incident_id, platform, purpose, channel, ts, created_at) "
                      "VALUES (:i, 'teams', :p, :c, :t, :at)"),
                 {"i": incident_id, "p": purpose, "c": channel, "t": ts, "at": AT})


def test_hashed_conversation_keys_become_full_ids(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0004_security_events")
    with engine.begin() as conn:
        _incident(conn, 1, KEY)
        _ref(conn, 1, "conversation:1", CHAT[:120], CHAT[120:240])
        _ref(conn, 1, "thread", KEY, "chat:1")
        _ref(conn, 1, "intro", KEY, "1700")
        _ref(conn, 1, "pr_message", "19:pr@thread.tacv2", "1701")
        _incident(conn, 2, LOST)
        _ref(conn, 2, "thread", LOST, "chat:2")
    command.upgrade(config, "0005_wide_conversation_ids")
    with engine.connect() as conn:
        refs = dict(conn.execute(text("SELECT purpose, channel FROM platform_refs WHERE incident_id = 1")).all())
        assert refs == {"thread": CHAT, "intro": CHAT, "pr_message": "19:pr@thread.tacv2"}  # pieces removed
        channels = dict(conn.execute(text("SELECT id, conversation_channel FROM incidents")).all())
        assert channels == {1: CHAT, 2: LOST}
        assert conn.execute(text("SELECT channel FROM platform_refs WHERE incident_id = 2")).scalar_one() == LOST
    command.downgrade(config, "0004_security_events")  # reversible (long ids cut to the narrow columns)
    with engine.connect() as conn:
        cut = conn.execute(text("SELECT conversation_channel FROM incidents WHERE id = 1")).scalar_one()
        assert cut == CHAT[:120]
    engine.dispose()
