"""Who sent a request, as far as use cases care."""

from __future__ import annotations

from dataclasses import dataclass

from porch.domain.accounts import Account
from porch.domain.sites import Site
from porch.errors import Forbidden
from porch.storage.unit_of_work import UnitOfWork

MODERATING_ROLES = frozenset({"owner", "moderator"})


@dataclass(frozen=True)
class Requester:
    account: Account | None = None
    browser_token: str | None = None  # per-browser secret of an anonymous commenter
    origin: str | None = None  # the browser's Origin; None for first-party pages and non-browsers
    remote_addr: str | None = None


ANONYMOUS = Requester()


def check_origin(site: Site, requester: Requester) -> None:
    """Browsers may write to a site only from the site's own pages."""
    if requester.origin is not None and not site.allows_origin(requester.origin):
        raise Forbidden(
            f"this site accepts comments only from its own pages ({', '.join(site.origins) or 'none configured'}); "
            f"the request came from {requester.origin}",
            code="origin_not_allowed",
        )


def is_moderator(uow: UnitOfWork, site: Site, requester: Requester) -> bool:
    account = requester.account
    if account is None:
        return False
    return account.is_admin or uow.sites.role_of(site.id, account.id) in MODERATING_ROLES
