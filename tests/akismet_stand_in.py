"""A stand-in for an Akismet-compatible service, served on loopback (the contract tests and the
pipeline's tests talk to it over real HTTP)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

KEY = "test-key"


class StandIn:
    """Says spam for 'viagra', learns from submit-spam/submit-ham, refuses other keys as Akismet does."""

    def __init__(self) -> None:
        self.taught: list[tuple[str, str]] = []

    async def check(self, request: Request) -> PlainTextResponse:
        form = await request.form()
        if form.get("api_key") != KEY:
            return PlainTextResponse("invalid", headers={"X-akismet-debug-help": "the API key is not valid"})
        if not form.get("blog") or not form.get("user_ip"):
            return PlainTextResponse("Missing required field", status_code=400)
        text = str(form.get("comment_content", "")).lower()
        spam = "viagra" in text or ("spam", text) in self.taught
        return PlainTextResponse("true" if spam else "false")

    async def learn(self, request: Request) -> PlainTextResponse:
        form = await request.form()
        kind = request.url.path.rsplit("-", 1)[-1]
        self.taught.append((kind, str(form.get("comment_content", "")).lower()))
        return PlainTextResponse("Thanks for making the web a better place.")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/1.1/comment-check", self.check, methods=["POST"]),
                Route("/1.1/submit-spam", self.learn, methods=["POST"]),
                Route("/1.1/submit-ham", self.learn, methods=["POST"]),
            ]
        )


@contextmanager
def serve_stand_in() -> Iterator[tuple[str, StandIn]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    service = StandIn()
    server = uvicorn.Server(uvicorn.Config(service.app(), lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    started = threading.Event()
    while not server.started and thread.is_alive():
        started.wait(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", service
    server.should_exit = True
    thread.join(10)
    sock.close()



def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    return f"http://127.0.0.1:{port}"
