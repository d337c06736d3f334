"""Alembic environment: runs against the engine handed in by storage.db.migrate."""

from alembic import context
from sqlalchemy import create_engine, text

from storage.models import Base

config = context.config
target_metadata = Base.metadata
# PostgreSQL advisory lock key (any fixed number): instances started together (a deploy of N behind a load
# balancer) migrate one after the other instead of racing on CREATE TABLE; the later ones find the schema current.
MIGRATION_LOCK_KEY = 5_202_611_180


def run_migrations_online() -> None:
    """Run migrations on the engine given by the caller (or the URL in sqlalchemy.url)."""
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Held until the commit below; every statement after it sees what the previous holder committed.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
