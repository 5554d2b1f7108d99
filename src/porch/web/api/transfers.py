"""Imports and exports over HTTP for a site's owners (docs/subsystems/imports.md).

``POST /api/v1/sites/{key}/imports`` takes the export file as the raw request body
(``curl --data-binary @export.xml``), up to ``PORCH_MAX_IMPORT_BYTES`` — its own limit, apart from
the 64 KiB every other request gets (``BodyLimitMiddleware`` allowance). The body streams to a
temporary file, counted as it comes, and is imported all or nothing; ``dry_run=true`` answers the
same summary and writes nothing. ``GET /api/v1/sites/{key}/export`` streams the export as it is
written. Both check the owner's role before reading or writing a byte.
"""

from __future__ import annotations

import queue
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from porch.errors import PayloadTooLarge
from porch.services.context import Context
from porch.services.imports import ImportSummary
from porch.services.requesters import Requester
from porch.services.site_transfers import (
    access_site_for_transfer,
    check_export_format,
    check_import_format,
    export_site_as_owner,
    import_file_as_owner,
)
from porch.web.api.deps import get_context, get_requester
from porch.web.api.schemas import Problem

router = APIRouter(prefix="/api/v1", tags=["imports and exports"])
IMPORT_PATH = r"/api/v1/sites/[^/]+/imports"
PROBLEMS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (401, 403, 404, 413, 422)}
MEDIA_TYPES = {"porch": "application/x-ndjson", "disqus": "application/xml", "wxr": "application/xml"}
EXTENSIONS = {"porch": "jsonl", "disqus": "xml", "wxr": "xml"}
STREAM_CHUNK = 64 * 1024


class SkippedOut(BaseModel):
    ref: str
    reason: str


class ImportSummaryOut(BaseModel):
    site: str
    dry_run: bool
    threads_created: int
    threads_touched: int
    comments: dict[str, int]
    kinds: dict[str, int]
    already_imported: int
    people_created: int
    people_matched: int
    skipped_count: int
    skipped: list[SkippedOut]
    notices: list[str]


def summary_json(summary: ImportSummary) -> dict[str, Any]:
    return {
        "site": summary.site,
        "dry_run": summary.dry_run,
        "threads_created": summary.threads_created,
        "threads_touched": summary.threads_touched,
        "comments": dict(summary.comments),
        "kinds": dict(summary.kinds),
        "already_imported": summary.already_imported,
        "people_created": summary.people_created,
        "people_matched": len(summary.people_matched),
        "skipped_count": summary.skipped_count,
        "skipped": [{"ref": s.ref, "reason": s.reason} for s in summary.skipped],
        "notices": summary.notices,
    }


@router.post(
    "/sites/{site_key}/imports",
    response_model=ImportSummaryOut,
    status_code=201,
    responses={200: {"model": ImportSummaryOut, "description": "dry run: what the import would do"}, **PROBLEMS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def import_into_site(
    site_key: str,
    request: Request,
    format: str = Query("auto", description="auto, disqus, wxr, blogger, isso or porch"),  # noqa: A002
    dry_run: bool = Query(False, description="read and check everything, write nothing"),
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """Import an export file (the raw request body, .xml, .xml.gz, .atom, Isso's .db, Porch .jsonl)."""
    await run_in_threadpool(access_site_for_transfer, ctx, site_key, requester.account)
    check_import_format(format)
    limit: int = request.app.state.settings.max_import_bytes
    with tempfile.TemporaryDirectory(prefix="porch-import-") as directory:
        path = Path(directory) / "upload"
        size = 0
        with path.open("wb") as upload:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"the import file is larger than {limit} bytes")
                await run_in_threadpool(upload.write, chunk)
        summary = await run_in_threadpool(
            import_file_as_owner, ctx, site_key, requester.account, path, format_name=format, dry_run=dry_run
        )
    return JSONResponse(summary_json(summary), status_code=200 if dry_run else 201)


class _QueueWriter:
    """A text file for the exporter that hands bytes to the response a chunk at a time.

    The exporter runs in its own thread (one read transaction); the queue is bounded, so a slow
    reader slows the export instead of filling memory, and ``cancelled`` stops it when the
    client goes away.
    """

    def __init__(self) -> None:
        self.chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
        self.cancelled = threading.Event()
        self._buffer: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= STREAM_CHUNK:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._buffer:
            data = "".join(self._buffer).encode("utf-8")
            self._buffer, self._size = [], 0
            self.put(data)

    def take(self) -> bytes | BaseException | None:
        """The next chunk (None: the end); never blocks a worker thread for good."""
        while True:
            try:
                return self.chunks.get(timeout=0.5)
            except queue.Empty:
                if self.cancelled.is_set():
                    return None

    def put(self, item: bytes | BaseException | None) -> None:
        while not self.cancelled.is_set():
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise _Cancelled


class _Cancelled(Exception):
    """The client went away: the export thread stops writing."""


@router.get("/sites/{site_key}/export", responses=PROBLEMS)
async def export_of_site(
    site_key: str,
    format: str = Query("porch", description="porch (JSON Lines), disqus or wxr"),  # noqa: A002
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> StreamingResponse:
    """Stream the site's export: Porch JSON Lines (lossless), Disqus's import format, or WXR."""
    site = await run_in_threadpool(access_site_for_transfer, ctx, site_key, requester.account)
    check_export_format(format)
    writer = _QueueWriter()

    def produce() -> None:
        try:
            export_site_as_owner(ctx, site_key, requester.account, writer, format_name=format)  # type: ignore[arg-type]
            writer.flush()
            writer.put(None)
        except _Cancelled:
            return
        except BaseException as exc:  # handed to the response, which ends the stream early
            try:
                writer.put(exc)
            except _Cancelled:
                return

    async def body() -> AsyncIterator[bytes]:
        thread = threading.Thread(target=produce, name=f"porch-export-{site.key}", daemon=True)
        thread.start()
        try:
            while True:
                item = await run_in_threadpool(writer.take)
                if item is None:
                    return
                if isinstance(item, BaseException):
                    # The headers are gone: a truncated body (no final line) is all we can say.
                    raise item
                yield item
        finally:
            writer.cancelled.set()

    filename = f"{site.name}-{format}.{EXTENSIONS[format]}"
    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
