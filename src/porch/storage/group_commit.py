"""Group commit for SQLite: writers queued at the gate share one transaction and one fsync.

With ``synchronous=FULL`` every commit waits for the disk (fsync of the WAL: ~0.5 ms on a quiet
disk here, tens of ms when the machine is busy), and SQLite has one writer at a time, so posting
under load was a queue of fsyncs. Here writers in one process take turns in arrival order (a FIFO
ticket, fair where a plain lock is not), and each runs its unit of work inside a SAVEPOINT of one
open transaction. When a writer finishes and others are already waiting, it releases its savepoint
and hands the turn on *without* committing; the last writer of the run (nobody waiting, or the
batch is full) commits for everyone, and only then does any of them return. So:

- acknowledged ⇒ durable still holds: ``uow.commit()`` returns only after the COMMIT that carries
  the writer's changes has reached the disk, and raises if that COMMIT failed;
- each writer sees the same database it would have seen had the batch's earlier writers
  committed one by one (they ran before it, on the same connection), and a writer that fails
  rolls back to its own savepoint without touching the others';
- after-commit callbacks (live events, mail) run after the real commit, as before.

Across worker processes the ``flock`` of the write gate (storage/engine.py) is held from the
first writer of a batch to its commit; a batch holds at most :data:`MAX_BATCH` writers so the
other workers get their turn.

Only on-disk SQLite databases batch; PostgreSQL writers run concurrently and commit alone.
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from typing import Any

from sqlalchemy import Connection, Engine

MAX_BATCH = 16


class FifoTurn:
    """A lock handed over in arrival order, that knows how many are waiting for it.

    Each waiter sleeps on a lock of its own and the holder wakes exactly the next one: a
    condition variable's ``notify_all`` would wake every waiter (and make each take the GIL)
    on every hand-over.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queued = threading.Condition(self._mutex)  # signalled when someone queues (tests)
        self._held = False
        self._queue: deque[threading.Lock] = deque()
        self._owner: int | None = None

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                # The holder would wait for itself forever: a write opened inside a write.
                raise RuntimeError("a write transaction was opened inside another one in the same thread")
            if not self._held:
                self._held = True
                self._owner = me
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._queue.append(waiter)
            self._queued.notify_all()
        waiter.acquire()  # released by the holder's release(): the turn is ours, still marked held
        with self._mutex:
            self._owner = me

    def release(self) -> None:
        with self._mutex:
            self._owner = None
            if self._queue:
                self._queue.popleft().release()
            else:
                self._held = False

    def wait_for_waiting(self, count: int, timeout: float) -> bool:
        """Block until ``count`` are queued behind the holder (tests use it to stage a batch)."""
        with self._queued:
            return self._queued.wait_for(lambda: len(self._queue) >= count, timeout)

    @property
    def waiting(self) -> int:
        """How many are queued behind the holder."""
        with self._mutex:
            return len(self._queue)


class _Batch:
    def __init__(self, connection: Connection):
        self.connection = connection
        self.members = 0  # writers whose changes ride on this batch's commit
        self.done = threading.Event()
        self.error: BaseException | None = None


class GroupCommitter:
    """One per SQLite engine: the turn, the cross-process lock, and the batch being filled."""

    def __init__(self, engine: Engine, file_lock: Any, max_batch: int = MAX_BATCH):
        self._engine = weakref.ref(engine)  # the engine owns this, not the other way round
        self._file_lock = file_lock  # WriteGate's flock half: .lock() / .unlock()
        self.turn = FifoTurn()
        self._batch: _Batch | None = None
        self.max_batch = max_batch
        self.commits = 0  # COMMITs issued (tests and benchmarks read the batching from these)
        self.members_committed = 0

    def join(self) -> Member:
        """Wait for this thread's turn and open its savepoint in the current batch."""
        self.turn.acquire()
        try:
            if self._batch is None:
                self._file_lock.lock()
                try:
                    engine = self._engine()
                    assert engine is not None, "writing through a disposed engine"
                    connection = engine.connect().execution_options(porch_write=True)
                    try:
                        connection.begin()
                    except BaseException:
                        connection.close()
                        raise
                except BaseException:
                    self._file_lock.unlock()
                    raise
                self._batch = _Batch(connection)
            batch = self._batch
            savepoint = _Savepoint(batch.connection)
        except BaseException:
            if self._batch is not None:
                self._leave(self._batch, committed=False)  # hands the turn on, or commits the others
            else:
                self.turn.release()
            raise
        return Member(self, batch, savepoint)

    def _leave(self, batch: _Batch, committed: bool) -> None:
        """The member holding the turn is done: hand the turn on, or commit the batch and then hand
        it on. A committed member returns once its batch is durable (raising if it is not)."""
        if committed:
            batch.members += 1
        if batch.error is None and batch.members and batch.members < self.max_batch and self.turn.waiting > 0:
            self.turn.release()  # the next writer joins this batch; someone after it commits
            if committed:
                batch.done.wait()
                if batch.error is not None:
                    raise batch.error
            return
        # Last of the run: make the batch durable (or throw away an empty one), then let the next in.
        self._batch = None
        try:
            if batch.members and batch.error is None:  # a failed member's changes are never committed
                batch.connection.commit()
                self.commits += 1
                self.members_committed += batch.members
        except BaseException as exc:
            batch.error = exc
        finally:
            try:
                batch.connection.close()
            finally:
                self._file_lock.unlock()
                batch.done.set()
                self.turn.release()
        if committed and batch.error is not None:
            raise batch.error


class _Savepoint:
    """A writer's savepoint, issued on the driver's connection: SQLAlchemy's ``begin_nested``
    compiled and dispatched each SAVEPOINT and RELEASE, a tenth of a post's CPU. SQLAlchemy does
    not track it, and needs not: savepoints a unit of work opens itself (``begin_nested``)
    nest inside it and are closed before it is; the batch's transaction is SQLAlchemy's."""

    NAME = "porch_writer"

    def __init__(self, connection: Connection):
        self._driver = connection.connection.dbapi_connection
        assert self._driver is not None
        self._driver.execute(f"SAVEPOINT {self.NAME}")
        self.is_active = True

    def commit(self) -> None:
        self._driver.execute(f"RELEASE {self.NAME}")
        self.is_active = False

    def rollback(self) -> None:
        self._driver.execute(f"ROLLBACK TO {self.NAME}")
        self._driver.execute(f"RELEASE {self.NAME}")
        self.is_active = False


class Member:
    """One unit of work's share of a batch: its savepoint, committed or rolled back once."""

    def __init__(self, committer: GroupCommitter, batch: _Batch, savepoint: _Savepoint):
        self._committer = committer
        self._batch = batch
        self._savepoint = savepoint
        self._left = False

    @property
    def connection(self) -> Connection:
        return self._batch.connection

    def commit(self) -> None:
        """Keep this writer's changes and return once they are durable (raises if they are not)."""
        if self._left:
            return
        self._left = True
        try:
            self._savepoint.commit()
        except BaseException:
            self._rollback_quietly()
            self._committer._leave(self._batch, committed=False)
            raise
        self._committer._leave(self._batch, committed=True)

    def rollback(self) -> None:
        """Drop this writer's changes (the batch's others stay); nothing if it has left already."""
        if self._left:
            return
        self._left = True
        self._rollback_quietly()
        self._committer._leave(self._batch, committed=False)

    def _rollback_quietly(self) -> None:
        try:
            if self._savepoint.is_active:
                self._savepoint.rollback()
        except Exception:
            # The connection itself failed: the whole batch is lost, and its writers must hear so.
            self._batch.error = self._batch.error or RuntimeError("the write batch's connection failed")
