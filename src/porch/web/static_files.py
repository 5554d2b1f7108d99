"""/embed.js and /count.js: the built embed (``make embed``), served to any site's pages.

The files are read once per change on disk and sent with a strong ETag, so a browser
revalidates cheaply (304) once its cached copy is a day old; the URL cannot carry a version
(site owners paste it into templates), so the cache lifetime is a day, not a year, and
``stale-while-revalidate`` keeps the widget instant while a new build propagates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request, Response

STATIC = Path(__file__).parent / "static"
SCRIPTS = ("embed.js", "count.js")
CACHE_CONTROL = "public, max-age=86400, stale-while-revalidate=604800"

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class _Asset:
    mtime_ns: int
    body: bytes
    etag: str


_assets: dict[str, _Asset] = {}


def _load(name: str) -> _Asset | None:
    path = STATIC / name
    try:
        mtime_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _assets.get(name)
    if cached is None or cached.mtime_ns != mtime_ns:
        body = path.read_bytes()
        cached = _Asset(mtime_ns, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')
        _assets[name] = cached
    return cached


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


def _script_response(request: Request, name: str) -> Response:
    asset = _load(name)
    if asset is None:
        return Response(f"// {name} is not built: run `make embed`\n", status_code=404,
                        media_type="text/javascript; charset=utf-8")
    headers = {
        "ETag": asset.etag,
        "Cache-Control": CACHE_CONTROL,
        "Access-Control-Allow-Origin": "*",  # public code, no credentials: any page may load it
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
    }
    if _etag_matches(request.headers.get("if-none-match"), asset.etag):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/embed.js")
async def embed_script(request: Request) -> Response:
    return _script_response(request, "embed.js")


@router.get("/count.js")
async def count_script(request: Request) -> Response:
    return _script_response(request, "count.js")
