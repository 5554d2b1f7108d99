"""Run Alembic migrations from code (no alembic.ini to find, no environment to read)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from porch.storage.thread_versions import create_version_triggers

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply every migration. ``heads``: features may add independent branches off one base
    (each feature's tables in its own revision); all of them are applied."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        # Branches apply in no fixed order and SQLite's batch mode rebuilds tables (dropping their
        # triggers): install the thread-version triggers again once every migration has run.
        create_version_triggers(connection)


def pending_revisions(engine: Engine) -> bool:
    """Whether the database is behind the code's newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current != heads


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration (developers: `porch migrate --new MESSAGE`)."""
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
