"""Accounts: registering, verifying an email, signing in by password or emailed link, sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from porch.domain.accounts import (
    MAGIC_LINK_LIFETIME,
    SESSION_LIFETIME,
    VERIFY_LINK_LIFETIME,
    Account,
    check_account_email,
    check_new_password,
)
from porch.domain.people import MAX_NAME_LENGTH, normalise_email
from porch.errors import Conflict, ErrorList, InvalidInput, Unauthenticated
from porch.mail.message import OutgoingMail
from porch.services.context import Context, new_token, token_hash
from porch.services.identity import claim_email_history
from porch.services.outbox import enqueue_mail
from porch.services.sign_in_limits import check_sign_in_allowed
from porch.storage.unit_of_work import UnitOfWork

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("porch-dummy-password")

PURPOSE_VERIFY = "verify"
PURPOSE_MAGIC = "magic"


@dataclass(frozen=True)
class SignedIn:
    account: Account
    session_token: str


def _check_name(name: str | None, email: str, errors: ErrorList) -> str:
    clean = " ".join((name or "").split())
    if len(clean) > MAX_NAME_LENGTH:
        errors.add("name", f"at most {MAX_NAME_LENGTH} characters")
    return clean or email.split("@", 1)[0][:MAX_NAME_LENGTH]


def _create_account(
    uow: UnitOfWork, email: str, password: str | None, name: str, *, is_admin: bool, verified: bool, ctx: Context
) -> Account:
    now = ctx.clock()
    if uow.accounts.get_by_email(email):
        raise Conflict("an account with this email exists: sign in, or ask for a sign-in link", code="account_exists")
    person = uow.people.add(display_name=name, website=None, now=now)
    verified_at = now if verified else None
    account = uow.accounts.add(
        person_id=person.id,
        email=email,
        password_hash=_hasher.hash(password) if password else None,
        is_admin=is_admin,
        now=now,
        verified_at=verified_at,
    )
    # An anonymous commenter may have used this address before: the address (and, once
    # verified, the history behind it) moves to the account only when the mail is confirmed.
    if uow.people.email_owner(email) is None:
        uow.people.add_email(person.id, email, verified_at=verified_at)
    elif verified:
        claim_email_history(uow, email, person.id, now)
        uow.people.move_email(email, person.id, verified_at=now)
    return account


def register_account(
    ctx: Context, email: str, password: str, name: str | None = None, *, remote_addr: str | None = None
) -> Account | None:
    """Create an account and mail a verification link; the new account, or None when the address has
    an account already. Then that account is mailed a sign-in link instead ("you already have an
    account"), and nothing else changes: the caller answers the same either way, so registering says
    nothing about which addresses have accounts. Rate-limited like sign-in links."""
    errors = ErrorList()
    email = check_account_email(email, errors)
    check_new_password(password, errors)
    display_name = _check_name(name, email, errors)
    errors.raise_if_any()
    check_sign_in_allowed(ctx, "register", email, remote_addr)
    with ctx.uow(write=True) as uow:
        existing = uow.accounts.get_by_email(email)
        if existing is not None:
            _hasher.hash(password)  # the same work as a new account, so the answer takes as long
            _mail_link(ctx, uow, existing, PURPOSE_MAGIC, already_registered=True)
            uow.commit()
            return None
        try:
            account = _create_account(uow, email, password, display_name, is_admin=False, verified=False, ctx=ctx)
        except IntegrityError as exc:  # a concurrent registration of the same address
            raise Conflict("an account with this email exists", code="account_exists") from exc
        _mail_link(ctx, uow, account, PURPOSE_VERIFY)
        uow.commit()
    return account


def add_user(ctx: Context, email: str, password: str | None, *, is_admin: bool, name: str | None = None) -> Account:
    """Operator path (``porch user add``): the address counts as verified."""
    errors = ErrorList()
    email = check_account_email(email, errors)
    if password is not None:
        check_new_password(password, errors)
    display_name = _check_name(name, email, errors)
    errors.raise_if_any()
    with ctx.uow(write=True) as uow:
        account = _create_account(uow, email, password, display_name, is_admin=is_admin, verified=True, ctx=ctx)
        uow.commit()
    return account


def _mail_link(
    ctx: Context, uow: UnitOfWork, account: Account, purpose: str, *, already_registered: bool = False
) -> None:
    token = new_token()
    now = ctx.clock()
    lifetime = VERIFY_LINK_LIFETIME if purpose == PURPOSE_VERIFY else MAGIC_LINK_LIFETIME
    uow.accounts.add_email_token(
        token_hash=token_hash(token), account_id=account.id, purpose=purpose, now=now, expires_at=now + lifetime
    )
    minutes = int(lifetime.total_seconds() // 60)
    if purpose == PURPOSE_VERIFY:
        link = f"{ctx.base_url}/auth/verify?token={token}"
        mail = OutgoingMail(
            to=account.email,
            subject="Confirm your email address",
            text=f"Open this link to confirm your address for commenting:\n\n{link}\n\n"
            f"It works once, for {minutes // 1440} days. If you did not sign up, ignore this mail.\n",
        )
    elif already_registered:
        link = f"{ctx.base_url}/auth/magic?token={token}"
        mail = OutgoingMail(
            to=account.email,
            subject="You already have an account",
            text="Someone (you, probably) asked to sign up with this address, which already has an account.\n"
            f"Open this link to sign in:\n\n{link}\n\n"
            f"It works once, for {minutes} minutes. If it was not you, ignore this mail: nothing has changed.\n",
        )
    else:
        link = f"{ctx.base_url}/auth/magic?token={token}"
        mail = OutgoingMail(
            to=account.email,
            subject="Your sign-in link",
            text=f"Open this link to sign in:\n\n{link}\n\n"
            f"It works once, for {minutes} minutes. If you did not ask for it, ignore this mail.\n",
        )
    # Through the outbox, in this transaction: retried if the mail server is away, never sent for a
    # token that was rolled back; the worker is woken on commit, so the link still arrives at once.
    enqueue_mail(ctx, uow, f"account:{purpose}:{token_hash(token)[:40]}", mail, now=now)


def verify_email(ctx: Context, token: str) -> Account:
    """Spend a verification token: the account's address is confirmed."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        account_id = uow.accounts.use_email_token(token_hash(token), PURPOSE_VERIFY, now)
        if account_id is None:
            raise InvalidInput(
                "this confirmation link is unknown, used or expired: ask for a new one", code="invalid_token"
            )
        account = _confirm(uow, account_id, now)
        uow.commit()
    return account


def _confirm(uow: UnitOfWork, account_id: int, now: datetime) -> Account:
    account = uow.accounts.get(account_id)
    assert account is not None
    uow.accounts.mark_verified(account_id, now)
    claim_email_history(uow, account.email, account.person_id, now)  # the anonymous comments become theirs
    uow.people.move_email(account.email, account.person_id, verified_at=now)
    refreshed = uow.accounts.get(account_id)
    assert refreshed is not None
    return refreshed


def _open_session(uow: UnitOfWork, account: Account, ctx: Context) -> str:
    token = new_token()
    now = ctx.clock()
    uow.accounts.add_session(
        token_hash=token_hash(token), account_id=account.id, now=now, expires_at=now + SESSION_LIFETIME
    )
    return token


def log_in(ctx: Context, email: str, password: str, *, remote_addr: str | None = None) -> SignedIn:
    """Check a password; open a session. Rate-limited per address and per email (services/sign_in_limits.py)."""
    errors = ErrorList()
    email = check_account_email(email, errors)
    errors.raise_if_any()
    check_sign_in_allowed(ctx, "sign-in", email, remote_addr)
    wrong = Unauthenticated("the email or the password is wrong", code="wrong_credentials")
    with ctx.uow(write=True) as uow:
        account = uow.accounts.get_by_email(email)
        stored = uow.accounts.password_hash(account.id) if account else None
        try:
            _hasher.verify(stored or _DUMMY_HASH, password[:2048])
        except (VerificationError, InvalidHashError):
            raise wrong from None
        if account is None or stored is None:
            raise wrong
        if _hasher.check_needs_rehash(stored):
            uow.accounts.set_password_hash(account.id, _hasher.hash(password))
        session = _open_session(uow, account, ctx)
        uow.commit()
    return SignedIn(account, session)


def send_magic_link(ctx: Context, email: str, *, remote_addr: str | None = None) -> None:
    """Mail a one-time sign-in link; an unknown address gets a new password-less account. Rate-limited."""
    errors = ErrorList()
    email = check_account_email(email, errors)
    errors.raise_if_any()
    check_sign_in_allowed(ctx, "magic-link", email, remote_addr)
    with ctx.uow(write=True) as uow:
        account = uow.accounts.get_by_email(email)
        if account is None:
            account = _create_account(
                uow, email, None, _check_name(None, email, errors), is_admin=False, verified=False, ctx=ctx
            )
        _mail_link(ctx, uow, account, PURPOSE_MAGIC)
        uow.commit()


def redeem_magic_link(ctx: Context, token: str) -> SignedIn:
    """Spend a sign-in token; the link proved the address, so it is verified too."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        account_id = uow.accounts.use_email_token(token_hash(token), PURPOSE_MAGIC, now)
        if account_id is None:
            raise Unauthenticated(
                "this sign-in link is unknown, used or expired: ask for a new one", code="invalid_token"
            )
        account = _confirm(uow, account_id, now)
        session = _open_session(uow, account, ctx)
        uow.commit()
    return SignedIn(account, session)


def log_out(ctx: Context, session_token: str) -> None:
    with ctx.uow(write=True) as uow:
        uow.accounts.delete_session(token_hash(session_token))
        uow.commit()


def account_for_session(ctx: Context, session_token: str) -> Account | None:
    with ctx.uow() as uow:
        return uow.accounts.account_for_session(token_hash(session_token), ctx.clock())


def grant_site_role(ctx: Context, site_id: int, email: str, role: str) -> None:
    if role not in ("owner", "moderator"):
        raise InvalidInput("role: owner or moderator", code="invalid_role")
    with ctx.uow(write=True) as uow:
        account = uow.accounts.get_by_email(normalise_email(email))
        if account is None:
            raise InvalidInput(f"there is no account for {email}", code="unknown_account")
        uow.sites.set_role(site_id, account.id, role)
        uow.commit()


def display_name_of(ctx: Context, person_id: int) -> str:
    with ctx.uow() as uow:
        person = uow.people.get(person_id)
    return person.display_name if person else ""
