"""The analytics dashboard on a generated 1,000,000-comment site: seconds per computation.

    .venv/bin/python bench/analytics.py                         # SQLite in a temporary file
    .venv/bin/python bench/analytics.py --database postgresql://postgres@127.0.0.1:5432/porch_bench
    .venv/bin/python bench/analytics.py --comments 100000 --runs 3 --skip-scoped

Not a test: it prints figures. The site is written with bulk SQL (porch.demo.synthetic — posts over a
year, a power-law of commenters, half the comments replies, the author answering some), then:

1. the rollups are built in one set-based pass, as at the end of an import (``refresh_rollups``);
2. ``compute_site_analytics`` for the whole site — the dashboard — runs ``--runs`` times: the first
   reads the rollups (no snapshot yet: the first computation), the next ones the snapshot it kept;
   target ≤ 1 s for the first;
3. N new comments (a third of them replies) and a moderation change land by SQL, as posts would, and
   the rollups are brought up to date (what the next dashboard read does), for N = 1, 100, 1000;
   then a vote alone (the thread's version moves, its people do not);
4. unless ``--skip-scoped``: the last 30 days and one page, measured from scratch (cold) and from their
   snapshot (warm), and the newcomers-waiting list.
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
from typing import Any

from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

from porch.demo.synthetic import generate_community
from porch.mail.senders import LogSender
from porch.services.accounts import add_user
from porch.services.analytics import compute_site_analytics, list_newcomers_waiting
from porch.services.analytics_rollups import bring_rollups_up_to_date, refresh_rollups
from porch.services.context import Context
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine, sqlalchemy_url
from porch.storage.migrate import upgrade
from porch.storage.schema import comments, threads
from porch.storage.unit_of_work import UnitOfWork

START = datetime(2025, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _fresh_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    target = make_url(sqlalchemy_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _time(label: str, runs: int, work: Callable[[], Any]) -> tuple[float, float]:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        timings.append(time.perf_counter() - began)
    cold, warm = timings[0], statistics.median(timings[1:]) if runs > 1 else float("nan")
    print(f"  {label:<28} cold {cold:7.3f} s   warm {warm:6.3f} s   (runs: {', '.join(f'{t:.3f}' for t in timings)})")
    return cold, warm


def _analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _new_comments(engine: Engine, site_id: int, n: int, seed: int) -> None:
    """``n`` comments by existing people on random pages (a third replying), and one comment deleted."""
    rng = random.Random(seed)
    with engine.begin() as db:
        thread_ids = db.execute(select(threads.c.id).where(threads.c.site_id == site_id)).scalars().all()
        top = int(db.execute(select(func.max(comments.c.id))).scalar_one())
        for _ in range(n):
            parent = db.execute(select(comments.c.id, comments.c.thread_id).where(
                comments.c.id == rng.randrange(1, top))).first()
            thread_id = parent.thread_id if parent and rng.random() < 1 / 3 else rng.choice(thread_ids)
            person = db.execute(select(comments.c.person_id).where(comments.c.id == rng.randrange(1, top))).scalar()
            db.execute(insert(comments).values(
                thread_id=thread_id, parent_id=parent.id if parent and parent.thread_id == thread_id else None,
                person_id=person, author_name="Someone", body_source="Late.", body_html="<p>Late.</p>",
                status="published", created_at=NOW - timedelta(hours=rng.randrange(1, 48)), upvotes=0, downvotes=0,
            ))
        db.execute(update(comments).where(comments.c.id == rng.randrange(1, top)).values(status="deleted"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="postgresql://… (dropped and recreated); default: SQLite in a temp dir")
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="the first reads the rollups, the others the snapshot")
    parser.add_argument("--skip-scoped", action="store_true", help="leave out the scoped (from scratch) measures")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if url.startswith("postgresql"):
            _fresh_postgres(url)
        engine = create_database_engine(url)
        upgrade(engine)
        ctx = Context(uow=lambda write=False: UnitOfWork(engine, write=write), mail=LogSender(),
                      base_url="http://porch.bench", clock=lambda: NOW)
        site = add_site(ctx, "bench", ["https://blog.example"])
        admin = add_user(ctx, "bench@example.org", None, is_admin=True)
        began = time.perf_counter()
        with engine.begin() as connection:
            made = generate_community(connection, site.id, comments_total=args.comments, start=START)
        _analyze(engine)
        print(f"{engine.dialect.name}: {made.comments:,} comments by {made.people:,} people on {made.threads:,} "
              f"pages, written in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        refresh_rollups(ctx, site.id)
        print(f"  rollups built in one pass (as after an import): {time.perf_counter() - began:.1f} s")
        _analyze(engine)
        first, warm = _time("dashboard (whole site)", args.runs, lambda: compute_site_analytics(ctx, site.key, admin))
        for n in (1, 100, 1000):
            _new_comments(engine, site.id, n, seed=n)
            began = time.perf_counter()
            run = bring_rollups_up_to_date(ctx, site.id)
            rolled = time.perf_counter() - began
            began = time.perf_counter()
            compute_site_analytics(ctx, site.key, admin)
            print(f"  after {n:>4} new comments + 1 deletion: rollups up to date in {rolled:6.3f} s "
                  f"({run.threads} threads, {run.people} people, {run.days} days), "
                  f"then the dashboard in {time.perf_counter() - began:.3f} s")
        with engine.begin() as db:
            db.execute(update(comments).where(comments.c.id == 12345).values(upvotes=comments.c.upvotes + 1))
        began = time.perf_counter()
        run = bring_rollups_up_to_date(ctx, site.id)
        print(f"  after one vote: rollups up to date in {time.perf_counter() - began:.3f} s "
              f"({run.threads} thread, {run.people} people)")
        _time("newcomers waiting", args.runs, lambda: list_newcomers_waiting(ctx, site.key, admin))
        if not args.skip_scoped:
            uri = "https://blog.example/posts/3"
            _time("whole site, last 30 days", args.runs,
                  lambda: compute_site_analytics(ctx, site.key, admin, NOW - timedelta(days=30), NOW))
            _time("one page", args.runs, lambda: compute_site_analytics(ctx, site.key, admin, uri=uri))
        verdict = {True: "met", False: "missed"}
        print(f"dashboard (whole site): first computation {first:.3f} s, from the snapshot {warm:.3f} s — "
              f"target 1 s: {verdict[first <= 1.0]}")
        engine.dispose()


if __name__ == "__main__":
    main()
