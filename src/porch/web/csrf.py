"""CSRF tokens for Porch's own forms (admin, account): bound to the session, so a page of another site
can neither read nor forge one. A second lock besides SameSite=Lax and the Origin check in
``web/api/deps.py``: a browser that sends no Origin on a form post is still covered."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from porch.errors import Forbidden
from porch.web.api.deps import session_token


def csrf_token(request: Request) -> str:
    """The token the session's forms carry."""
    token, _ = session_token(request)
    return hashlib.sha256(f"porch-csrf:{token or ''}".encode()).hexdigest()[:32]


def check_csrf(request: Request, sent: str) -> None:
    """Raise unless ``sent`` is the session's token."""
    if not hmac.compare_digest(csrf_token(request), sent or ""):
        raise Forbidden("this form has expired or came from elsewhere: reload the page and try again", code="csrf")
