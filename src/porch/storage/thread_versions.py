"""``threads.version``: a number that every change to a thread's comments moves forward.

Readers keep prepared thread pages (encoded JSON) keyed by the thread's version and check it
with one cheap query before serving them (services/prepared_threads.py); a page is right as
long as no write to the thread's comments went unnoticed.

Why database triggers rather than a bump in the repositories:

- Every writer of ``comments`` invalidates, including code that does not exist yet or never
  heard of the cache: moderation, imports, notifications, an admin's SQL, a second worker
  process or machine. A forgotten ``bump_version()`` would serve a stale thread until the
  next unrelated write — a bug no test of the forgetting feature would notice.
- The bump commits or rolls back with the change itself, in the same transaction.
- Votes need nothing of their own: the page shows the tallies on the comment row, and a vote
  moves them with an UPDATE of ``comments``, which the trigger sees. Anything else in a page
  (the thread's title, closed flag, the site's settings) is read by the validating query and
  is part of the cache key, so it needs no version.

The cost is one UPDATE of the thread's row per statement (PostgreSQL: statement-level
triggers with transition tables, so an import inserting a thousand rows bumps once) or per
row (SQLite, which has only row triggers; each bump is a primary-key update on a page that
is already in cache). On PostgreSQL the bump takes the thread row's lock until commit: writes
to one thread serialise, which publishing a comment already did through ``comment_count``.

A caveat for future migrations on SQLite: Alembic's batch mode rebuilds a table by copying it,
and dropping the old ``comments`` table drops its triggers. A migration that rebuilds
``comments`` must call :func:`create_version_triggers` again;
tests/integration/test_prepared_threads.py fails if the migrated database lost them.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

SQLITE_TRIGGERS = {
    "comments_version_insert": """
        CREATE TRIGGER IF NOT EXISTS comments_version_insert AFTER INSERT ON comments
        BEGIN UPDATE threads SET version = version + 1 WHERE id = NEW.thread_id; END""",
    "comments_version_update": """
        CREATE TRIGGER IF NOT EXISTS comments_version_update AFTER UPDATE ON comments
        BEGIN UPDATE threads SET version = version + 1 WHERE id IN (OLD.thread_id, NEW.thread_id); END""",
    "comments_version_delete": """
        CREATE TRIGGER IF NOT EXISTS comments_version_delete AFTER DELETE ON comments
        BEGIN UPDATE threads SET version = version + 1 WHERE id = OLD.thread_id; END""",
}

POSTGRES_FUNCTIONS = {
    # One function per event: transition tables differ (INSERT has only NEW, DELETE only OLD).
    "porch_version_after_insert": "SELECT thread_id FROM changed_new",
    "porch_version_after_update": "SELECT thread_id FROM changed_new UNION SELECT thread_id FROM changed_old",
    "porch_version_after_delete": "SELECT thread_id FROM changed_old",
}
POSTGRES_TRIGGERS = {
    "comments_version_insert": ("INSERT", "NEW TABLE AS changed_new", "porch_version_after_insert"),
    "comments_version_update": (
        "UPDATE",
        "OLD TABLE AS changed_old NEW TABLE AS changed_new",
        "porch_version_after_update",
    ),
    "comments_version_delete": ("DELETE", "OLD TABLE AS changed_old", "porch_version_after_delete"),
}


def create_version_triggers(connection: Connection) -> None:
    """Install the triggers that bump ``threads.version`` (idempotent; nothing before migration 0008)."""
    if "version" not in {column["name"] for column in inspect(connection).get_columns("threads")}:
        return
    if connection.dialect.name == "sqlite":
        for ddl in SQLITE_TRIGGERS.values():
            connection.execute(text(ddl))
        return
    for function, thread_ids in POSTGRES_FUNCTIONS.items():
        connection.execute(
            text(
                f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN UPDATE threads SET version = version + 1 WHERE id IN ({thread_ids}); RETURN NULL; END $$"
            )
        )
    for trigger, (event, referencing, function) in POSTGRES_TRIGGERS.items():
        connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger} ON comments"))
        connection.execute(
            text(
                f"CREATE TRIGGER {trigger} AFTER {event} ON comments REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        )


def drop_version_triggers(connection: Connection) -> None:
    """Remove what :func:`create_version_triggers` installed."""
    for trigger in SQLITE_TRIGGERS:
        if connection.dialect.name == "sqlite":
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        else:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger} ON comments"))
    if connection.dialect.name != "sqlite":
        for function in POSTGRES_FUNCTIONS:
            connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def installed_version_triggers(connection: Connection) -> set[str]:
    """The names of the version triggers the database has (for tests and `porch` checks)."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        rows = connection.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'comments'::regclass AND NOT tgisinternal")
        )
    return {row[0] for row in rows} & set(SQLITE_TRIGGERS)
