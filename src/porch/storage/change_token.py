"""A cheap answer to "has anything been committed to the database since I last looked?".

The hot read path (web/hot_reads.py) keeps the responses it served last and serves them again
without a query while the database is unchanged. It needs a token that moves on *every* commit
by *any* writer — another worker process, the CLI, an import, an admin's sqlite3 shell — and
costs microseconds to read, since it is read in the event loop on every hot request.

SQLite has exactly that: ``PRAGMA data_version`` on a connection changes whenever another
connection (of any process) has committed since the connection last asked, and reading it
costs one read transaction on the WAL index (~4 µs here), no table, no SQL parsing beyond the
pragma. This module holds one dedicated connection per process that never writes, so every
commit counts as "another connection's".

PostgreSQL has nothing as cheap and as complete (LISTEN/NOTIFY arrives after the commit is
acknowledged, so a reader could be served a page older than a write it was told about): there
:func:`change_token_source` returns None and readers take the validating query every time.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger("porch.storage")
BUSY_TIMEOUT_MS = 20


class SqliteChangeToken:
    """``current()``: a number that differs after any commit to the database by anyone."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._connection: Any = None  # a pool connection kept for the life of the process
        self._lock = threading.Lock()

    def current(self) -> int | None:
        """The database's data version now; None when it cannot be read (the caller must then ask
        the database the long way)."""
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._engine.raw_connection()
                    # Read in the event loop: never wait long (a WAL recovery, say); the caller
                    # then asks the database the long way, in the thread pool.
                    self._connection.driver_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                row = self._connection.driver_connection.execute("PRAGMA data_version").fetchone()
            except Exception as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):  # broken, not busy: start afresh
                    log.warning("could not read PRAGMA data_version", exc_info=True)
                    self._drop()
                return None
            return int(row[0])

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # already gone; nothing more to release
                connection.invalidate()

    def close(self) -> None:
        with self._lock:
            self._drop()  # not back to the pool: it carries the short busy timeout


def change_token_source(engine: Engine) -> SqliteChangeToken | None:
    """The change token of an on-disk SQLite database; None for anything else."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return SqliteChangeToken(engine)
