"""Signed links in mail: unsubscribe, confirm an address, approve or reject a comment.

Signed with a secret the installation keeps in its database (``signing_keys``), made on first
use, so the server and every worker process sign and check alike without extra configuration.
A link carries what it acts on; the signature is what makes it unforgeable.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from porch.errors import InvalidInput
from porch.storage.repositories.notifications import NotificationRepository
from porch.storage.unit_of_work import UnitOfWork

KEY_NAME = "mail-links"
CONFIRM_MAX_AGE = 30 * 24 * 3600
MODERATE_MAX_AGE = 14 * 24 * 3600


def _serializer(uow: UnitOfWork, purpose: str, now: Any) -> URLSafeTimedSerializer:
    secret = NotificationRepository(uow.connection).signing_key(KEY_NAME, now)
    return URLSafeTimedSerializer(secret, salt=f"porch-{purpose}")


def sign(uow: UnitOfWork, purpose: str, data: dict[str, Any], *, now: Any) -> str:
    """A URL-safe token carrying ``data`` for ``purpose`` (unsubscribe, confirm, moderate)."""
    return _serializer(uow, purpose, now).dumps(data)


def unsign(uow: UnitOfWork, purpose: str, token: str, *, now: Any, max_age: int | None = None) -> dict[str, Any]:
    """The data a token carries; InvalidInput (``invalid_link``/``expired_link``) when it is not ours."""
    serializer = _serializer(uow, purpose, now)
    try:
        data = serializer.loads(token) if max_age is None else serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidInput("this link has expired", code="expired_link") from exc
    except BadSignature as exc:
        raise InvalidInput("this link is not valid", code="invalid_link") from exc
    if not isinstance(data, dict):
        raise InvalidInput("this link is not valid", code="invalid_link")
    return data
