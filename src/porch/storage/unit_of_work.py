"""One transaction, the repositories that work inside it, and what runs after it commits."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from porch.storage.engine import group_committer
from porch.storage.group_commit import Member
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
        self._member: Member | None = None  # SQLite writes: this unit's share of a group commit

    def __enter__(self) -> Self:
        committer = group_committer(self._engine) if self._write else None
        if committer is not None:
            self._member = committer.join()  # waits for this writer's turn (storage/group_commit.py)
            connection = self._member.connection
        else:
            connection = self._engine.connect()
            if self._write:
                connection = connection.execution_options(porch_write=True)
            try:
                connection.begin()
            except BaseException:
                connection.close()
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
        """Commit; on SQLite, return once the batch carrying these changes is on disk."""
        if self._member is not None:
            self._member.commit()
        else:
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
        self._connection = None
        if self._member is not None:
            member, self._member = self._member, None
            member.rollback()  # uncommitted work goes; nothing if it committed
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()
