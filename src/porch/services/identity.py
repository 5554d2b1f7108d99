"""A person's identities: verified emails (with the anonymous history behind them), website,
fediverse handle, and the public profile page they may hide. See docs/subsystems/inbox.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from porch.domain.accounts import Account, check_account_email
from porch.domain.inbox import check_fediverse_handle
from porch.domain.people import MAX_NAME_LENGTH, check_author
from porch.errors import Conflict, ErrorList, FieldError, InvalidInput, NotFound
from porch.mail.message import OutgoingMail
from porch.services.context import Context, new_token, token_hash
from porch.services.inbox_index import note_person_changed
from porch.services.outbox import enqueue_mail
from porch.storage.repositories.identity import IdentityRepository
from porch.storage.repositories.inbox import InboxRepository
from porch.storage.unit_of_work import UnitOfWork

CLAIM_LINK_LIFETIME = timedelta(days=3)
REGULAR_THRESHOLD = 3  # published comments on a site that make someone one of its regulars
PROFILE_COMMENTS = 20


def claim_email_history(uow: UnitOfWork, email: str, person_id: int, now: datetime) -> int:
    """Before ``email`` joins ``person_id`` (its owner has just proved it): the anonymous person who
    used that address, on any site of this server, becomes this person — their comments and votes
    move, in the caller's transaction. Another account's person is never taken over.
    Returns the number of comments claimed."""
    owner = uow.people.email_owner(email)
    if owner is None or owner == person_id or uow.accounts.get_by_person(owner) is not None:
        return 0
    identity = IdentityRepository(uow.connection)
    moved = identity.reassign_person(owner, person_id)
    # The claimed conversations start read: they are history, not news.
    InboxRepository(uow.connection).mark_threads_read_where_person_wrote(person_id, now)
    note_person_changed(uow, person_id)
    return moved


def ask_to_add_email(ctx: Context, account: Account, email: str) -> None:
    """Mail a link to ``email``; opening it adds the address (and its history) to the account."""
    errors = ErrorList()
    email = check_account_email(email, errors)
    errors.raise_if_any()
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        owner = uow.people.find_by_email(email)
        if owner is not None and owner[0].id == account.person_id and owner[1]:
            raise Conflict("this address is already yours", code="email_already_yours")
        holder = uow.accounts.get_by_email(email)
        if holder is not None and holder.id != account.id:
            raise Conflict("this address belongs to another account", code="email_taken")
        token = new_token()
        IdentityRepository(uow.connection).add_claim(
            token_hash=token_hash(token),
            account_id=account.id,
            email=email,
            now=now,
            expires_at=now + CLAIM_LINK_LIFETIME,
        )
        link = f"{ctx.base_url}/me/emails/confirm?token={token}"
        enqueue_mail(
            ctx, uow, f"claim:{token_hash(token)[:40]}",
            OutgoingMail(
                to=email,
                subject="Confirm this address for your Porch account",
                text=f"Open this link to add {email} to your account; comments you wrote with it on any site "
                f"of this server become yours:\n\n{link}\n\nIt works once, for 3 days. "
                "If you did not ask for it, ignore this mail.\n",
            ),
            now=now,
        )
        uow.commit()


@dataclass(frozen=True)
class ClaimResult:
    account_id: int
    email: str
    comments_claimed: int


def confirm_added_email(ctx: Context, token: str) -> ClaimResult:
    """Spend a claim link: the address is verified for the account's person and its history claimed."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        used = IdentityRepository(uow.connection).use_claim(token_hash(token), now)
        if used is None:
            raise InvalidInput(
                "this confirmation link is unknown, used or expired: ask for a new one", code="invalid_token"
            )
        account_id, email = used
        account = uow.accounts.get(account_id)
        assert account is not None
        holder = uow.accounts.get_by_email(email)
        if holder is not None and holder.id != account_id:
            raise Conflict("this address belongs to another account", code="email_taken")
        moved = claim_email_history(uow, email, account.person_id, now)
        if uow.people.email_owner(email) is None:
            uow.people.add_email(account.person_id, email, verified_at=now)
        else:
            uow.people.move_email(email, account.person_id, verified_at=now)
        uow.commit()
    return ClaimResult(account_id, email, moved)


@dataclass(frozen=True)
class Identity:
    person_id: int
    name: str
    website: str | None
    fediverse: str | None
    hidden: bool
    emails: list[str] = field(default_factory=list)


def read_identity(ctx: Context, account: Account) -> Identity:
    """What the signed-in person has gathered: verified emails, website, fediverse handle."""
    with ctx.uow() as uow:
        return _identity(uow, account.person_id)


def _identity(uow: UnitOfWork, person_id: int) -> Identity:
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound(f"there is no person {person_id}", code="unknown_person")
    repo = IdentityRepository(uow.connection)
    profile = repo.profile(person_id)
    return Identity(
        person_id=person_id,
        name=person.display_name,
        website=person.website,
        fediverse=profile.fediverse_handle if profile else None,
        hidden=bool(profile.profile_hidden) if profile else False,
        emails=repo.verified_emails_of(person_id),
    )


_UNSET: Any = object()


def update_profile(
    ctx: Context,
    account: Account,
    *,
    name: Any = _UNSET,
    website: Any = _UNSET,
    fediverse: Any = _UNSET,
    hidden: Any = _UNSET,
) -> Identity:
    """Change the public face: display name, website, fediverse handle, whether the profile is hidden."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        current = _identity(uow, account.person_id)
        errors = ErrorList()
        checked = check_author(
            current.name if name is _UNSET else name,
            None,
            current.website if website is _UNSET else website,
            require_name=True,
            errors=errors,
        )
        new_fediverse = current.fediverse
        if fediverse is not _UNSET:
            try:
                new_fediverse = check_fediverse_handle(fediverse)
            except InvalidInput as exc:
                errors.add("fediverse", exc.detail.removeprefix("fediverse: "))
        if hidden is not _UNSET and not isinstance(hidden, bool):
            errors.add("hidden", "true or false")
        # check_author names fields as a comment form does; here they are the profile's own.
        ErrorList([FieldError(e.field.removeprefix("author."), e.message) for e in errors.errors]).raise_if_any()
        uow.people.update_profile(
            account.person_id, display_name=checked.name[:MAX_NAME_LENGTH], website=checked.website
        )
        IdentityRepository(uow.connection).save_profile(
            account.person_id,
            fediverse_handle=new_fediverse,
            hidden=current.hidden if hidden is _UNSET else bool(hidden),
            now=now,
        )
        if checked.name[:MAX_NAME_LENGTH] != current.name:
            note_person_changed(uow, account.person_id)  # mentions of the new name are theirs now
        identity = _identity(uow, account.person_id)
        uow.commit()
    return identity


@dataclass(frozen=True)
class ProfileComment:
    id: int
    body_html: str
    created_at: datetime
    url: str
    title: str
    site_name: str


@dataclass(frozen=True)
class RegularSite:
    name: str
    origin: str | None
    comments: int


@dataclass(frozen=True)
class PublicProfile:
    person_id: int
    name: str
    website: str | None
    fediverse: str | None
    recent: list[ProfileComment]
    regular_on: list[RegularSite]


def page_url(uri: str, origins: Any) -> str:
    """A thread's page as a link: paths are on the site's first origin."""
    if uri.startswith(("http://", "https://")):
        return uri
    first = list(origins or [])[:1]
    return (first[0] if first else "") + uri


def read_public_profile(ctx: Context, person_id: int, viewer: Account | None = None) -> PublicProfile:
    """A person's public page: recent public comments across sites and the sites they are regulars on.
    A hidden profile is not found (except by its owner), like one that never existed."""
    with ctx.uow() as uow:
        identity = _identity(uow, person_id)
        own = viewer is not None and viewer.person_id == person_id
        if (identity.hidden and not own) or uow.accounts.get_by_person(person_id) is None:
            raise NotFound(f"there is no public profile {person_id}", code="unknown_profile")
        repo = IdentityRepository(uow.connection)
        recent = [
            ProfileComment(r.id, r.body_html, r.created_at, page_url(r.uri, r.origins), r.title, r.site_name)
            for r in repo.recent_public_comments(person_id, PROFILE_COMMENTS)
        ]
        regular = [
            RegularSite(r.name, (list(r.origins or []) or [None])[0], r.comments)
            for r in repo.regular_sites(person_id, REGULAR_THRESHOLD)
        ]
    return PublicProfile(person_id, identity.name, identity.website, identity.fediverse, recent, regular)
