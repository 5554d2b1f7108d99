"""The floor: the least a Python server on Porch's stack (Starlette under uvicorn) can do per request.

``GET`` or ``POST /bytes/N`` answers a fixed JSON body of exactly N bytes, built once, so a run
against it measures the server, the event loop and HTTP — everything but Porch's own work.

    uvicorn bench.floor_app:app --workers 2 --port 8102
"""

from __future__ import annotations

from functools import lru_cache

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@lru_cache(maxsize=64)
def body_of(size: int) -> bytes:
    """``{"pad":"xxx…"}``, exactly ``size`` bytes (at least 10)."""
    return b'{"pad":"' + b"x" * max(0, size - 10) + b'"}'


async def fixed_bytes(request: Request) -> Response:
    if request.method == "POST":
        await request.body()  # read what was sent, as any real endpoint must
    return Response(body_of(int(request.path_params["size"])), media_type="application/json")


app = Starlette(routes=[Route("/bytes/{size:int}", fixed_bytes, methods=["GET", "POST"])])
