"""Commenters' self-service: download everything Porch stores about me; delete my account.

Deleting is one transaction: the person's comments become tombstones (threads stay whole: replies
keep their place), their personal data (emails, name, website, addresses, profile, follows, votes)
is erased, and the account with its sessions and tokens is gone, so every open session stops at
once. The rows and what happens to each: ``storage/repositories/personal_data.py``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from porch.domain.accounts import Account
from porch.domain.people import normalise_email
from porch.errors import InvalidInput, Unauthenticated
from porch.services.context import Context
from porch.services.inbox_index import note_threads_changed
from porch.services.requesters import Requester
from porch.storage.repositories.personal_data import PersonalDataRepository

log = logging.getLogger("porch")

EXPORT_FORMAT = "porch-personal-data/1"


def _signed_in(requester: Requester) -> Account:
    if requester.account is None:
        raise Unauthenticated("sign in first (Authorization: Bearer TOKEN, or the session cookie)")
    return requester.account


def download_my_data(ctx: Context, requester: Requester) -> dict[str, Any]:
    """Everything stored about the signed-in person: account, identities, comments (source and
    rendered), votes, follows, subscriptions, roles, sessions (never their secrets)."""
    account = _signed_in(requester)
    with ctx.uow() as uow:
        data = PersonalDataRepository(uow.connection).export(account.person_id, account.id, account.email)
    exported_at = ctx.clock().isoformat().replace("+00:00", "Z")
    return {"format": EXPORT_FORMAT, "exported_at": exported_at, **data}


def check_deletion_confirmed(account: Account, confirm_email: str | None) -> None:
    """Deleting asks for the account's email typed again: a slip of the mouse deletes nothing."""
    if not confirm_email or normalise_email(confirm_email) != normalise_email(account.email):
        raise InvalidInput(
            "confirm_email: type your account's email address to confirm; nothing was deleted",
            code="confirmation_mismatch",
        )


def delete_my_account(
    ctx: Context, requester: Requester, confirm_email: str | None, *, now: datetime | None = None
) -> None:
    """Erase the signed-in person (see the module docstring), in one transaction."""
    account = _signed_in(requester)
    check_deletion_confirmed(account, confirm_email)
    now = now or ctx.clock()
    with ctx.uow(write=True) as uow:
        removed = PersonalDataRepository(uow.connection).erase(account.person_id, account.id, account.email, now)
        for thread_id, count in removed.items():
            uow.threads.add_to_count(thread_id, -count)
        note_threads_changed(uow, removed)  # their replies and mentions leave other people's inboxes
        uow.commit()
    log.info("account %s deleted by its owner (%d published comments now tombstones)", account.id, removed.total())
