"""The ``porch`` command: serve, migrate, sites, users, the demo."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from porch.bootstrap import build_context
from porch.config import Settings
from porch.errors import PorchError
from porch.services.context import Context
from porch.storage.engine import create_database_engine
from porch.storage.migrate import pending_revisions, upgrade

app = typer.Typer(
    help="Porch: conversations for blogs and communities.", no_args_is_help=True, pretty_exceptions_enable=False
)
site_app = typer.Typer(help="Sites: add, list, configure.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(site_app, name="site")
app.add_typer(user_app, name="user")
inbox_app = typer.Typer(help="The conversation inbox.", no_args_is_help=True)
app.add_typer(inbox_app, name="inbox")
console = Console()
errors = Console(stderr=True)


def _context() -> Context:
    return build_context(Settings())


def _fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _migrate(settings: Settings) -> None:
    engine = create_database_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Bring the database (PORCH_DATABASE_URL) up to the code's schema."""
    settings = Settings()
    _migrate(settings)
    console.print(f"[green]database is up to date[/] ({_safe_url(settings.database_url)})")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8080,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve Porch with uvicorn (the production server)."""
    import uvicorn

    settings = Settings()
    engine = create_database_engine(settings.database_url)
    try:
        if pending_revisions(engine):
            raise _fail("the database schema is behind this version of Porch: run `porch migrate` first")
    finally:
        engine.dispose()
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(
        "porch.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=5,  # open live streams (SSE) would otherwise hold a shutdown for minutes
    )


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8080,
    load_only: Annotated[bool, typer.Option("--load-only", help="load the demo content, do not serve")] = False,
) -> None:
    """Migrate, load the demo blog's conversations, and serve them."""
    from porch.demo.content import load_demo

    settings = Settings()
    _migrate(settings)
    site = load_demo(
        _context(), f"http://{host}:{port}", report=lambda line: console.print(line, markup=False, highlight=False)
    )
    console.print(f"[green]demo site loaded[/] (key [bold]{site.key}[/])")
    if load_only:
        return
    console.print(f"Open [bold]http://{host}:{port}/demo/[/] — API docs at http://{host}:{port}/api/docs")
    serve(host=host, port=port, workers=1)


@site_app.command("add")
def site_add(
    name: str,
    origin: Annotated[list[str], typer.Option(help="an origin whose pages may post (repeatable)")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Add a site; prints its public key for the embed."""
    from porch.services.sites import add_site

    try:
        site = add_site(_context(), name, origin)
    except PorchError as exc:
        raise _fail(exc.detail) from None
    if as_json:
        print(json.dumps(_site_json(site)))
    else:
        console.print(f"site [bold]{site.name}[/] added; key: [bold green]{site.key}[/]")


def _site_json(site) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"name": site.name, "key": site.key, "origins": list(site.origins), "settings": site.settings.to_json()}


@site_app.command("list")
def site_list(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """List the sites."""
    from porch.services.sites import list_sites

    sites = list_sites(_context())
    if as_json:
        print(json.dumps([_site_json(site) for site in sites]))
        return
    table = Table("name", "key", "origins", "moderation", "edit window")
    for site in sites:
        table.add_row(
            site.name,
            site.key,
            ", ".join(site.origins),
            site.settings.moderation.value,
            f"{site.settings.edit_window_seconds}s",
        )
    console.print(table)


@site_app.command("set")
def site_set(
    name: str,
    assignments: Annotated[list[str], typer.Argument(help="SETTING=VALUE, e.g. moderation=hold_first")],
) -> None:
    """Change a site's settings (or origins=https://a.example,https://b.example)."""
    from porch.services.sites import configure_site

    values = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep:
            raise _fail(f"expected SETTING=VALUE, got {assignment!r}", 2)
        values[key.strip()] = value.strip()
    try:
        site = configure_site(_context(), name, values)
    except PorchError as exc:
        raise _fail(exc.detail) from None
    console.print(f"site [bold]{site.name}[/] updated: {json.dumps(site.settings.to_json())}")


@site_app.command("role")
def site_role(name: str, email: str, role: Annotated[str, typer.Argument(help="owner or moderator")]) -> None:
    """Make an account owner or moderator of a site."""
    from porch.services.accounts import grant_site_role
    from porch.services.sites import find_site

    try:
        ctx = _context()
        grant_site_role(ctx, find_site(ctx, name).id, email, role)
    except PorchError as exc:
        raise _fail(exc.detail) from None
    console.print(f"{email} is now {role} of {name}")


moderator_app = typer.Typer(help="A site's moderators.", no_args_is_help=True)
site_app.add_typer(moderator_app, name="moderator")


@moderator_app.command("add")
def site_moderator_add(name: str, email: str) -> None:
    """Make an account a moderator of a site (it can then use the queue, bans and the audit log there)."""
    from porch.services.bans import add_site_moderator

    try:
        add_site_moderator(_context(), name, email)
    except PorchError as exc:
        raise _fail(exc.detail) from None
    console.print(f"{email} moderates {name}")


thread_app = typer.Typer(help="A site's pages (threads).", no_args_is_help=True)
app.add_typer(thread_app, name="thread")


@thread_app.command("set-author")
def thread_set_author(
    site: Annotated[str, typer.Argument(help="the site (name or key)")],
    uri: Annotated[str, typer.Argument(help="the page's URL")],
    email: Annotated[str | None, typer.Argument(help="the author's email; omit to clear (owners count)")] = None,
) -> None:
    """Name who wrote a page, for the analytics' author's-presence measures (imported sites need it)."""
    from porch.services.analytics import set_thread_author

    try:
        author = set_thread_author(_context(), site, uri, email, None)
    except PorchError as exc:
        raise _fail(exc.detail) from None
    if author.person_id is None:
        console.print(f"{uri}: no named author (the owners of {site} count as its authors)")
    else:
        console.print(f"{uri}: written by {author.name} (person {author.person_id})")


@user_app.command("add")
def user_add(
    email: str,
    password: Annotated[str | None, typer.Option(help="omit for sign-in by emailed link only")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="server administrator")] = False,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
) -> None:
    """Add an account (its address counts as verified)."""
    from porch.services.accounts import add_user

    try:
        account = add_user(_context(), email, password, is_admin=admin, name=name)
    except PorchError as exc:
        raise _fail(exc.detail) from None
    console.print(f"account {account.email} added" + (" (server admin)" if account.is_admin else ""))


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="the export file (.xml, .xml.gz, .atom, Isso's .db, Porch .jsonl)")],
    site: Annotated[str, typer.Option("--site", help="the site to import into (name or key)")],
    format_name: Annotated[
        str, typer.Option("--format", help="auto, disqus, wxr, blogger, isso or porch")
    ] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="read and check everything, write nothing")] = False,
) -> None:
    """Import a Disqus, WordPress, Blogger or Isso export (or Porch's own) into a site.

    All or nothing, and idempotent: the same file twice changes nothing. Site owners can do the
    same over the API: POST /api/v1/sites/{key}/imports.
    """
    from porch.cli_transfer import run_import

    if not file.is_file():
        raise _fail(f"{file}: no such file", 2)
    try:
        run_import(_context(), file, site, format_name, dry_run, console)
    except PorchError as exc:
        raise _fail(f"{file.name}: {exc.detail}. Nothing was imported.") from None


@app.command("remap")
def remap(
    site: Annotated[str, typer.Option("--site", help="the site (name or key)")],
    old: Annotated[str | None, typer.Argument(help="the page's old URL (or path)")] = None,
    new: Annotated[str | None, typer.Argument(help="its new URL (or path)")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="a CSV of old,new rows")] = None,
) -> None:
    """Move conversations to new page URLs after a permalink change; merges into existing threads, all or nothing."""
    from porch.cli_transfer import run_remap

    try:
        run_remap(_context(), site, old, new, csv_file, console)
    except PorchError as exc:
        raise _fail(f"{exc.detail}. Nothing was remapped.") from None


@app.command("export")
def export_file(
    site: Annotated[str, typer.Option("--site", help="the site to export (name or key)")],
    format_name: Annotated[str, typer.Option("--format", help="porch (JSON Lines), disqus or wxr")] = "porch",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file to write (default: stdout)")] = None,
) -> None:
    """Export a site's conversations: Porch JSON Lines (lossless), Disqus's import format, or WXR."""
    from porch.cli_transfer import run_export

    try:
        run_export(_context(), site, format_name, output, errors if output is None else console)
    except PorchError as exc:
        raise _fail(exc.detail) from None


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="name on the jobs it claims (default: host:pid)")] = None,
    once: Annotated[bool, typer.Option("--once", help="deliver what is due, then stop")] = False,
) -> None:
    """Deliver outbox jobs (mail, webhooks) until stopped. `porch serve` runs one too (PORCH_OUTBOX_IN_SERVE)."""
    from porch.worker.outbox import run_worker_command

    logging.basicConfig(level=logging.INFO)
    run_worker_command(Settings(), name=name, once=once)


@app.command("poll-feeds")
def poll_feeds(
    once: Annotated[bool, typer.Option("--once", help="poll what is due, then stop")] = False,
    interval: Annotated[float, typer.Option(help="seconds between rounds")] = 60.0,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="also fetch feeds on private/loopback addresses (intranets)")
    ] = False,
) -> None:
    """Poll the RSS/Atom comment feeds inboxes subscribe to (conditional GETs, backoff, per-host limits)."""
    import httpx

    from porch.worker.feeds import USER_AGENT, poll_once, run_forever

    logging.basicConfig(level=logging.INFO)
    ctx = _context()
    if not once:
        run_forever(ctx, interval_seconds=interval, allow_private=allow_private)
    with httpx.Client(headers={"User-Agent": USER_AGENT}) as client:
        report = poll_once(ctx, client, allow_private=allow_private)
    console.print(f"feeds: {report.fetched} fetched, {report.new_items} new items, {report.unchanged} unchanged, "
                  f"{report.failed} failed, {report.deferred} deferred")


@inbox_app.command("rebuild")
def inbox_rebuild() -> None:
    """Derive every inbox's conversation index again from comments, follows and mentions (after
    restoring a backup or writing comments behind Porch's back; `porch migrate` fills it once)."""
    from porch.services.inbox_index import rebuild_inboxes

    kept = rebuild_inboxes(_context())
    console.print(f"inbox: {kept:,} conversation rows rebuilt")


def main() -> None:
    app()
