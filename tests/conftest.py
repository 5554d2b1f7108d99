"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from PORCH_TEST_POSTGRES_URL (default: the local server on 127.0.0.1:5432,
database porch_test, created when missing). When it cannot be reached, the PostgreSQL half
of the suite is reported loudly as skipped with instructions — and under CI=true the run
fails instead, because CI must test both backends.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from porch.config import Settings
from porch.mail.senders import LogSender
from porch.services.context import Context
from porch.storage.engine import create_database_engine, sqlalchemy_url
from porch.storage.migrate import upgrade
from porch.storage.schema import metadata
from porch.storage.unit_of_work import UnitOfWork
from tests.mail_sink import SmtpSink

POSTGRES_SERVER_URL = os.environ.get("PORCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/porch_test")
# Each test session gets its own database, so concurrent runs (several developers, CI) never
# drop each other's tables; it is dropped when the session ends.
POSTGRES_URL = str(
    make_url(POSTGRES_SERVER_URL)
    .set(database=f"{make_url(POSTGRES_SERVER_URL).database}_{os.getpid()}")
    .render_as_string(hide_password=False)
)
BACKENDS = [b.strip() for b in os.environ.get("PORCH_TEST_DATABASES", "sqlite,postgresql").split(",") if b.strip()]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
HOW_TO_GET_POSTGRES = (
    "PostgreSQL is not reachable at {url} ({error}). Install and start one "
    "(Debian: `apt-get install postgresql && pg_ctlcluster 15 main start`), point "
    "PORCH_TEST_POSTGRES_URL at another, or run `make test-sqlite` for the SQLite half only."
)

_postgres_problem: str | None = None


def _ensure_postgres_database(url: str) -> None:
    target = make_url(sqlalchemy_url(url))
    admin = create_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def pytest_configure(config: pytest.Config) -> None:
    global _postgres_problem
    if "postgresql" not in BACKENDS:
        return
    try:
        _ensure_postgres_database(POSTGRES_URL)
    except Exception as exc:  # any failure to connect means "not available"; reported below
        _postgres_problem = HOW_TO_GET_POSTGRES.format(url=POSTGRES_URL, error=exc.__class__.__name__)
        if IN_CI:
            raise pytest.UsageError("CI=true requires PostgreSQL. " + _postgres_problem) from exc


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_problem:
        terminalreporter.write_sep("!", "POSTGRESQL TESTS DID NOT RUN", red=True, bold=True)
        terminalreporter.write_line(_postgres_problem, red=True)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_database_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _drop_postgres_database(url: str) -> None:
    target = make_url(sqlalchemy_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    if _postgres_problem:
        pytest.skip(_postgres_problem)
    engine = create_database_engine(POSTGRES_URL)
    upgrade(engine)
    yield engine
    engine.dispose()
    _drop_postgres_database(POSTGRES_URL)


def _truncate(engine: Engine) -> None:
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        database = tmp_path / "porch.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        engine = create_database_engine(f"sqlite:///{database}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        _truncate(engine)
        yield engine


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mail() -> LogSender:
    return LogSender()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback (aiosmtpd); modules that mail through it override ``mail``."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def ctx(engine: Engine, clock: Clock, mail: LogSender) -> Context:
    return Context(
        uow=lambda write=False: UnitOfWork(engine, write=write), mail=mail, base_url="http://porch.test", clock=clock
    )


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite:///unused.db", base_url="http://porch.test")


@pytest.fixture
def client(settings: Settings, ctx: Context):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from porch.web.app import create_app

    with TestClient(create_app(settings, context=ctx), base_url="http://porch.test") as test_client:
        yield test_client


@dataclass
class QueryCounter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(engine: Engine) -> Iterator[QueryCounter]:
    counter = QueryCounter()

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield counter
    event.remove(engine, "before_cursor_execute", record)
