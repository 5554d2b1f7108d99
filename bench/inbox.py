"""The inbox at scale: a person with 100, 1,000 and 10,000 conversations across 100 sites opens their inbox.

    .venv/bin/python bench/inbox.py                          # SQLite (temporary file) and PostgreSQL
    .venv/bin/python bench/inbox.py --databases sqlite --sizes 2000
    .venv/bin/python bench/inbox.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Not a test: it prints figures (tests/integration/test_inbox.py asserts the query count is
constant with size). For each size, a fresh database: conversations are bulk-inserted (each: the
reader's comment and a reply to it from someone else) and the inbox index derived as `porch inbox
rebuild` does; then the first page of every view, and a page deep in the history, are read through
the ASGI app in-process with a bearer session, counting SQL statements and timing each read. The
first page's statements are printed once, with the database's plan for the page query (it should
be a range scan of ix_inbox_conversations_person_id_last_activity_at_thread_id). A fresh PostgreSQL
database is created for each run and dropped after it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.inbox_helpers: the shared seeder

from tests.inbox_helpers import seed_conversations  # noqa: E402

from porch.config import Settings  # noqa: E402
from porch.mail.senders import LogSender  # noqa: E402
from porch.services.accounts import add_user  # noqa: E402
from porch.services.context import Context, new_token, token_hash  # noqa: E402
from porch.services.sites import add_site  # noqa: E402
from porch.storage.engine import create_database_engine, sqlalchemy_url  # noqa: E402
from porch.storage.migrate import upgrade  # noqa: E402
from porch.storage.unit_of_work import UnitOfWork  # noqa: E402
from porch.web.app import create_app  # noqa: E402


def _admin(url: str) -> Engine:
    return create_engine(make_url(sqlalchemy_url(url)).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _plan(engine: Engine, statement: str, parameters: object) -> list[str]:
    """The database's plan for one of the page's statements, as it ran."""
    with engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        assert driver is not None
        cursor = driver.cursor()
        if engine.dialect.name == "postgresql":
            cursor.execute("EXPLAIN " + statement, parameters)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return [row[-1] for row in cursor.fetchall()]


def run(url: str, conversations: int, sites: int, reads: int, *, show: bool = False) -> dict[str, object]:
    engine = create_database_engine(url)
    upgrade(engine)
    ctx = Context(
        uow=lambda write=False: UnitOfWork(engine, write=write), mail=LogSender(), base_url="http://porch.bench"
    )
    site_ids = [add_site(ctx, f"site{n}", [f"https://site{n}.example"], None).id for n in range(sites)]
    reader = add_user(ctx, "reader@example.org", None, is_admin=False, name="Reader")
    other = add_user(ctx, "other@example.org", None, is_admin=False, name="Other")
    token = new_token()
    with ctx.uow(write=True) as uow:
        now = datetime.now(UTC)
        uow.accounts.add_session(
            token_hash=token_hash(token), account_id=reader.id, now=now, expires_at=now + timedelta(days=1)
        )
        uow.commit()
    started = time.perf_counter()
    seed_conversations(
        engine,
        reader=reader.person_id,
        other=other.person_id,
        site_ids=site_ids,
        count=conversations,
        start=datetime(2026, 1, 1, tzinfo=UTC),
    )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    seeded = time.perf_counter() - started

    statements: list[str] = []
    executed: list[tuple[str, object]] = []

    def record(*a: object) -> None:
        statements.append(str(a[2]))
        executed.append((str(a[2]), a[3]))

    event.listen(engine, "before_cursor_execute", record)
    client = TestClient(
        create_app(Settings(database_url=url, base_url="http://porch.bench"), context=ctx),
        base_url="http://porch.bench",
    )
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, object] = {"database": engine.dialect.name, "seconds to seed": round(seeded, 1)}
    deep_cursor = None
    for view in ("all", "replies", "mentions", "unread", "all+deep"):
        params = {"filter": view.split("+")[0]}
        if view == "all+deep":
            params["cursor"] = deep_cursor or ""
        timings, counts = [], []
        for _ in range(reads):
            statements.clear()
            executed.clear()
            t0 = time.perf_counter()
            response = client.get("/api/v1/me/inbox", params=params, headers=headers)
            timings.append((time.perf_counter() - t0) * 1000)
            counts.append(
                len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])
            )
            assert response.status_code == 200, response.text
        body = response.json()
        if view == "all" and show:
            page_statements = [(q, p) for q, p in executed if not q.lstrip().upper().startswith(("BEGIN", "COMMIT"))]
            print(f"\n  first page, {engine.dialect.name}, {conversations:,} conversations: {len(page_statements)} statements")
            for n, (query, _) in enumerate(page_statements, 1):
                print(f"   {n}. " + " ".join(query.split())[:150] + ("…" if len(" ".join(query.split())) > 150 else ""))
            page_query = next(q for q in page_statements if "inbox_conversations" in q[0])
            print("  plan of the page query:")
            for line in _plan(engine, *page_query):
                print(f"     {line}")
        if view == "all":
            # Walk to a cursor halfway through the history, for the deep page.
            cursor = body["next_cursor"]
            for _ in range(conversations // 40):
                cursor = client.get("/api/v1/me/inbox", params={"cursor": cursor, "limit": 20}, headers=headers).json()[
                    "next_cursor"
                ]
            deep_cursor = cursor
        results[view] = {
            "conversations on page": len(body["conversations"]),
            "queries": sorted(set(counts)),
            "p50 ms": round(statistics.median(timings), 1),
            "p95 ms": round(sorted(timings)[max(0, int(len(timings) * 0.95) - 1)], 1),
        }
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where a scratch database may be created",
    )
    parser.add_argument("--sizes", default="100,1000,10000", help="conversations per run, comma-separated")
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--reads", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    print(f"inbox benchmark: {args.sizes} conversations across {args.sites} sites, {args.reads} reads per view")
    table: list[tuple[str, int, str, object]] = []
    for backend in args.databases.split(","):
        for size in sizes:
            results = _run_on(backend, args, size, show=size == sizes[-1])
            database = str(results.pop("database"))
            seeded = results.pop("seconds to seed")
            print(f"\n{database}, {size:,} conversations (seeded and indexed in {seeded} s)")
            print(f"  {'view':<10} {'convs':>5} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8}")
            for view, figures in results.items():
                f = figures  # type: ignore[assignment]
                print(
                    f"  {view:<10} {f['conversations on page']:>5} {str(f['queries']):>8} {f['p50 ms']:>8} "
                    f"{f['p95 ms']:>8}"
                )
                table.append((database, size, view, f["p50 ms"]))
    print("\nfirst-page p50 (ms) by size:")
    views = sorted({v for _, _, v, _ in table}, key=[v for _, _, v, _ in table].index)
    print(f"  {'database':<11} {'view':<10} " + " ".join(f"{n:>8,}" for n in sizes))
    for database in dict.fromkeys(d for d, _, _, _ in table):
        for view in views:
            cells = {n: p for d, n, v, p in table if d == database and v == view}
            print(f"  {database:<11} {view:<10} " + " ".join(f"{cells[n]:>8}" for n in sizes))


def _run_on(backend: str, args: argparse.Namespace, size: int, *, show: bool) -> dict[str, object]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run(f"sqlite:///{tmp}/bench.db", size, args.sites, args.reads, show=show)
    name = f"porch_bench_inbox_{os.getpid()}"
    admin = _admin(args.postgres)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        return run(url, size, args.sites, args.reads, show=show)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
