"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from porch.storage.migrate import pending_revisions
from porch.storage.schema import metadata


def test_migrated_database_matches_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrated_database_is_at_head(engine: Engine) -> None:
    assert pending_revisions(engine) is False
