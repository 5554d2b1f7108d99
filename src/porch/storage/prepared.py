"""Statements compiled once per dialect and run straight on the driver's cursor.

SQLAlchemy's ``Connection.execute`` spends about 35 µs of Python on every statement before and
after the driver's own ~10 µs: the compiled-cache lookup, an execution context, event dispatch,
parameter processing, a result object. Posting a comment runs fifteen statements, so that was
a tenth of a post's CPU. :class:`Prepared` keeps, per dialect, the compiled SQL, the order of
its parameters, the literal and default values it binds, and the type processors for its
parameters and columns (the same ``bind_processor``/``result_processor`` SQLAlchemy itself
would use), and runs the statement on the DBAPI cursor of the connection's current
transaction. Rows come back as named tuples, converted as SQLAlchemy would convert them.

It takes only what it can run exactly like SQLAlchemy would; anything else raises at compile
time (``NotPreparable``) and is run through ``Connection.execute`` instead:
no expanding (``IN``) or post-compile parameters, and only scalar column defaults. And while
anyone listens for statements on the engine (``before_cursor_execute``: the tests' query
counters, tracing), every statement goes through ``Connection.execute`` so they see it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler


class NotPreparable(Exception):
    """The statement uses something :class:`Prepared` does not reproduce."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # parameters in the order the SQL names them
    positional: bool
    fixed: Mapping[str, Any]  # literal values and column defaults the statement binds itself
    bind: tuple[tuple[str, Callable[[Any], Any]], ...]  # (parameter, processor) where there is one
    row: Callable[..., Any] | None  # the named tuple type, for statements that return rows
    results: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column index, processor)


class Prepared:
    """One statement, compiled once per dialect. Module-level, like the statements it wraps."""

    __slots__ = ("statement", "_by_dialect", "_unpreparable")

    def __init__(self, statement: Executable):
        self.statement = statement
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}  # by (dialect, driver): paramstyles differ
        self._unpreparable: set[tuple[str, str]] = set()

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Every row (named tuples)."""
        compiled = self._compiled(connection)
        if compiled is None:
            return list(connection.execute(self.statement, dict(params)))
        cursor = self._run(connection, compiled, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return [_convert(compiled, row) for row in rows]

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        compiled = self._compiled(connection)
        if compiled is None:
            return connection.execute(self.statement, dict(params)).first()
        cursor = self._run(connection, compiled, params)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else _convert(compiled, row)

    def one(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """Exactly one row (an INSERT … RETURNING)."""
        row = self.first(connection, params)
        if row is None:
            raise LookupError("the statement returned no row")
        return row

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None."""
        row = self.first(connection, params)
        return None if row is None else row[0]

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        compiled = self._compiled(connection)
        if compiled is None:
            return int(connection.execute(self.statement, dict(params)).rowcount)  # type: ignore[attr-defined]
        cursor = self._run(connection, compiled, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    # --- compiling and running -------------------------------------------------------------------

    def _compiled(self, connection: Connection) -> _Compiled | None:
        if connection.engine.dispatch.before_cursor_execute:
            return None  # someone is watching the statements: let them see this one
        dialect = connection.dialect
        key = (dialect.name, dialect.driver)
        compiled = self._by_dialect.get(key)
        if compiled is not None:
            return compiled
        if key in self._unpreparable:
            return None
        try:
            compiled = _compile(self.statement, dialect)
        except NotPreparable:
            self._unpreparable.add(key)
            return None
        self._by_dialect[key] = compiled
        return compiled

    @staticmethod
    def _run(connection: Connection, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        values = {**compiled.fixed, **params}
        for name, process in compiled.bind:
            values[name] = process(values[name])
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        parameters: Any = (
            tuple(values[name] for name in compiled.names)
            if compiled.positional
            else {name: values[name] for name in compiled.names}
        )
        try:
            cursor.execute(compiled.sql, parameters)
        except BaseException as exc:
            cursor.close()
            driver_error = connection.dialect.loaded_dbapi.Error
            if isinstance(exc, driver_error):  # as SQLAlchemy raises it: IntegrityError, OperationalError, …
                raise DBAPIError.instance(compiled.sql, parameters, exc, driver_error) from exc
            raise
        return cursor


def _convert(compiled: _Compiled, row: Any) -> Any:
    assert compiled.row is not None
    if compiled.results:
        values = list(row)
        for index, process in compiled.results:
            values[index] = process(values[index])
        return compiled.row(*values)
    return compiled.row(*row)


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler):
        raise NotPreparable("not a SQL statement")
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise NotPreparable("expanding or post-compile parameters")
    if compiled.escaped_bind_names:
        raise NotPreparable("bind names the driver needs escaped")
    fixed: dict[str, Any] = {}
    types: dict[str, Any] = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding:
            raise NotPreparable("expanding parameters")
        types[name] = bind.type
        if bind.callable is not None:
            raise NotPreparable("a parameter computed at execution")
        if bind.value is not None or not bind.required:
            fixed[name] = bind.value
    for column in getattr(compiled, "insert_prefetch", ()) + getattr(compiled, "update_prefetch", ()):
        default = column.default if column in getattr(compiled, "insert_prefetch", ()) else column.onupdate
        if default is None or not default.is_scalar:
            raise NotPreparable(f"column {column.key} has a default computed at execution")
        fixed[column.key] = default.arg
    if compiled.positional:
        names = tuple(compiled.positiontup or ())
    else:
        names = tuple(dict.fromkeys(compiled.bind_names.values()))
    bind = []
    for name in dict.fromkeys(names):  # a name bound twice (``now``) is processed once
        process = types[name].dialect_impl(dialect).bind_processor(dialect) if name in types else None
        if process is not None:
            bind.append((name, process))
    row = None
    results: list[tuple[int, Callable[[Any], Any]]] = []
    columns = list(getattr(statement, "exported_columns", ()))  # a SELECT's columns, or what RETURNING returns
    if columns:
        keys = [column.key for column in columns]
        row = namedtuple("Row", keys, rename=True)  # type: ignore[misc]
        for index, column in enumerate(columns):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((index, process))
    return _Compiled(compiled.string, names, bool(compiled.positional), fixed, tuple(bind), row, tuple(results))
