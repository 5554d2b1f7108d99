"""Posting latency under concurrency: `porch serve --workers N` on SQLite, wrk POSTing comments.

    .venv/bin/python bench/post_latency.py [--connections 32] [--seconds 8] [--workers 2]

Prints req/s, p50, p99 and errors. Every acknowledged write is durable (synchronous=FULL);
the figure that matters is p99 at 32 connections (issue 8: ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
PORCH = Path(sys.executable).with_name("porch")
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.1f %d\\n", summary.requests, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.duration))
end
"""


def cpu_seconds(root: int) -> float:
    """User + system CPU of ``root`` and its children (the server's workers), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    env = {**os.environ, "PORCH_DATABASE_URL": f"sqlite:///{tmp / 'post.db'}"}
    run = lambda *a: subprocess.run([str(PORCH), *a], env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run("migrate")
    key = json.loads(run("site", "add", "bench", "--origin", "https://bench.example", "--json").stdout)["key"]
    subprocess.run([str(PORCH), "site", "set", "bench", "rate_limits=false"], env=env, capture_output=True)
    port = free_port()
    log = (tmp / "server.log").open("wb")
    server = subprocess.Popen(
        [str(PORCH), "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(1200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)  # waiting for a subprocess to listen: nothing to synchronise on
        body = json.dumps({"site": key, "uri": "/post", "body": "comment %s", "author": {"name": "Bench"}})
        script = tmp / "post.lua"
        script.write_text(
            f'RUN = "r{int(time.time())}"\nPOST_PATH = "/api/v1/comments"\n'
            f'HEADERS = {{["Content-Type"] = "application/json"}}\nBODY = {json.dumps(body)}\n'
            + (HERE / "wrk" / "post.lua").read_text()
            + REPORT
        )
        cpu_before = cpu_seconds(server.pid)
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "--timeout",
                "60s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
        )
        cpu_used = cpu_seconds(server.pid) - cpu_before
        if out.returncode:
            raise SystemExit(out.stdout + out.stderr)
        print(out.stdout.split("RESULT")[0][-400:])
        line = next(li for li in out.stdout.splitlines() if li.startswith("RESULT"))
        requests, errors, p50, p99, micros = line.split()[1:]
        print(f"posting  {args.connections} connections, {args.workers} workers, SQLite synchronous=FULL")
        print(f"req/s {int(requests) / (int(micros) / 1e6):.1f}   p50 {p50} ms   p99 {p99} ms   errors {errors}")
        print(
            f"server CPU {cpu_used * 1000 / max(int(requests), 1):.1f} ms per post (workers, outbox included; "
            f"{args.workers} workers could give {args.workers * 1000 / max(cpu_used * 1000 / max(int(requests), 1), 0.01):.0f} posts/s)"
        )
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    failures = (tmp / "server.log").read_text(errors="replace").count("Traceback")
    if failures:
        raise SystemExit(f"the server logged {failures} tracebacks: see {tmp / 'server.log'}")


if __name__ == "__main__":
    main()
