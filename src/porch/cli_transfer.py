"""What ``porch import`` and ``porch export`` show: a progress bar on a terminal, then a summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from porch.errors import InvalidInput
from porch.importers import read_records
from porch.services.context import Context
from porch.services.exports import ExportSummary, export_site
from porch.services.imports import ImportProgress, ImportSummary, import_site
from porch.services.remaps import MAX_CSV_BYTES, Remap, RemapSummary, parse_remap_csv, remap_threads

SHOWN_SKIPS = 50


def run_import(ctx: Context, path: Path, site: str, format_name: str, dry_run: bool, console: Console) -> ImportSummary:
    """Import ``path`` into ``site`` with a live count and rate, then print the summary."""
    records = read_records(path, format_name)
    started = time.monotonic()
    with Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
        TextColumn("{task.fields[read]:,} read · {task.completed:,.0f} new · {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task(f"{'checking' if dry_run else 'importing'} {path.name}", total=None, read=0, rate=0)

        def show(state: ImportProgress) -> None:
            rate = state.comments_read / max(time.monotonic() - started, 1e-6)
            progress.update(task, completed=state.comments_imported, read=state.comments_read, rate=rate)

        summary = import_site(ctx, site, records, dry_run=dry_run, progress=show)
    print_import_summary(summary, time.monotonic() - started, console)
    return summary


def print_import_summary(summary: ImportSummary, seconds: float, console: Console) -> None:
    title = f"{'dry run — nothing written' if summary.dry_run else 'imported'} into {summary.site}"
    table = Table("", "count", title=title, title_justify="left")
    table.add_row("threads (new)", f"{summary.threads_created:,}")
    table.add_row("threads (with new or existing comments)", f"{summary.threads_touched:,}")
    for status in ("published", "pending", "spam", "deleted"):
        table.add_row(f"comments {status}", f"{summary.comments.get(status, 0):,}")
    for kind, count in sorted(summary.kinds.items()):
        if kind != "comment":
            table.add_row(f"  of which {kind}s", f"{count:,}")
    table.add_row("already imported (unchanged)", f"{summary.already_imported:,}")
    table.add_row("people new / existing", f"{summary.people_created:,} / {len(summary.people_matched):,}")
    table.add_row("skipped", f"{summary.skipped_count:,}")
    rate = summary.comments_imported / seconds if seconds > 0 else 0.0
    table.add_row("time", f"{seconds:.1f} s ({rate:,.0f} comments/s)")
    console.print(table)
    if summary.skipped:
        skipped = Table("ref", "reason", title="skipped", title_justify="left")
        for record in summary.skipped[:SHOWN_SKIPS]:
            skipped.add_row(record.ref, record.reason)
        if summary.skipped_count > SHOWN_SKIPS:
            skipped.add_row("…", f"and {summary.skipped_count - SHOWN_SKIPS:,} more")
        console.print(skipped)
    for notice in summary.notices[:SHOWN_SKIPS]:
        console.print(f"[yellow]note:[/] {notice}")


def run_export(ctx: Context, site: str, format_name: str, output: Path | None, console: Console) -> ExportSummary:
    """Write the export to ``output`` (or standard output) and report what was written."""
    if output is None:
        summary = export_site(ctx, site, sys.stdout, format_name=format_name)
    else:
        with output.open("w", encoding="utf-8", newline="\n") as out:
            summary = _export_to(ctx, site, out, format_name)
    left_out = f", {summary.left_out:,} left out (spam/deleted)" if summary.left_out else ""
    console.print(
        f"exported {summary.comments:,} comments in {summary.threads:,} threads of {summary.site} "
        f"as {summary.format}{left_out}" + (f" to {output}" if output else "")
    )
    return summary


def _export_to(ctx: Context, site: str, out: IO[str], format_name: str) -> ExportSummary:
    return export_site(ctx, site, out, format_name=format_name)


def run_remap(
    ctx: Context, site: str, old: str | None, new: str | None, csv_path: Path | None, console: Console
) -> RemapSummary:
    """Remap one OLD NEW pair or a CSV of them, then say what happened to each thread."""
    if csv_path is not None:
        if old is not None or new is not None:
            raise InvalidInput("give either OLD NEW or --csv FILE, not both", code="invalid_remap")
        if csv_path.stat().st_size > MAX_CSV_BYTES:
            raise InvalidInput(f"{csv_path.name}: larger than {MAX_CSV_BYTES:,} bytes", code="invalid_remap")
        pairs = parse_remap_csv(csv_path.read_text(encoding="utf-8-sig"))
    elif old is not None and new is not None:
        pairs = [Remap(old, new)]
    else:
        raise InvalidInput("give OLD NEW, or --csv FILE with old,new rows", code="invalid_remap")
    summary = remap_threads(ctx, site, pairs)
    table = Table("old", "new", "", title=f"remapped in {summary.site}", title_justify="left")
    for old_key, new_key, what in summary.changes[:SHOWN_SKIPS]:
        table.add_row(old_key, new_key, what)
    if len(summary.changes) > SHOWN_SKIPS:
        table.add_row("…", f"and {len(summary.changes) - SHOWN_SKIPS:,} more", "")
    console.print(table)
    console.print(
        f"{summary.renamed:,} renamed, {summary.merged:,} merged ({summary.comments_moved:,} comments moved, "
        f"{summary.duplicates_dropped:,} duplicates dropped), {summary.unchanged:,} unchanged"
    )
    return summary
