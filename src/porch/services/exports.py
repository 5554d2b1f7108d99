"""Exporting a site: the door out is always open (Porch JSON, Disqus import format, WXR)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from porch.errors import InvalidInput, NotFound
from porch.exporters.porch_json import write_porch
from porch.exporters.wxr import write_wxr
from porch.services.context import Context
from porch.storage.repositories.exports import ExportRepository

EXPORT_FORMATS = ("porch", "disqus", "wxr")


@dataclass(frozen=True)
class ExportSummary:
    site: str
    format: str
    threads: int
    comments: int
    left_out: int  # comments the format cannot hold


def export_site(ctx: Context, site_name_or_key: str, out: IO[str], *, format_name: str = "porch") -> ExportSummary:
    """Write a site's conversations to ``out`` in ``format_name``; one read transaction, streamed."""
    if format_name not in EXPORT_FORMATS:
        raise InvalidInput(f"format: expected one of {', '.join(EXPORT_FORMATS)}, got {format_name!r}")
    with ctx.uow() as uow:
        site = uow.sites.get_by_name(site_name_or_key) or uow.sites.get_by_key(site_name_or_key)
        if site is None:
            raise NotFound(f"there is no site named {site_name_or_key!r}", code="unknown_site")
        repo = ExportRepository(uow.connection)
        threads = repo.threads_with_comments(site.id)
        if format_name == "porch":
            written = write_porch(
                out, site, exported_at=ctx.clock(), people=repo.people_of_site(site.id), threads=threads,
                comments=repo.comments_of_threads([t.id for t in threads]),
            )
            return ExportSummary(site.name, format_name, len(threads), written, 0)
        counts = write_wxr(
            out, site, threads=threads, comments_of=lambda thread_id: repo.comments_of_threads([thread_id]),
            disqus=format_name == "disqus",
        )
        return ExportSummary(site.name, format_name, counts.threads, counts.comments, counts.left_out)
