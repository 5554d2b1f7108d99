"""Read a 1,000-comment thread through the API: queries per read and latency (p50, p95).

    .venv/bin/python bench/thread_read.py                       # SQLite in a temporary file
    .venv/bin/python bench/thread_read.py --database postgresql://postgres@127.0.0.1:5432/porch_bench
    .venv/bin/python bench/thread_read.py --comments 5000 --reads 100

Not a test: it prints figures. The thread is built through the same use case as the API
(post_comment), with replies nested up to 8 deep and votes, then read over HTTP semantics
through the ASGI app in-process (httpx), so the figures are Porch's work, not the network's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event, text

from porch.config import Settings
from porch.mail.senders import LogSender
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine
from porch.storage.migrate import upgrade
from porch.storage.unit_of_work import UnitOfWork
from porch.web.app import create_app

URI = "https://bench.example/2026/11/the-big-thread.html"


def build_thread(ctx: Context, site_key: str, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids: list[tuple[int, int]] = []  # (id, depth)
    for n in range(count):
        parent = None
        depth = 0
        if ids and rng.random() < 0.6:
            parent, parent_depth = rng.choice(ids[-50:])
            if parent_depth >= 8:
                parent = None
            else:
                depth = parent_depth + 1
        posted = post_comment(
            ctx,
            NewComment(
                site_key=site_key,
                uri=URI,
                body=f"Comment {n}: " + "words " * rng.randint(5, 80),
                parent_id=parent,
                author_name=f"Person {rng.randint(1, 200)}",
            ),
            Requester(browser_token=f"bench-{rng.randint(1, 200)}"),
            now=start + timedelta(seconds=37 * n),
        )
        ids.append((posted.comment.id, depth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--limit", type=int, default=200, help="top-level comments per page")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    engine = create_database_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    ctx = Context(uow=lambda write=False: UnitOfWork(engine, write=write), mail=LogSender(), base_url="http://bench")
    site = add_site(ctx, "bench", ["https://bench.example"])
    started = time.perf_counter()
    build_thread(ctx, site.key, args.comments)
    build_seconds = time.perf_counter() - started

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    client = TestClient(create_app(Settings(database_url=url), context=ctx))
    params = {"site": site.key, "uri": URI, "limit": args.limit}
    def queries_of_one_read() -> int:
        statements.clear()
        client.get("/api/v1/threads", params=params)
        return len([s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))])

    def thread_changed() -> None:  # a write to the thread: its page is built again
        with engine.begin() as connection:
            connection.execute(text("UPDATE threads SET version = version + 1"))

    def something_else_changed() -> None:  # a write elsewhere: the prepared page is checked and served
        with engine.begin() as connection:
            connection.execute(text("UPDATE sites SET name = name || '' "))
            connection.execute(text("INSERT INTO people (display_name, created_at) VALUES ('x', CURRENT_TIMESTAMP)"))

    client.get("/api/v1/threads", params=params)  # warm-up: the site is known to this worker
    thread_changed()
    cold_queries = queries_of_one_read()
    something_else_changed()
    checked_queries = queries_of_one_read()
    queries = queries_of_one_read()

    def timed_reads(before: Callable[[], None] | None) -> list[float]:
        timings = []
        for _ in range(args.reads):
            if before is not None:
                before()
            t0 = time.perf_counter()
            response = client.get("/api/v1/threads", params=params)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        return sorted(timings)

    cold_timings = timed_reads(thread_changed)
    checked_timings = timed_reads(something_else_changed)
    timings = timed_reads(None)
    response = client.get("/api/v1/threads", params=params)
    size = len(response.content)
    body = response.json()
    print(f"database        {engine.dialect.name}")
    print(f"comments        {args.comments} (built in {build_seconds:.1f} s through post_comment)")
    print(
        f"response        {body['total']} comments total, {len(body['comments'])} top-level on the page, "
        f"{size / 1024:.0f} KiB"
    )
    print(
        f"queries/read    {queries} (nothing changed: web/hot_reads.py); {checked_queries} after a write "
        f"elsewhere (the prepared page, checked); {cold_queries} after a write to the thread (built)"
    )
    for label, found in (
        ("cold (ms)   ", cold_timings), ("checked (ms)", checked_timings), ("hot (ms)    ", timings)
    ):
        print(
            f"{label}    p50 {statistics.median(found):.1f}   p95 {found[int(len(found) * 0.95) - 1]:.1f}   "
            f"min {found[0]:.1f}   over {args.reads} reads"
        )
    engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
