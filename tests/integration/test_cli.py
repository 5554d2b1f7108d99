"""The ``porch`` command, run in-process with Typer's CliRunner against a SQLite file.

SQLite only: the CLI is the same code on PostgreSQL, and these tests are about the
commands (arguments, output, exit codes), not the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from porch.bootstrap import build_context
from porch.cli import app
from porch.config import Settings
from porch.demo.content import DEMO_SITE, demo_posts
from porch.domain.sites import Site
from porch.services.accounts import log_in
from porch.services.context import Context
from porch.services.sites import list_sites
from porch.services.threads import MAX_PAGE_SIZE, read_thread
from porch.storage.engine import create_database_engine
from porch.storage.migrate import pending_revisions


class Porch:
    """Runs ``porch …`` against one database."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args), env={"PORCH_DATABASE_URL": self.database_url,
                                                        "PORCH_SMTP_URL": None, "COLUMNS": "200"})

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
        return result

    def fails(self, *args: str, code: int = 1) -> str:
        """Run a command that must fail cleanly; return its error message, whitespace-normalised."""
        result = self(*args)
        assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr)
        assert isinstance(result.exception, SystemExit), result.exception  # an exit, not a traceback
        assert "Traceback" not in result.stderr
        return " ".join(result.stderr.split())

    def sites(self) -> list[dict[str, Any]]:
        sites: list[dict[str, Any]] = json.loads(self.ok("site", "list", "--json").stdout)
        return sites

    def site(self, name: str) -> dict[str, Any]:
        (site,) = [site for site in self.sites() if site["name"] == name]
        return site


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/porch.db"


@pytest.fixture
def porch(database_url: str) -> Porch:
    runner = Porch(database_url)
    runner.ok("migrate")
    return runner


@pytest.fixture
def context(porch: Porch) -> Iterator[Context]:
    """A Context on the CLI's database, built the way the server builds it."""
    settings = Settings(database_url=porch.database_url, smtp_url=None)
    engine = create_database_engine(settings.database_url)
    yield build_context(settings, engine=engine)
    engine.dispose()


def test_migrate_brings_a_new_database_up_to_date_and_is_repeatable(database_url: str, tmp_path: Path
                                                                     ) -> None:
    porch = Porch(database_url)
    result = porch.ok("migrate")
    assert "database is up to date" in result.stdout
    assert (tmp_path / "porch.db").exists()
    engine = create_database_engine(database_url)
    try:
        assert pending_revisions(engine) is False
    finally:
        engine.dispose()
    assert "database is up to date" in porch.ok("migrate").stdout


def test_site_add_json_prints_the_site_with_its_key(porch: Porch) -> None:
    result = porch.ok("site", "add", "blog", "--origin", "https://Blog.Example:443/", "--origin",
                      "https://www.blog.example", "--json")
    site = json.loads(result.stdout)
    assert site["name"] == "blog"
    assert isinstance(site["key"], str) and len(site["key"]) >= 16
    assert site["origins"] == ["https://blog.example", "https://www.blog.example"]
    assert site["settings"]["moderation"] == "publish"
    assert site["settings"]["edit_window_seconds"] == 900
    assert porch.sites() == [site]


def test_site_add_without_json_names_the_key(porch: Porch) -> None:
    result = porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    (site,) = porch.sites()
    assert "site blog added" in result.stdout
    assert site["key"] in result.stdout


def test_site_list_json_lists_every_site(porch: Porch) -> None:
    assert porch.sites() == []
    one = json.loads(porch.ok("site", "add", "one", "--origin", "https://one.example", "--json").stdout)
    two = json.loads(porch.ok("site", "add", "two", "--origin", "https://two.example", "--json").stdout)
    sites = porch.sites()
    assert sorted(sites, key=lambda s: s["name"]) == [one, two]
    assert one["key"] != two["key"]


def test_site_list_as_a_table(porch: Porch) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    output = porch.ok("site", "list").stdout
    assert "blog" in output and "https://blog.example" in output and "publish" in output and "900s" in output


def test_site_set_changes_the_settings(porch: Porch) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    before = porch.site("blog")
    porch.ok("site", "set", "blog", "moderation=hold_first", "edit_window_seconds=60")
    after = porch.site("blog")
    assert after["settings"]["moderation"] == "hold_first"
    assert after["settings"]["edit_window_seconds"] == 60
    # Nothing else moved.
    assert {k: v for k, v in after["settings"].items() if k not in ("moderation", "edit_window_seconds")} == {
        k: v for k, v in before["settings"].items() if k not in ("moderation", "edit_window_seconds")}
    assert after["key"] == before["key"] and after["origins"] == before["origins"]


def test_site_set_booleans_and_origins(porch: Porch) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    porch.ok("site", "set", "blog", "require_name=yes", "allow_anonymous=false",
             "origins=https://new.example, https://Other.Example:8443")
    site = porch.site("blog")
    assert site["settings"]["require_name"] is True
    assert site["settings"]["allow_anonymous"] is False
    assert site["origins"] == ["https://new.example", "https://other.example:8443"]


def test_site_set_finds_the_site_by_key_too(porch: Porch) -> None:
    added = porch.ok("site", "add", "blog", "--origin", "https://blog.example", "--json")
    key = json.loads(added.stdout)["key"]
    porch.ok("site", "set", key, "max_depth=3")
    assert porch.site("blog")["settings"]["max_depth"] == 3


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("bogus=1", "unknown setting 'bogus'; known settings: akismet, allow_anonymous, edit_window_seconds"),
        ("moderation=maybe", "setting moderation: expected one of publish, hold_first, hold_links, hold_all, "
                             "got 'maybe'"),
        ("edit_window_seconds=soon", "setting edit_window_seconds: expected a whole number, got 'soon'"),
        ("edit_window_seconds=-5", "setting edit_window_seconds: must not be negative"),
        ("require_name=perhaps", "setting require_name: expected true or false, got 'perhaps'"),
        ("language=es", "setting language: expected one of en, fr, de, got 'es'"),
        ("origins=ftp://blog.example", "origin 'ftp://blog.example': expected scheme://host[:port]"),
    ],
)
def test_site_set_refuses_bad_settings_with_a_clear_message(porch: Porch, assignment: str, message: str
                                                             ) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    before = porch.site("blog")
    # A good assignment next to the bad one is not applied either: all or nothing.
    error = porch.fails("site", "set", "blog", "edit_window_seconds=60", assignment)
    assert error.startswith("error: ")
    assert message in error
    assert porch.site("blog") == before


def test_site_set_chooses_the_language_of_notification_mails(porch: Porch) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    assert porch.site("blog")["settings"]["language"] == "en"
    porch.ok("site", "set", "blog", "language=fr")
    assert porch.site("blog")["settings"]["language"] == "fr"


def test_site_set_needs_setting_equals_value(porch: Porch) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    error = porch.fails("site", "set", "blog", "moderation", code=2)
    assert "expected SETTING=VALUE, got 'moderation'" in error


def test_site_set_on_an_unknown_site(porch: Porch) -> None:
    assert "there is no site named 'nosuch'" in porch.fails("site", "set", "nosuch", "moderation=publish")


def test_duplicate_site_name_fails_clearly(porch: Porch) -> None:
    first = json.loads(porch.ok("site", "add", "blog", "--origin", "https://blog.example", "--json").stdout)
    error = porch.fails("site", "add", "blog", "--origin", "https://elsewhere.example", "--json")
    assert "a site named 'blog' exists already" in error
    assert porch.sites() == [first]


def test_site_add_refuses_a_bad_origin(porch: Porch) -> None:
    error = porch.fails("site", "add", "blog", "--origin", "blog.example")
    assert "origin 'blog.example': expected scheme://host[:port]" in error
    assert porch.sites() == []


def test_user_add_admin_creates_a_verified_admin_who_can_sign_in(porch: Porch, context: Context) -> None:
    result = porch.ok("user", "add", "Linda@Example.org", "--password", "correct horse battery", "--admin")
    assert "account linda@example.org added (server admin)" in result.stdout
    signed_in = log_in(context, "linda@example.org", "correct horse battery")
    assert signed_in.account.is_admin
    assert signed_in.account.is_verified
    assert signed_in.session_token


def test_user_add_without_admin_and_with_a_name(porch: Porch, context: Context) -> None:
    result = porch.ok("user", "add", "sam@example.org", "--password", "correct horse battery",
                      "--name", "Sam")
    assert "server admin" not in result.stdout
    account = log_in(context, "sam@example.org", "correct horse battery").account
    assert not account.is_admin
    with context.uow() as uow:
        person = uow.people.get(account.person_id)
    assert person is not None and person.display_name == "Sam"


def test_user_add_refuses_duplicates_and_bad_input(porch: Porch) -> None:
    porch.ok("user", "add", "linda@example.org", "--password", "correct horse battery")
    assert "an account with this email exists" in porch.fails(
        "user", "add", "LINDA@example.org", "--password", "another long password")
    assert "password: at least 10 characters" in porch.fails(
        "user", "add", "sam@example.org", "--password", "short")
    assert "email: is not an email address" in porch.fails("user", "add", "not-an-address", "--password",
                                                            "correct horse battery")


def _demo_state(context: Context) -> dict[str, Any]:
    (site,) = [s for s in _sites(context) if s.name == DEMO_SITE]
    threads = {}
    for post in demo_posts():
        view = read_thread(context, site.key, post.url, limit=MAX_PAGE_SIZE)
        ids = []
        stack = list(view.page.comments)
        while stack:
            node = stack.pop()
            assert not node.tombstone
            ids.append((node.comment.id, node.comment.parent_id, node.comment.author_name))
            stack.extend(node.replies)
        threads[post.url] = {"total": view.page.total, "comments": sorted(ids), "thread": view.thread}
    return {"site": site, "threads": threads, "site_count": len(_sites(context))}


def _sites(context: Context) -> list[Site]:
    return list_sites(context)


def test_demo_load_only_loads_the_two_demo_conversations(porch: Porch, context: Context) -> None:
    result = porch.ok("demo", "--load-only")
    state = _demo_state(context)
    said = " ".join(result.stdout.split())
    assert f"demo site loaded (key {state['site'].key})" in said
    # The loader goes through the reader's checks and says what they did.
    assert "refused William Mougayar's comment 3" in said and "not stored a second time" in said
    assert "held Tao Speaks's comment 1" in said and "nothing but a link" in said
    threads = state["threads"]
    assert len(threads) == 2
    assert sum(thread["total"] for thread in threads.values()) == 11
    assert sorted(thread["total"] for thread in threads.values()) == [1, 10]
    not_shown = {("conversations-social-media-and-e", 1), ("conversations-social-media-and-e", 3)}
    for post in demo_posts():
        thread = threads[post.url]
        assert thread["thread"] is not None and thread["thread"].title == post.title
        # Every other seed comment is there, shown, under the right parent.
        expected = [c for c in post.comments if (post.slug, c.n) not in not_shown]
        assert len(thread["comments"]) == thread["total"] == len(expected)
        authors = sorted(author for _, _, author in thread["comments"])
        assert authors == sorted(c.author for c in expected)
        replies = [parent for _, parent, _ in thread["comments"] if parent is not None]
        assert len(replies) == sum(1 for c in expected if c.parent)


def test_demo_load_only_twice_duplicates_nothing(porch: Porch, context: Context) -> None:
    porch.ok("demo", "--load-only")
    first = _demo_state(context)
    porch.ok("demo", "--load-only")
    second = _demo_state(context)
    assert second == first
    assert second["site_count"] == 1
    assert sum(thread["total"] for thread in second["threads"].values()) == 11


def test_thread_set_author_names_and_clears_a_pages_author(porch: Porch, context: Context) -> None:
    porch.ok("demo", "--load-only")
    porch.ok("user", "add", "editor@example.org", "--name", "Eddie")
    site = porch.site(DEMO_SITE)
    uri = demo_posts()[0].url
    assert "written by Eddie" in porch.ok("thread", "set-author", DEMO_SITE, uri, "editor@example.org").stdout
    with context.uow() as uow:
        (author,) = uow.connection.execute(text("SELECT author_person_id FROM threads WHERE uri = :uri"),
                                           {"uri": uri}).scalars()
        assert uow.people.get(author).display_name == "Eddie"
    assert "no named author" in porch.ok("thread", "set-author", site["key"], uri).stdout
    assert "nobody has commented" in porch.fails("thread", "set-author", DEMO_SITE, uri, "nobody@example.org")
    assert "no conversation" in porch.fails("thread", "set-author", DEMO_SITE, "https://nowhere.example/x",
                                            "editor@example.org")
    assert "no site" in porch.fails("thread", "set-author", "nosuchsite", uri, "editor@example.org")
