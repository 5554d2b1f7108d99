"""Keeping people out: bans, word lists, trust, and who moderates a site (each change audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from porch.domain.accounts import Account
from porch.domain.bans import Ban, WordAction, WordRule, check_ban_value, check_note, check_word
from porch.domain.people import normalise_email
from porch.errors import ErrorList, InvalidInput, NotFound
from porch.services import notifications
from porch.services.context import Context
from porch.services.moderation import _site_by_key, check_moderator
from porch.storage.repositories.moderation import ModerationRepository

MAX_BAN_DAYS = 3650


@dataclass(frozen=True)
class NewBan:
    kind: str  # person, email or ip
    value: str
    days: int | None = None  # None: until lifted
    note: str = ""


def ban(ctx: Context, site_key: str, account: Account, new: NewBan) -> Ban:
    """Ban a person, an email address or an IP range from commenting on one site."""
    errors = ErrorList()
    kind, value = check_ban_value(new.kind, new.value, errors)
    if new.days is not None and not 1 <= new.days <= MAX_BAN_DAYS:
        errors.add("days", f"between 1 and {MAX_BAN_DAYS}, or empty for a ban until lifted")
    errors.raise_if_any()
    note = check_note(new.note)
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        if kind.value == "person" and uow.people.get(int(value)) is None:
            raise InvalidInput(f"value: there is no person {value}", code="unknown_person")
        repo = ModerationRepository(uow.connection)
        expires_at = now + timedelta(days=new.days) if new.days else None
        made = repo.add_ban(
            site_id=site.id, kind=kind, value=value, expires_at=expires_at, note=note, created_by=account.id, now=now
        )
        repo.log(
            site_id=site.id,
            account_id=account.id,
            action="ban",
            subject=f"{kind.value} {value}",
            before=None,
            after={"kind": kind.value, "value": value, "expires_at": _iso(expires_at), "note": note},
            now=now,
        )
        notifications.record_person_banned(uow, site.id, kind=kind.value, value=value, now=now)
        uow.commit()
    return made


def lift_ban(ctx: Context, site_key: str, account: Account, ban_id: int) -> None:
    """End a ban before its expiry."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        repo = ModerationRepository(uow.connection)
        found = repo.get_ban(ban_id)
        if found is None or found.site_id != site.id:
            raise NotFound(f"there is no ban {ban_id} on {site.name}", code="unknown_ban")
        repo.delete_ban(ban_id)
        repo.log(
            site_id=site.id,
            account_id=account.id,
            action="unban",
            subject=f"{found.kind.value} {found.value}",
            before={"expires_at": _iso(found.expires_at), "note": found.note},
            after=None,
            now=now,
        )
        uow.commit()


def list_bans(ctx: Context, site_key: str, account: Account) -> list[Ban]:
    """A site's bans, newest first (expired ones too, marked by their expiry)."""
    with ctx.uow() as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        return ModerationRepository(uow.connection).bans(site.id)


def set_word_rule(ctx: Context, site_key: str, account: Account, word: str, action: str) -> None:
    """Block or hold comments containing ``word`` (a word or phrase, any case)."""
    clean = check_word(word)
    try:
        chosen = WordAction(action)
    except ValueError:
        raise InvalidInput("action: block or hold", code="invalid_action") from None
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        repo = ModerationRepository(uow.connection)
        before = next((r.action.value for r in repo.word_rules(site.id) if r.word == clean), None)
        repo.set_word_rule(site.id, clean, chosen, now)
        repo.log(
            site_id=site.id,
            account_id=account.id,
            action="word_rule",
            subject=f"word {clean}"[:300],
            before={"action": before} if before else None,
            after={"action": chosen.value},
            now=now,
        )
        uow.commit()


def remove_word_rule(ctx: Context, site_key: str, account: Account, word: str) -> None:
    clean = check_word(word)
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        repo = ModerationRepository(uow.connection)
        if not repo.delete_word_rule(site.id, clean):
            raise NotFound(f"{clean!r} is not on {site.name}'s word list", code="unknown_word")
        repo.log(
            site_id=site.id, account_id=account.id, action="word_rule_removed", subject=f"word {clean}"[:300], now=now
        )
        uow.commit()


def list_word_rules(ctx: Context, site_key: str, account: Account) -> list[WordRule]:
    with ctx.uow() as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        return ModerationRepository(uow.connection).word_rules(site.id)


def add_site_moderator(ctx: Context, site_name_or_key: str, email: str) -> None:
    """Make an account a moderator of a site (from the command line; audited as such)."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        site = uow.sites.get_by_name(site_name_or_key) or uow.sites.get_by_key(site_name_or_key)
        if site is None:
            raise NotFound(f"there is no site named {site_name_or_key!r}", code="unknown_site")
        account = uow.accounts.get_by_email(normalise_email(email))
        if account is None:
            raise InvalidInput(
                f"there is no account for {email}: add it first (porch user add)", code="unknown_account"
            )
        before = uow.sites.role_of(site.id, account.id)
        if before == "owner":
            return  # owners already moderate; never demote by adding a moderator
        uow.sites.set_role(site.id, account.id, "moderator")
        ModerationRepository(uow.connection).log(
            site_id=site.id,
            account_id=None,
            action="moderator_add",
            subject=f"account {account.email}",
            before={"role": before} if before else None,
            after={"role": "moderator"},
            now=now,
        )
        uow.commit()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
