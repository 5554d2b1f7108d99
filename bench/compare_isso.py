"""Porch against Isso and against the floor, in one run, on this machine (`make bench`).

    .venv/bin/python bench/compare_isso.py            # the full run: a few minutes
    .venv/bin/python bench/compare_isso.py --quick    # about a minute: shorter loads
    .venv/bin/python bench/compare_isso.py --workers 2 --connections 32 --seconds 8

1. One dataset, generated as a Disqus export by bench/generate_disqus.py (heavy-tailed threads,
   nesting, deleted and spam posts), with three threads of exactly 5,000, 500 and 20 comments.
2. Imported into Porch (`porch import FILE --site bench`) and into Isso 0.14.0 (`isso import
   --empty-id`, in its own venv under bench/out/, guard off, a title on every post so it never
   fetches pages).
3. Three servers on loopback with the same number of worker processes: Porch under its production
   server (`porch serve --workers N`: uvicorn with uvloop and httptools), Isso under gunicorn (sync
   workers, its documented production setup), and the floor — bench/floor_app.py, Starlette on the
   same uvicorn, answering a fixed JSON body of the size Porch sends.
4. `wrk` loads each in turn, scenario by scenario (floor, Porch, Isso alternate), for a fixed time and
   number of connections; every run must finish with zero errors.
5. One table (req/s, p50, p99, errors, bytes per response, Porch/Isso and Porch/floor), the memory of
   each worker, and bench/RESULTS.md with the machine and versions.

Isso nests one level (replies to replies hang from the top-level comment) and serves a whole thread
in one request; Porch pages the top level (at most 200 per request), so the table says how many
requests each needs for the whole thread, and the per-thread rate next to the per-request one.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out" / "compare"
ISSO_VENV = BENCH / "out" / "isso-venv"
PORCH_BIN = ROOT / ".venv" / "bin"
ISSO_VERSION = "0.14.0"
ORIGIN = "https://bench.example"
BIG_THREADS = (5000, 500, 20)  # the first three threads of the export, in this order
TAIL_COMMENTS = 2500  # the rest: heavy-tailed small threads (the counts scenario asks for 50 of them)
PORTS = {"floor": 0, "porch": 0, "isso": 0}  # free ports, chosen when the run starts (main)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the dataset -------------------------------------------------------------------------------


def generate_dataset(path: Path, seed: int = 7) -> list[str]:
    """Write the Disqus export; return the threads' links in order."""
    spec = importlib.util.spec_from_file_location("generate_disqus", BENCH / "generate_disqus.py")
    assert spec and spec.loader, "bench/generate_disqus.py is missing"
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    tail_sizes = generator.thread_sizes

    # The generator draws every thread size from a Pareto law; the benchmark needs three of known
    # size, so it takes the law's draws for the rest and puts the three in front.
    def sizes(total: int, rng: Any) -> list[int]:
        return list(BIG_THREADS) + tail_sizes(total - sum(BIG_THREADS), rng)

    generator.thread_sizes = sizes
    with path.open("w", encoding="utf-8") as out:
        for _ in generator.generate(out, sum(BIG_THREADS) + TAIL_COMMENTS, seed):
            pass
    return re.findall(r"<thread dsq:id=\"\d+\">.*?<link>(.*?)</link>", path.read_text(encoding="utf-8"))


# --- the servers -------------------------------------------------------------------------------


def run(command: list[str], **kwargs: Any) -> str:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_isso() -> Path:
    """Isso from PyPI in its own venv (bench/out/isso-venv), with gunicorn."""
    isso = ISSO_VENV / "bin" / "isso"
    if not isso.exists():
        print(f"installing isso=={ISSO_VERSION} and gunicorn into {ISSO_VENV} …", flush=True)
        run([sys.executable, "-m", "venv", str(ISSO_VENV)])
        run([str(ISSO_VENV / "bin" / "pip"), "install", "--quiet", f"isso=={ISSO_VERSION}", "gunicorn"])
    return isso


ISSO_CONFIG = """[general]
dbpath = {db}
host = {origin}
notify = stdout
gravatar = false
latest-enabled = false
[moderation]
enabled = false
[guard]
enabled = false
[server]
listen = http://127.0.0.1:{port}
[admin]
enabled = false
"""


def porch_env(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PORCH_DATABASE_URL": f"sqlite:///{db}",
        "PORCH_BASE_URL": f"http://127.0.0.1:{PORTS['porch']}",
    }


def load_porch(export: Path) -> tuple[Path, str]:
    db = OUT / "porch.db"
    for stale in OUT.glob("porch.db*"):
        stale.unlink()
    env = porch_env(db)
    run([str(PORCH_BIN / "porch"), "migrate"], env=env)
    site = json.loads(run([str(PORCH_BIN / "porch"), "site", "add", "bench", "--origin", ORIGIN, "--json"], env=env))
    # Rate limits guard against floods from one address; the load generator is one address.
    subprocess.run(
        [str(PORCH_BIN / "porch"), "site", "set", "bench", "rate_limits=false"], env=env, capture_output=True
    )
    run([str(PORCH_BIN / "porch"), "import", str(export), "--site", "bench"], env=env)
    return db, site["key"]


def load_isso(export: Path) -> Path:
    isso = ensure_isso()
    db = OUT / "isso.db"
    for stale in OUT.glob("isso.db*"):
        stale.unlink()
    config = OUT / "isso.cfg"
    config.write_text(ISSO_CONFIG.format(db=db, origin=ORIGIN, port=PORTS["isso"]))
    # Isso's importer commits comment by comment (a minute for this file): keep a pristine copy
    # for the same export, and start each run from it (the posting loads change the database).
    pristine = OUT / "isso.pristine.db"
    digest = hashlib.sha256(export.read_bytes()).hexdigest()
    stamp = OUT / "isso.pristine.sha256"
    if not (pristine.exists() and stamp.exists() and stamp.read_text() == digest):
        run([str(isso), "-c", str(config), "import", "--empty-id", str(export)])
        shutil.copyfile(db, pristine)
        stamp.write_text(digest)
    else:
        shutil.copyfile(pristine, db)
    return config


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (OUT / f"{self.name}.log").open("wb")
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited; see {OUT / (self.name + '.log')}")
            try:
                with socket.create_connection(("127.0.0.1", PORTS[self.name]), timeout=0.5):
                    time.sleep(1.0)  # the port is bound by the master before every worker is ready
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start; see {OUT / (self.name + '.log')}")

    def workers_rss_mib(self) -> list[float]:
        """Resident memory of each worker process (the children of the server we started)."""
        assert self.process is not None
        rss = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.process.pid}$", text, re.M):
                if b"resource_tracker" in (status.parent / "cmdline").read_bytes():
                    continue  # multiprocessing's helper beside uvicorn's workers, not a worker
                found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
                if found:
                    rss.append(int(found.group(1)) / 1024)
        return sorted(rss)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # our own child's process group, nothing else
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    script: str = "fixed"  # bench/wrk/<script>.lua
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    requests: int
    seconds: float
    bytes: int
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bytes_per_response(self) -> float:
        return self.bytes / self.requests if self.requests else 0.0


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for our ASCII content


def lua_table(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in values.items()) + "}"


def wrk(base: str, request: Request, *, seconds: float, connections: int, label: str) -> Result:
    definitions = {
        "METHOD": lua_string(request.method),
        "PATH": lua_string(request.path),
        "POST_PATH": lua_string(request.path),
        "HEADERS": lua_table(request.headers),
        "BODY": lua_string(request.body) if request.body is not None else "nil",
        "RUN": lua_string(f"{label}{int(time.time())}"),
        **request.extra,
    }
    script = OUT / f"{label}.lua"
    script.write_text(
        "".join(f"{name} = {value}\n" for name, value in definitions.items())
        + (BENCH / "wrk" / f"{request.script}.lua").read_text()
        + (BENCH / "wrk" / "report.lua").read_text()
    )
    output = run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "60s", "-s", str(script), base],
        timeout=seconds + 120,
    )
    found = re.search(r"^BENCH (\{.*\})$", output, re.M)
    if not found:
        raise SystemExit(f"wrk gave no report for {label}:\n{output}")
    data = json.loads(found.group(1))
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=sum(data["errors"].values()),
    )


def fetch(base: str, request: Request) -> bytes:
    data = request.body.replace("%s", "probe").encode() if request.body is not None else None
    prepared = urllib.request.Request(base + request.path, data=data, method=request.method, headers=request.headers)
    with urllib.request.urlopen(prepared, timeout=120) as response:
        return response.read()


def timed_once(base: str, request: Request) -> Result:
    """One request, timed (for loads too slow to run for a fixed time in --quick)."""
    started = time.perf_counter()
    size = len(fetch(base, request))
    elapsed = time.perf_counter() - started
    return Result(requests=1, seconds=elapsed, bytes=size, p50_ms=elapsed * 1000, p99_ms=elapsed * 1000, errors=0)


@dataclass
class Scenario:
    name: str
    porch: Request
    isso: Request | None
    porch_requests_per_content: int = 1
    isso_requests_per_content: int = 1
    note: str = ""
    # Isso takes seconds per big thread: these loads use as many connections as there are workers,
    # for every server alike, and Isso's 5,000-comment one runs at least a minute (--quick: one timed request)
    connections: int | None = None
    isso_min_seconds: float = 0


def scenarios(site_key: str, links: list[str], workers: int) -> list[Scenario]:
    from urllib.parse import quote, urlsplit

    paths = [urlsplit(link).path for link in links]
    json_headers = {"Content-Type": "application/json"}
    porch_post = {**json_headers, "Origin": ORIGIN}
    isso_post = {**json_headers, "Origin": ORIGIN, "Referer": ORIGIN + "/"}
    out = []
    for index, size in enumerate(BIG_THREADS):
        path = paths[index]
        thread = f"/api/v1/threads?site={site_key}&uri={quote(path, safe='')}&limit=200"
        out.append(
            Scenario(
                f"thread of {size:,}",
                Request("GET", thread),
                Request("GET", f"/?uri={quote(path, safe='')}"),
                note=path,
                connections=workers if size >= 500 else None,
                isso_min_seconds=60 if size >= 5000 else 0,
            )
        )
    out.append(
        Scenario(
            "thread of 500, revalidated",
            Request("GET", out[1].porch.path, headers={"If-None-Match": "ETAG"}),
            None,
            note="If-None-Match → 304",
        )
    )
    count_uris = paths[:50]
    out.append(
        Scenario(
            "counts for 50 pages",
            Request("POST", "/api/v1/counts", porch_post, json.dumps({"site": site_key, "uris": count_uris})),
            Request("POST", "/count", isso_post, json.dumps(count_uris)),
        )
    )
    small = paths[2]
    porch_body = json.dumps(
        {"site": site_key, "uri": small, "body": "A benchmark comment %s", "author": {"name": "Bench"}}
    )
    isso_body = json.dumps({"text": "A benchmark comment %s", "author": "Bench", "title": "Post"})
    out.append(
        Scenario(
            "post a comment",
            Request("POST", "/api/v1/comments", porch_post, porch_body, script="post"),
            Request("POST", f"/new?uri={quote(small, safe='')}", isso_post, isso_body, script="post"),
            note=small,
        )
    )
    porch_read = f"/api/v1/threads?site={site_key}&uri={quote(small, safe='')}&limit=200"
    isso_read = f"/?uri={quote(small, safe='')}"
    out.append(
        Scenario(
            "mixed: 9 reads, 1 post",
            Request("POST", "/api/v1/comments", porch_post, porch_body, script="mixed",
                    extra={"READ_PATH": lua_string(porch_read), "READ_HEADERS": "{}"}),
            Request("POST", f"/new?uri={quote(small, safe='')}", isso_post, isso_body, script="mixed",
                    extra={"READ_PATH": lua_string(isso_read), "READ_HEADERS": "{}"}),
            note=small,
        )
    )  # fmt: skip
    return out


# --- the run -------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    from importlib.metadata import version

    isso_py = ISSO_VENV / "bin" / "python"
    isso_versions = run(
        [str(isso_py), "-c", "import importlib.metadata as m; print(m.version('isso'), m.version('gunicorn'))"]
    ).split()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    return {
        "porch": version("porch"),
        "python": platform.python_version(),
        "uvicorn": version("uvicorn"),
        "fastapi": version("fastapi"),
        "starlette": version("starlette"),
        "sqlalchemy": version("sqlalchemy"),
        "sqlite": sqlite3.sqlite_version,
        "isso": isso_versions[0],
        "gunicorn": isso_versions[1],
        "wrk": wrk_version.split(" [")[0],
    }


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024  # type: ignore[union-attr]
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} × {cpu}, {memory:,} MiB RAM"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="about a minute: 3 s per load")
    parser.add_argument("--seconds", type=float, help="duration of each load (default 8, --quick 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server")
    parser.add_argument("--results", type=Path, help="where the table goes (default bench/RESULTS.md; with --only "
                        "bench/out/RESULTS-only.md, so a partial run never replaces the full one)")
    parser.add_argument("--only", metavar="TEXT", help="run only the scenarios whose name contains TEXT (e.g. post)")
    args = parser.parse_args()
    if args.results is None:
        args.results = OUT / "RESULTS-only.md" if args.only else BENCH / "RESULTS.md"
    seconds = args.seconds or (3 if args.quick else 8)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    PORTS.update({name: free_port() for name in PORTS})  # never a port another program (or run) holds
    started = time.monotonic()

    export = OUT / "disqus.xml"
    links = generate_dataset(export)
    print(f"dataset: {sum(BIG_THREADS) + TAIL_COMMENTS:,} comments in {len(links):,} threads ({export})", flush=True)
    porch_db, site_key = load_porch(export)
    isso_config = load_isso(export)
    print(f"imported into Porch and Isso in {time.monotonic() - started:.0f} s", flush=True)

    workers = str(args.workers)
    servers = {
        "floor": Server(
            "floor",
            [str(PORCH_BIN / "uvicorn"), "bench.floor_app:app", "--port", str(PORTS["floor"]), "--workers", workers,
             "--no-access-log", "--log-level", "warning"],
            dict(os.environ),
        ),
        "porch": Server(
            "porch",
            [str(PORCH_BIN / "porch"), "serve", "--port", str(PORTS["porch"]), "--workers", workers],
            porch_env(porch_db),
        ),
        "isso": Server(
            "isso",
            [str(ISSO_VENV / "bin" / "gunicorn"), "--workers", workers, "--bind", f"127.0.0.1:{PORTS['isso']}",
             "--timeout", "300", "--log-level", "warning", "isso.run"],
            {**os.environ, "ISSO_SETTINGS": str(isso_config)},
        ),
    }  # fmt: skip
    rows: list[dict[str, Any]] = []
    try:
        for server in servers.values():
            server.start()
        bases = {name: f"http://127.0.0.1:{port}" for name, port in PORTS.items()}
        for scenario in scenarios(site_key, links, args.workers):
            if args.only and args.only not in scenario.name:
                continue
            porch_request = scenario.porch
            if "ETAG" in porch_request.headers.get("If-None-Match", ""):
                probe = Request("GET", porch_request.path)
                with urllib.request.urlopen(bases["porch"] + probe.path, timeout=60) as response:
                    porch_request.headers["If-None-Match"] = response.headers["ETag"]
                porch_size = 0
            else:
                body = fetch(bases["porch"], porch_request)
                porch_size = len(body)
                if porch_request.method == "GET":
                    page = json.loads(body)
                    scenario.porch_requests_per_content = max(1, math.ceil(page["top_level_total"] / 200))
            floor = Request(porch_request.method, f"/bytes/{max(porch_size, 10)}", porch_request.headers,
                            porch_request.body, script="fixed" if porch_request.script == "fixed" else "post")  # fmt: skip
            floor.headers = {k: v for k, v in floor.headers.items() if k != "If-None-Match"}
            label = re.sub(r"\W+", "-", scenario.name).strip("-")
            row: dict[str, Any] = {"scenario": scenario}
            print(f"· {scenario.name}: floor", end="", flush=True)
            connections = scenario.connections or args.connections
            row["connections"] = connections
            row["floor"] = wrk(bases["floor"], floor, seconds=seconds, connections=connections, label=f"floor-{label}")
            print(", porch", end="", flush=True)
            row["porch"] = wrk(bases["porch"], porch_request, seconds=seconds, connections=connections,
                               label=f"porch-{label}")  # fmt: skip
            if scenario.isso is not None:
                print(", isso", end="", flush=True)
                if args.quick and scenario.isso_min_seconds:
                    row["isso"] = timed_once(bases["isso"], scenario.isso)
                else:
                    row["isso"] = wrk(bases["isso"], scenario.isso, seconds=max(seconds, scenario.isso_min_seconds),
                                      connections=connections, label=f"isso-{label}")  # fmt: skip
                # A sync worker finishes the requests wrk left behind before taking new ones: start afresh.
                servers["isso"].stop()
                servers["isso"].start()
            print(flush=True)
            rows.append(row)
        memory = {name: server.workers_rss_mib() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()

    report = render(rows, memory, args, seconds, time.monotonic() - started)
    print()
    print(report)
    args.results.write_text(results_page(report, args))
    print(f"\nwritten to {args.results}")
    errors = sum(r.errors for row in rows for key, r in row.items() if key not in ("scenario", "connections"))
    if errors:
        raise SystemExit(f"{errors} errors: every run must finish without any")


def render(rows: list[dict[str, Any]], memory: dict[str, list[float]], args: Any, seconds: float, total: float) -> str:
    header = (
        "| scenario | conns | server | req/s | p50 ms | p99 ms | errors | bytes/resp | req/content | Porch/Isso | Porch/floor |\n"
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    for row in rows:
        scenario: Scenario = row["scenario"]
        porch: Result = row["porch"]
        for name in ("porch", "isso", "floor"):
            result: Result | None = row.get(name)
            if result is None:
                continue
            per_content = {
                "porch": scenario.porch_requests_per_content,
                "isso": scenario.isso_requests_per_content,
            }.get(name, 1)
            isso: Result | None = row.get("isso")
            vs_isso = vs_floor = ""
            if name == "porch":
                if isso is not None:
                    vs_isso = ratio(porch.rps / scenario.porch_requests_per_content, isso.rps)
                vs_floor = ratio(porch.rps, row["floor"].rps)
            lines.append(
                f"| {scenario.name if name == 'porch' else ''} | {row['connections'] if name == 'porch' else ''} | {name} | {result.rps:,.1f} | {result.p50_ms:.1f} | "
                f"{result.p99_ms:.1f} | {result.errors} | {result.bytes_per_response:,.0f} | {per_content} | "
                f"{vs_isso} | {vs_floor} |"
            )
    memory_line = "; ".join(
        f"{name}: " + ", ".join(f"{mib:.0f}" for mib in values) + " MiB" for name, values in memory.items()
    )
    return (
        "\n".join(lines)
        + f"\n\n{args.workers} worker processes per server, {seconds:g} s per load (Isso's 5,000-comment thread: "
        f"{'one timed request' if args.quick else 'at least 60 s'}), "
        f"wrk -t1 on the same machine; whole run {total:.0f} s.\n"
        + f"Memory per worker after the run (RSS): {memory_line}.\n"
        + "Porch/Isso compares whole threads per second (req/s ÷ requests per content); Porch/floor compares "
        "requests per second against a fixed body of the same size on the same server stack."
    )


def results_page(report: str, args: Any) -> str:
    found = versions()
    version_line = ", ".join(f"{k} {v}" for k, v in found.items())
    template = (BENCH / "RESULTS.template.md").read_text() if (BENCH / "RESULTS.template.md").exists() else "{table}"
    return template.format(
        table=report,
        machine=machine(),
        versions=version_line,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        command="make bench" + (" (--quick)" if args.quick else ""),
    )


if __name__ == "__main__":
    main()
