"""What one post costs, measured in-process (so it holds on a busy machine): CPU, statements, fsync.

    .venv/bin/python bench/post_cost.py [--posts 400] [--threads 32] [--seconds 5]

1. Sequential posts through ``post_comment`` (the use case the API calls): CPU per post
   (``time.process_time``), SQL statements per post, and the share spent while holding the
   write turn (what every other writer waits for).
2. The disk: fsync of a 4 KiB append beside the database (what each COMMIT waits for with
   ``synchronous=FULL``), p50 and p99.
3. Concurrent posts from N threads for a few seconds: posts per COMMIT (group commit at work).

Issue 8's posting target is p99 ≤ 50 ms at 32 connections: in a closed loop that needs
32 / 0.05 = 640 posts/s, i.e. on 2 cores ≤ ~3 ms of CPU per post all included (HTTP, JSON, the
use case) and ≤ 1.5 ms of serial work per post under the write turn.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import event  # noqa: E402

from porch.bootstrap import build_context  # noqa: E402
from porch.config import Settings  # noqa: E402
from porch.services.comments import NewComment, post_comment  # noqa: E402
from porch.services.requesters import Requester  # noqa: E402
from porch.services.sites import add_site, configure_site  # noqa: E402
from porch.storage.engine import group_committer  # noqa: E402
from porch.storage.migrate import upgrade  # noqa: E402

ORIGIN = "https://bench.example"


def fsync_ms(directory: Path, rounds: int = 200) -> tuple[float, float]:
    path = directory / "fsync.probe"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for _ in range(rounds):
            os.write(fd, b"x" * 4096)
            started = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(database_url=f"sqlite:///{tmp / 'cost.db'}", base_url="http://127.0.0.1")
    ctx = build_context(settings)
    with ctx.uow() as uow:
        engine = uow.connection.engine
    upgrade(engine)
    site = add_site(ctx, "bench", [ORIGIN], None)
    configure_site(ctx, "bench", {"rate_limits": "false"})
    requester = Requester(account=None, browser_token=None, origin=ORIGIN, remote_addr="127.0.0.1")
    counter = iter(range(10**9))

    def post() -> None:
        n = next(counter)
        new = NewComment(site_key=site.key, uri="/post", body=f"A benchmark comment {n}", author_name="Bench")
        post_comment(ctx, new, requester)

    for _ in range(30):  # warm: caches, compiled statements, the thread row
        post()
    # Statements are counted on a few posts of their own: while a listener is attached every statement
    # goes through Connection.execute (storage/prepared.py steps aside), which would skew the CPU figure.
    statements: list[str] = []

    def note(*args: object) -> None:
        statements.append(str(args[2]))

    counted = 20
    event.listen(engine, "before_cursor_execute", note)
    for _ in range(counted):
        post()
    event.remove(engine, "before_cursor_execute", note)
    committer = group_committer(engine)
    assert committer is not None
    held = 0.0
    acquire, leave = committer.turn.acquire, committer._leave
    turn_started = [0.0]

    def timed_acquire() -> None:
        acquire()
        turn_started[0] = time.perf_counter()

    def timed_leave(batch, committed):  # type: ignore[no-untyped-def]
        nonlocal held
        held += time.perf_counter() - turn_started[0]
        return leave(batch, committed)

    committer.turn.acquire, committer._leave = timed_acquire, timed_leave  # type: ignore[method-assign]
    cpu = []
    wall_started = time.perf_counter()
    for _ in range(args.posts):
        started = time.process_time()
        post()
        cpu.append((time.process_time() - started) * 1000)
    wall = (time.perf_counter() - wall_started) * 1000 / args.posts
    committer.turn.acquire, committer._leave = acquire, leave  # type: ignore[method-assign]
    per_post = len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]) / counted
    p50, p99 = fsync_ms(tmp)
    print(f"sequential, {args.posts} posts through post_comment (SQLite, synchronous=FULL):")
    print(f"  CPU per post      median {statistics.median(cpu):.2f} ms   mean {statistics.fmean(cpu):.2f} ms")
    print(f"  wall per post     {wall:.2f} ms, of which {held * 1000 / args.posts:.2f} ms holding the write turn (commit included)")
    print(f"  SQL statements    {per_post:.1f} per post (BEGIN and COMMIT included)")
    print(f"  fsync (4 KiB)     p50 {p50:.2f} ms   p99 {p99:.2f} ms")

    commits_before, members_before = committer.commits, committer.members_committed
    stop = time.monotonic() + args.seconds
    done = [0] * args.threads
    errors: list[BaseException] = []

    def loop(index: int) -> None:
        try:
            while time.monotonic() < stop:
                post()
                done[index] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(args.threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    commits = committer.commits - commits_before
    members = committer.members_committed - members_before
    print(f"concurrent, {args.threads} threads for {args.seconds:g} s in one process:")
    print(f"  {sum(done) / elapsed:.0f} posts/s, {members / max(commits, 1):.1f} posts per COMMIT ({commits} COMMITs)")
    if errors:
        raise SystemExit(f"{len(errors)} errors, the first: {errors[0]!r}")


if __name__ == "__main__":
    main()
