"""The inbox at scale: a person with 10,000 conversations across 100 sites opens their inbox.

    .venv/bin/python bench/inbox.py                          # SQLite (temporary file) and PostgreSQL
    .venv/bin/python bench/inbox.py --databases sqlite --conversations 2000
    .venv/bin/python bench/inbox.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Not a test: it prints figures (tests/integration/test_inbox.py asserts the query count is
constant with size). Conversations are bulk-inserted (each: the reader's comment and a reply to
it from someone else), then the first page of every view, and a page deep in the history, are read
through the ASGI app in-process with a bearer session, counting SQL statements and timing each read.
A fresh PostgreSQL database is created for the run and dropped after it.
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


def run(url: str, conversations: int, sites: int, reads: int) -> dict[str, object]:
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
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
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
            t0 = time.perf_counter()
            response = client.get("/api/v1/me/inbox", params=params, headers=headers)
            timings.append((time.perf_counter() - t0) * 1000)
            counts.append(
                len([s for s in statements if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])
            )
            assert response.status_code == 200, response.text
        body = response.json()
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
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--reads", type=int, default=20)
    args = parser.parse_args()
    print(f"inbox benchmark: {args.conversations} conversations across {args.sites} sites, {args.reads} reads per view")
    for backend in args.databases.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                results = run(f"sqlite:///{tmp}/bench.db", args.conversations, args.sites, args.reads)
        else:
            name = f"porch_bench_inbox_{os.getpid()}"
            admin = _admin(args.postgres)
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
                results = run(url, args.conversations, args.sites, args.reads)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        print(f"\n{results.pop('database')}  (seeded in {results.pop('seconds to seed')} s)")
        print(f"  {'view':<10} {'convs':>5} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8}")
        for view, figures in results.items():
            f = figures  # type: ignore[assignment]
            print(
                f"  {view:<10} {f['conversations on page']:>5} {str(f['queries']):>8} {f['p50 ms']:>8} {f['p95 ms']:>8}"
            )


if __name__ == "__main__":
    main()
