"""HTTP side of prepared thread pages (services/prepared_threads.py): the encoder, the per-app
LRU, and the 200/304 responses with their validators."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

from porch.services.prepared_threads import PreparedPage, PreparedPages
from porch.services.threads import ThreadView
from porch.web.api.serialize import thread_page_json

# Caches may keep a page but must ask again before using it: a thread changes at any moment,
# and asking costs a 304 with no body when it has not.
REVALIDATE = {"Cache-Control": "no-cache"}


def thread_page_bytes(view: ThreadView) -> bytes:
    """The JSON body of a thread page, byte for byte what JSONResponse would send."""
    return json.dumps(
        thread_page_json(view), ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def prepared_pages(request: Request) -> PreparedPages:
    """This app's LRU of prepared pages (one per worker process; created on first use).

    Created in the event loop's thread, so two first requests cannot both create one."""
    pages: PreparedPages | None = getattr(request.app.state, "prepared_pages", None)
    if pages is None:
        pages = request.app.state.prepared_pages = PreparedPages()
    return pages


def prepared_response(prepared: PreparedPage) -> Response:
    headers = {"ETag": prepared.etag, **REVALIDATE}
    if not prepared.modified:
        return Response(status_code=304, headers=headers)
    return Response(prepared.body, media_type="application/json", headers=headers)
