"""Group commit on SQLite (storage/group_commit.py): writers queued at the gate share one COMMIT,
each returns only once that COMMIT is done, and one writer's failure leaves the others' work.

SQLite only: PostgreSQL writers commit alone (there is no committer to test there).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, func, insert, select

from porch.storage.engine import create_database_engine, group_committer
from porch.storage.group_commit import GroupCommitter
from porch.storage.migrate import upgrade
from porch.storage.schema import people
from porch.storage.unit_of_work import UnitOfWork

WAIT = 30.0  # seconds; only a hang would reach it


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    import shutil

    database = tmp_path / "porch.db"
    shutil.copyfile(sqlite_template, database)
    engine = create_database_engine(f"sqlite:///{database}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _names(engine: Engine) -> set[str]:
    with engine.connect() as connection:  # a connection of its own: sees only what is committed
        return set(connection.execute(select(people.c.display_name)).scalars())


def _add_person(uow: UnitOfWork, name: str) -> None:
    uow.connection.execute(insert(people).values(display_name=name, created_at=func.current_timestamp()))


def _writer(engine: Engine, name: str, results: dict[str, str], fail: bool = False) -> Callable[[], None]:
    def write() -> None:
        try:
            with UnitOfWork(engine, write=True) as uow:
                _add_person(uow, name)
                if fail:
                    raise ValueError("refused")
                uow.commit()
            results[name] = "committed" if name in _names(engine) else "acknowledged but not visible"
        except ValueError:
            results[name] = "refused"

    return write


def test_writers_waiting_in_line_share_one_commit_and_return_after_it(sqlite_engine: Engine) -> None:
    committer = group_committer(sqlite_engine)
    assert isinstance(committer, GroupCommitter)
    results: dict[str, str] = {}
    commits_before = committer.commits
    with UnitOfWork(sqlite_engine, write=True) as first:  # holds the turn while the others queue
        _add_person(first, "first")
        threads = [threading.Thread(target=_writer(sqlite_engine, name, results)) for name in ("second", "third")]
        for thread in threads:
            thread.start()
        assert committer.turn.wait_for_waiting(2, WAIT)
        assert _names(sqlite_engine) == set()
        first.commit()  # hands the turn on; returns once the batch carrying "first" is committed
        assert "first" in _names(sqlite_engine)
    for thread in threads:
        thread.join(WAIT)
    assert results == {"second": "committed", "third": "committed"}
    assert committer.commits - commits_before == 1  # three writers, one COMMIT (one fsync)
    assert _names(sqlite_engine) == {"first", "second", "third"}


def test_a_failing_writer_in_a_batch_loses_only_its_own_changes(sqlite_engine: Engine) -> None:
    committer = group_committer(sqlite_engine)
    assert committer is not None
    results: dict[str, str] = {}
    with UnitOfWork(sqlite_engine, write=True) as first:
        _add_person(first, "first")
        failing = threading.Thread(target=_writer(sqlite_engine, "failing", results, fail=True))
        failing.start()
        assert committer.turn.wait_for_waiting(1, WAIT)
        last = threading.Thread(target=_writer(sqlite_engine, "last", results))
        last.start()
        assert committer.turn.wait_for_waiting(2, WAIT)
        first.commit()
    for thread in (failing, last):
        thread.join(WAIT)
    assert results == {"failing": "refused", "last": "committed"}
    assert _names(sqlite_engine) == {"first", "last"}


def test_a_lone_writer_commits_at_once_and_a_rolled_back_one_leaves_nothing(sqlite_engine: Engine) -> None:
    with UnitOfWork(sqlite_engine, write=True) as uow:
        _add_person(uow, "alone")
        uow.commit()
        assert "alone" in _names(sqlite_engine)
    with UnitOfWork(sqlite_engine, write=True) as uow:
        _add_person(uow, "never")
    assert _names(sqlite_engine) == {"alone"}


def test_a_write_opened_inside_a_write_fails_at_once_instead_of_waiting_for_itself(sqlite_engine: Engine) -> None:
    with UnitOfWork(sqlite_engine, write=True), pytest.raises(RuntimeError, match="inside another"):
        UnitOfWork(sqlite_engine, write=True).__enter__()
    with UnitOfWork(sqlite_engine, write=True) as uow:  # the turn was handed back
        _add_person(uow, "after")
        uow.commit()
    assert _names(sqlite_engine) == {"after"}


def test_many_concurrent_writers_all_land(sqlite_engine: Engine) -> None:
    results: dict[str, str] = {}
    names = [f"writer {n}" for n in range(24)]
    threads = [threading.Thread(target=_writer(sqlite_engine, name, results)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert results == dict.fromkeys(names, "committed")
    assert _names(sqlite_engine) == set(names)
