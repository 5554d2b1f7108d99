"""The analytics dashboard's computation on a generated 1,000,000-comment site: seconds per computation.

    .venv/bin/python bench/analytics.py                         # SQLite in a temporary file
    .venv/bin/python bench/analytics.py --database postgresql://postgres@127.0.0.1:5432/porch_bench
    .venv/bin/python bench/analytics.py --comments 100000 --runs 3

Not a test: it prints figures. The site is written with bulk SQL (porch.demo.synthetic — posts over a
year, a power-law of commenters, half the comments replies, the author answering some), then
``compute_site_analytics`` — everything the dashboard shows — runs for the whole site, for the last
30 days and for one page: the first run measures (cold), the next ones read the snapshot the first
kept (warm: what the dashboard costs until a comment changes). Target: ≤ 1 s for the whole site.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from porch.demo.synthetic import generate_community
from porch.mail.senders import LogSender
from porch.services.accounts import add_user
from porch.services.analytics import compute_site_analytics, list_newcomers_waiting
from porch.services.context import Context
from porch.services.sites import add_site
from porch.storage.engine import create_database_engine, sqlalchemy_url
from porch.storage.migrate import upgrade
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="postgresql://… (dropped and recreated); default: SQLite in a temp dir")
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="the first measures, the others read the snapshot")
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
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        else:
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        print(f"{engine.dialect.name}: {made.comments:,} comments by {made.people:,} people on {made.threads:,} "
              f"pages, written in {time.perf_counter() - began:.1f} s")
        uri = "https://blog.example/posts/3"
        cold, warm = _time("whole site, all time", args.runs, lambda: compute_site_analytics(ctx, site.key, admin))
        _time("whole site, last 30 days", args.runs,
              lambda: compute_site_analytics(ctx, site.key, admin, NOW - timedelta(days=30), NOW))
        _time("one page", args.runs, lambda: compute_site_analytics(ctx, site.key, admin, uri=uri))
        _time("newcomers waiting", args.runs, lambda: list_newcomers_waiting(ctx, site.key, admin))
        verdict = {True: "met", False: "missed"}
        print(f"dashboard (whole site): measuring {cold:.3f} s, from the snapshot {warm:.3f} s — target 1 s: "
              f"{verdict[warm <= 1.0]} when warm, {verdict[cold <= 1.0]} cold")
        engine.dispose()


if __name__ == "__main__":
    main()
