"""Import rate and peak memory: Porch against Isso on the same generated Disqus export.

    .venv/bin/python bench/import_vs_isso.py                       # 1,000,000 comments; Isso capped at 10 min
    .venv/bin/python bench/import_vs_isso.py --comments 50000 --isso-seconds 0   # Isso to completion

1. bench/generate_disqus.py writes the export (heavy-tailed threads, nesting, deleted and spam
   posts) to bench/out/import/, once per size and seed.
2. Porch imports it into a fresh SQLite database (`porch import FILE --site bench`, the real
   command, one transaction), under /usr/bin/time -v for its peak RSS.
3. Isso 0.14.0 from PyPI, in its own venv (bench/out/isso-venv, created when missing), imports the
   same file (`isso -c CFG import --empty-id FILE`), also under /usr/bin/time -v. Isso commits
   each comment on its own, so on a big file it may run for hours: with --isso-seconds it is
   stopped after that long, and its whole-file rate is projected from the time it took to
   start storing (it parses the whole file first) and the rate it stored at afterwards
   (sampled from its database every 5 seconds).
4. One table, written to bench/IMPORT_RESULTS.md with the command and the machine.

Rates are comments stored per wall-clock second of the whole command (start-up, parsing,
storing, commit). The machine is shared: quote the ratio of one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out" / "import"
ISSO_VENV = BENCH / "out" / "isso-venv"
ISSO_VERSION = "0.14.0"
PORCH = Path(sys.executable).parent / "porch"
ORIGIN = "https://blog.example"
ISSO_CONFIG = """[general]
dbpath = {db}
host = {origin}
notify = stdout
gravatar = false
[moderation]
enabled = false
[guard]
enabled = false
[admin]
enabled = false
"""


@dataclass
class Run:
    tool: str
    comments: int
    seconds: float
    peak_rss_mb: float
    finished: bool
    total: int = 0  # comments in the file
    first_stored_after: float | None = None  # seconds until the first comment was stored (Isso: parsing)
    storing_rate: float | None = None  # comments/s once storing had begun

    @property
    def rate(self) -> float:
        """Comments per second over the whole file: measured, or for a stopped run projected from the
        time it took to start storing plus the rest at the rate it was storing."""
        if self.finished or not self.storing_rate or self.first_stored_after is None:
            return self.comments / self.seconds if self.seconds else 0.0
        return self.total / (self.first_stored_after + self.total / self.storing_rate)


def timed(
    command: list[str], env: dict[str, str], log: Path, limit: float | None,
    progress: Callable[[], int] | None = None, samples: list[tuple[float, int]] | None = None,
) -> tuple[float, float, bool]:
    """Run ``command`` under /usr/bin/time -v: (wall seconds, peak RSS in MB, finished). With
    ``progress``, (seconds, comments stored) is sampled every few seconds into ``samples``."""
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(["/usr/bin/time", "-v", *command], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            while True:
                elapsed = time.monotonic() - started
                if limit and elapsed >= limit:
                    raise subprocess.TimeoutExpired(command, limit)
                try:
                    process.wait(timeout=5 if progress else (limit - elapsed if limit else None))
                    break
                except subprocess.TimeoutExpired:
                    if progress is not None and samples is not None:
                        samples.append((time.monotonic() - started, progress()))
            finished = process.returncode == 0
        except subprocess.TimeoutExpired:
            # stop the tool (not /usr/bin/time, which then reports the tool's peak RSS)
            children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
            for child in children:
                os.kill(int(child), signal.SIGINT)
            process.wait()
            finished = False
    seconds = time.monotonic() - started
    report = log.read_text(errors="replace")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    if not finished and limit is None:
        raise SystemExit(f"{command[0]} failed; see {log}")
    return seconds, int(peak.group(1)) / 1024 if peak else float("nan"), finished


def count_rows(db: Path, table: str) -> int:
    engine = create_engine(f"sqlite:///file:{db}?mode=ro&uri=true", connect_args={"timeout": 30})
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    except Exception:  # not created yet, or locked by the writer for longer than the timeout: "unknown"
        return -1
    finally:
        engine.dispose()


def generate(comments: int, seed: int) -> Path:
    path = OUT / f"disqus-{comments}-seed{seed}.xml"
    if not path.exists():
        print(f"generating {comments:,} comments into {path} …", flush=True)
        subprocess.run([sys.executable, str(BENCH / "generate_disqus.py"), "--comments", str(comments),
                        "--seed", str(seed), "-o", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def run_porch(export: Path) -> Run:
    db = OUT / "porch.db"
    for stale in OUT.glob("porch.db*"):
        stale.unlink()
    env = {**os.environ, "PORCH_DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "120"}
    subprocess.run([str(PORCH), "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([str(PORCH), "site", "add", "bench", "--origin", ORIGIN], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print("porch import …", flush=True)
    seconds, peak, finished = timed([str(PORCH), "import", str(export), "--site", "bench"], env,
                                    OUT / "porch-import.log", None)
    return Run("Porch (SQLite)", count_rows(db, "comments"), seconds, peak, finished, total=count_rows(db, "comments"))


def ensure_isso() -> Path:
    isso = ISSO_VENV / "bin" / "isso"
    if not isso.exists():
        print(f"installing isso=={ISSO_VERSION} into {ISSO_VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(ISSO_VENV)], check=True)
        subprocess.run([str(ISSO_VENV / "bin" / "pip"), "install", "--quiet", f"isso=={ISSO_VERSION}"], check=True)
    return isso


def run_isso(export: Path, limit: float | None, total: int) -> Run:
    isso = ensure_isso()
    db = OUT / "isso.db"
    for stale in OUT.glob("isso.db*"):
        stale.unlink()
    config = OUT / "isso.cfg"
    config.write_text(ISSO_CONFIG.format(db=db, origin=ORIGIN))
    print(f"isso import --empty-id …{f' (stopped after {limit:.0f} s)' if limit else ''}", flush=True)
    samples: list[tuple[float, int]] = []
    seconds, peak, finished = timed([str(isso), "-c", str(config), "import", "--empty-id", str(export)],
                                    dict(os.environ), OUT / "isso-import.log", limit,
                                    progress=lambda: count_rows(db, "comments"), samples=samples)
    stored = count_rows(db, "comments")
    run = Run(f"Isso {ISSO_VERSION}", stored, seconds, peak, finished, total=total)
    begun = [(t, n) for t, n in samples if n > 0]
    if len(begun) >= 2:
        (t0, n0), (t1, n1) = begun[0], begun[-1]
        run.first_stored_after = t0
        run.storing_rate = (n1 - n0) / (t1 - t0) if t1 > t0 else None
    return run


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = os.getloadavg()
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


def report(runs: list[Run], export: Path, total: int, command: str) -> str:
    porch, isso = runs
    lines = [
        "# Import: Porch against Isso",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, one run of `{command}`",
        f"on {machine()}.",
        "",
        f"The file: `{export.relative_to(ROOT)}`, {total:,} comments generated by bench/generate_disqus.py "
        f"({export.stat().st_size / 1e6:,.0f} MB).",
        "",
        "| | comments stored | wall time | comments/s (whole file) | peak RSS |",
        "|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        note = "" if run.finished else " (stopped)"
        rate = f"{run.rate:,.0f}" + ("" if run.finished else " (projected)")
        lines.append(f"| {run.tool} | {run.comments:,}{note} | {run.seconds:,.1f} s | {rate} | "
                     f"{run.peak_rss_mb:,.0f} MB |")
    ratio = porch.rate / isso.rate if isso.rate else float("inf")
    lines += [
        "",
        f"Porch/Isso rate: **{ratio:,.1f}×** (target ≥ 5×); Porch's peak RSS "
        f"{porch.peak_rss_mb:,.0f} MB (target < 200 MB).",
    ]
    if not isso.finished:
        lines.append(
            f"Isso was stopped after {isso.seconds:,.0f} s. It parses the whole file into memory first (its first "
            f"comment was stored after {isso.first_stored_after or float('nan'):,.0f} s), then stores one comment "
            f"per transaction, at {isso.storing_rate or float('nan'):,.0f} comments/s once begun (sampled from its "
            f"database every 5 s); its whole-file rate is projected as comments / (time to first comment + "
            f"comments / that rate). Over the time it actually ran it stored {isso.comments / isso.seconds:,.0f}/s."
        )
    lines += ["", "Peak RSS is /usr/bin/time -v's maximum resident set size of the importing process."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--isso-seconds", type=float, default=600, help="stop Isso after this long (0: never)")
    parser.add_argument("--results", type=Path, default=BENCH / "IMPORT_RESULTS.md")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    export = generate(args.comments, args.seed)
    runs = [run_porch(export), run_isso(export, args.isso_seconds or None, args.comments)]
    command = " ".join(["python bench/import_vs_isso.py", *sys.argv[1:]])
    text_report = report(runs, export, args.comments, command)
    args.results.write_text(text_report)
    print(text_report)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
