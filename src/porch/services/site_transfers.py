"""Imports and exports asked for over the API: the same use cases as ``porch import``/``export``,
for the owners of the site only (docs/subsystems/imports.md).

A site's export holds every comment it has, spam and deleted ones included, and an import can
add thousands of comments at once: both are owners' business, not moderators'. Server admins
may do both on every site (:func:`porch.services.sites.access_site_by_account`).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from porch.domain.accounts import Account
from porch.domain.sites import Site
from porch.errors import InvalidInput, Unauthenticated
from porch.importers import FORMATS, read_records
from porch.services.context import Context
from porch.services.exports import EXPORT_FORMATS, ExportSummary, export_site
from porch.services.imports import ImportSummary, import_site
from porch.services.sites import access_site_by_account

TRANSFER_ROLES = frozenset({"owner"})


def access_site_for_transfer(ctx: Context, site_key: str, account: Account | None) -> Site:
    """The site, if ``account`` owns it (or is a server admin); checked before any byte is read."""
    if account is None:
        raise Unauthenticated("sign in as an owner of this site", code="sign_in_required")
    return access_site_by_account(ctx, site_key, account, TRANSFER_ROLES).site


def check_import_format(format_name: str) -> str:
    if format_name != "auto" and format_name not in FORMATS:
        raise InvalidInput(
            f"format: expected auto or one of {', '.join(FORMATS)}, got {format_name!r}", code="invalid_format"
        )
    return format_name


def check_export_format(format_name: str) -> str:
    if format_name not in EXPORT_FORMATS:
        raise InvalidInput(
            f"format: expected one of {', '.join(EXPORT_FORMATS)}, got {format_name!r}", code="invalid_format"
        )
    return format_name


def import_file_as_owner(
    ctx: Context,
    site_key: str,
    account: Account | None,
    path: Path,
    *,
    format_name: str = "auto",
    dry_run: bool = False,
) -> ImportSummary:
    """Import an uploaded export file into a site its owner names; all or nothing, like the CLI."""
    site = access_site_for_transfer(ctx, site_key, account)
    return import_site(ctx, site.key, read_records(path, check_import_format(format_name)), dry_run=dry_run)


def export_site_as_owner(
    ctx: Context, site_key: str, account: Account | None, out: IO[str], *, format_name: str = "porch"
) -> ExportSummary:
    """Write a site's export for its owner (the caller checked access first with
    :func:`access_site_for_transfer` so errors come before the response starts; checked again here)."""
    site = access_site_for_transfer(ctx, site_key, account)
    return export_site(ctx, site.key, out, format_name=check_export_format(format_name))
