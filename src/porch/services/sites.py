"""Creating and configuring sites."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from porch.domain.accounts import Account
from porch.domain.sites import Site, SiteSettings, check_site_name, normalise_origin
from porch.errors import Conflict, Forbidden, NotFound
from porch.services.context import Context


def add_site(ctx: Context, name: str, origins: list[str], settings: dict[str, Any] | None = None) -> Site:
    """Create a site; its public key goes into the embed's ``data-porch-site``."""
    name = check_site_name(name)
    clean_origins = tuple(dict.fromkeys(normalise_origin(origin) for origin in origins))
    site_settings = SiteSettings().with_values(settings or {})
    with ctx.uow(write=True) as uow:
        if uow.sites.get_by_name(name):
            raise Conflict(f"a site named {name!r} exists already", code="site_exists")
        try:
            site = uow.sites.add(
                key=secrets.token_hex(8), name=name, origins=clean_origins, settings=site_settings, now=ctx.clock()
            )
            uow.commit()
        except IntegrityError as exc:
            raise Conflict(f"a site named {name!r} exists already", code="site_exists") from exc
    return site


def list_sites(ctx: Context) -> list[Site]:
    with ctx.uow() as uow:
        return uow.sites.list()


def find_site(ctx: Context, name_or_key: str) -> Site:
    with ctx.uow() as uow:
        site = uow.sites.get_by_name(name_or_key) or uow.sites.get_by_key(name_or_key)
    if site is None:
        raise NotFound(f"there is no site named {name_or_key!r}", code="unknown_site")
    return site


def configure_site(ctx: Context, name_or_key: str, values: dict[str, str]) -> Site:
    """Change settings (``edit_window_seconds=600``), or the origins (``origins=https://a,https://b``)."""
    with ctx.uow(write=True) as uow:
        site = uow.sites.get_by_name(name_or_key) or uow.sites.get_by_key(name_or_key)
        if site is None:
            raise NotFound(f"there is no site named {name_or_key!r}", code="unknown_site")
        values = dict(values)
        origins = site.origins
        if "origins" in values:
            raw = values.pop("origins")
            origins = tuple(dict.fromkeys(normalise_origin(o) for o in raw.split(",") if o.strip()))
        updated = Site(
            id=site.id, key=site.key, name=site.name, origins=origins,
            settings=site.settings.with_values(values), created_at=site.created_at,
        )
        uow.sites.update(updated)
        uow.commit()
    return updated


def all_allowed_origins(ctx: Context) -> set[str]:
    with ctx.uow() as uow:
        return uow.sites.all_origins()


@dataclass(frozen=True)
class ManagedSite:
    site: Site
    role: str  # "admin" (server admin), "owner" or "moderator"


def sites_managed_by(ctx: Context, account: Account) -> list[ManagedSite]:
    """The sites an account may manage, with its role on each."""
    with ctx.uow() as uow:
        sites = uow.sites.list()
        roles = uow.sites.roles_of_account(account.id)
    if account.is_admin:
        return [ManagedSite(site, roles.get(site.id, "admin")) for site in sites]
    return [ManagedSite(site, roles[site.id]) for site in sites if site.id in roles]


def access_site_by_account(ctx: Context, site_key: str, account: Account, roles: frozenset[str]) -> ManagedSite:
    """The site, if ``account`` holds one of ``roles`` on it (server admins hold all); else Forbidden.

    The only way admin code should fetch a site: a moderator of one site can do nothing on another.
    """
    with ctx.uow() as uow:
        site = uow.sites.get_by_key(site_key)
        role = uow.sites.role_of(site.id, account.id) if site else None
    if site is None:
        raise NotFound(f"there is no site with key {site_key!r}", code="unknown_site")
    if account.is_admin:
        return ManagedSite(site, role or "admin")
    if role not in roles:
        raise Forbidden(f"you have no {' or '.join(sorted(roles))} role on {site.name}", code="no_site_role")
    return ManagedSite(site, role)
