"""One transaction, the repositories that work inside it, and what runs after it commits."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from porch.storage.engine import WriteGate, write_gate
from porch.storage.repositories.accounts import AccountRepository
from porch.storage.repositories.comments import CommentRepository
from porch.storage.repositories.people import PersonRepository
from porch.storage.repositories.sites import SiteRepository
from porch.storage.repositories.threads import ThreadRepository


class UnitOfWork:
    """``with uow_factory(write=True) as uow: ...; uow.commit()`` — uncommitted work rolls back."""

    sites: SiteRepository
    threads: ThreadRepository
    comments: CommentRepository
    people: PersonRepository
    accounts: AccountRepository

    def __init__(self, engine: Engine, *, write: bool = False):
        self._engine = engine
        self._write = write
        self._after_commit: list[Callable[[], None]] = []
        self._connection: Connection | None = None
        self._gate: WriteGate | None = None

    def __enter__(self) -> Self:
        self._gate = write_gate(self._engine) if self._write else None
        if self._gate is not None:
            self._gate.acquire()
        try:
            connection = self._engine.connect()
            if self._write:
                connection = connection.execution_options(porch_write=True)
            connection.begin()
        except BaseException:
            self._release_gate()
            raise
        self._connection = connection
        self.sites = SiteRepository(connection)
        self.threads = ThreadRepository(connection)
        self.comments = CommentRepository(connection)
        self.people = PersonRepository(connection)
        self.accounts = AccountRepository(connection)
        return self

    @property
    def connection(self) -> Connection:
        assert self._connection is not None, "use the unit of work in a with-block"
        return self._connection

    @property
    def for_update(self) -> bool:
        """Whether row locks are meaningful (PostgreSQL); SQLite's BEGIN IMMEDIATE already serialises."""
        return self.connection.dialect.name == "postgresql"

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(callback)

    def commit(self) -> None:
        self.connection.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection = self._connection
        if connection is None:
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()
            self._connection = None
            self._release_gate()

    def _release_gate(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()
