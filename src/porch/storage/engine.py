"""From a plain database URL to a configured SQLAlchemy engine.

People write ``sqlite:///var/porch.db`` or ``postgresql://user@host/db``; which driver
talks to the server is Porch's business (psycopg 3 for PostgreSQL).

SQLite is tuned for a server that acknowledges writes: WAL (readers never block the
writer), foreign keys on, a busy timeout instead of instant "database is locked", and
``synchronous=FULL`` so a comment we answered 201 for survives a power cut. Write
transactions start with ``BEGIN IMMEDIATE``: taking the write lock up front means two
writers queue on the busy timeout instead of one failing when it upgrades a read lock.
"""

from __future__ import annotations

import fcntl
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from porch.storage.group_commit import GroupCommitter

SQLITE_BUSY_TIMEOUT_MS = 10_000


class UnsupportedDatabase(ValueError):
    pass


def sqlalchemy_url(url: str) -> str:
    """Translate a plain URL into one naming Porch's driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+pysqlite").render_as_string(hide_password=False))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise UnsupportedDatabase(
        f"unsupported database URL {parsed.render_as_string()!r}: "
        "use sqlite:///path/porch.db or postgresql://user@host:5432/db"
    )


def create_database_engine(url: str, **engine_options: Any) -> Engine:
    real_url = make_url(sqlalchemy_url(url))
    if real_url.get_backend_name() == "sqlite":
        return _sqlite_engine(real_url, **engine_options)
    options: dict[str, Any] = {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}
    options.update(engine_options)
    return create_engine(real_url, **options)


class WriteGate:
    """Writers to one SQLite file take turns here before ``BEGIN IMMEDIATE``.

    SQLite's own busy handler makes a waiting writer sleep and poll (1, 2, 5 … 100 ms), so under
    32 concurrent posts the tail latency is a sum of sleeps, not of work. Writers queue instead:
    in arrival order within a worker (storage/group_commit.py, which also lets the queued ones
    share a commit), and on an ``flock`` of a file beside the database across workers, so the
    next one starts the moment the previous one commits. The busy timeout stays as the backstop
    for writers outside Porch (the sqlite3 shell, a backup).
    """

    def __init__(self, lock_path: Path | None):
        self._file = open(lock_path, "a+b") if lock_path else None  # noqa: SIM115 - held for the engine's life

    def lock(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)

    def unlock(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)


_group_committers: weakref.WeakKeyDictionary[Engine, GroupCommitter] = weakref.WeakKeyDictionary()


def group_committer(engine: Engine) -> GroupCommitter | None:
    """Where writers to this engine's database queue and share commits (SQLite only)."""
    return _group_committers.get(engine)


def _sqlite_engine(url: Any, **engine_options: Any) -> Engine:
    database = url.database
    on_disk = bool(database) and database != ":memory:"
    if on_disk:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # Enough connections for the request threads of one worker: an overflowing pool opens and
    # throws away connections, each paying the PRAGMA set-up below.
    options: dict[str, Any] = {"pool_size": 20, "max_overflow": 20} if on_disk else {}
    options.update(engine_options)
    engine = create_engine(url, connect_args={"check_same_thread": False}, **options)
    _group_committers[engine] = GroupCommitter(engine, WriteGate(Path(f"{database}.write-lock") if on_disk else None))

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below issue BEGIN itself (pysqlite's own implicit
        # transactions would start too late and never IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        write = connection.get_execution_options().get("porch_write", False)
        # On the driver's connection: through exec_driver_sql this cost ~35 us of SQLAlchemy's
        # Python per transaction (two per post), for a statement with nothing to compile or convert.
        connection.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
