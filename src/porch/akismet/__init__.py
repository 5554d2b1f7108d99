"""An Akismet-compatible client (any endpoint speaking Akismet's REST API: Akismet, or a self-hosted
stand-in), for an optional extra opinion in the anti-abuse pipeline.

``comment-check`` answers ``true`` (spam) or ``false`` as the body; anything else (an ``invalid`` key,
an error status, a timeout) is reported as :class:`AkismetUnavailable` so callers can fall back to
Porch's own checks rather than refuse or publish on a guess. The HTTP client is injected (httpx).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx


class AkismetUnavailable(Exception):
    """The service did not give a usable answer."""


@dataclass(frozen=True)
class AkismetComment:
    blog: str  # the site's origin
    user_ip: str
    content: str
    author: str | None = None
    author_email: str | None = None
    author_url: str | None = None
    permalink: str | None = None
    user_agent: str | None = None
    comment_type: str = "comment"

    def form(self, api_key: str) -> dict[str, str]:
        fields = {
            "api_key": api_key,
            "blog": self.blog,
            "user_ip": self.user_ip,
            "comment_content": self.content,
            "comment_type": self.comment_type,
            "comment_author": self.author,
            "comment_author_email": self.author_email,
            "comment_author_url": self.author_url,
            "permalink": self.permalink,
            "user_agent": self.user_agent,
        }
        return {k: v for k, v in fields.items() if v}


class AkismetClient:
    def __init__(self, endpoint: str, api_key: str, http: httpx.Client, *, timeout: float = 3.0) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._key = api_key
        self._http = http
        self._timeout = timeout

    def _post(self, path: str, comment: AkismetComment) -> httpx.Response:
        try:
            return self._http.post(f"{self._endpoint}/1.1/{path}", data=comment.form(self._key), timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise AkismetUnavailable(f"{path}: {exc.__class__.__name__}") from exc

    def is_spam(self, comment: AkismetComment) -> bool:
        """Akismet's verdict on a new comment."""
        response = self._post("comment-check", comment)
        verdict = response.text.strip()
        if response.status_code != 200 or verdict not in ("true", "false"):
            debug = response.headers.get("X-akismet-debug-help", "")
            raise AkismetUnavailable(f"comment-check answered {response.status_code} {verdict!r} {debug}".strip())
        return verdict == "true"

    def submit_spam(self, comment: AkismetComment) -> None:
        """Teach the service: a moderator marked this spam."""
        self._post("submit-spam", comment)

    def submit_ham(self, comment: AkismetComment) -> None:
        """Teach the service: a moderator approved this."""
        self._post("submit-ham", comment)
