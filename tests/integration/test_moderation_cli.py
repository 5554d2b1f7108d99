"""`porch site moderator add` and the moderation settings from the command line (SQLite file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from porch.bootstrap import build_context
from porch.config import Settings
from porch.services.moderation import audit_log
from tests.integration.test_cli import Porch


@pytest.fixture
def porch(tmp_path: Path) -> Porch:
    runner = Porch(f"sqlite:///{tmp_path}/porch.db")
    runner.ok("migrate")
    return runner


def test_site_moderator_add_grants_the_role_and_audits_it(porch: Porch) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    porch.ok("user", "add", "mod@example.org")
    result = porch.ok("site", "moderator", "add", "blog", "Mod@Example.org")
    assert "mod@example.org moderates blog" in " ".join(result.stdout.split()).lower()
    ctx = build_context(Settings(database_url=porch.database_url))
    with ctx.uow() as uow:
        site = uow.sites.get_by_name("blog")
        account = uow.accounts.get_by_email("mod@example.org")
        assert site is not None and account is not None
        assert uow.sites.role_of(site.id, account.id) == "moderator"
    (entry,) = audit_log(ctx, site.key, account)
    assert entry.action == "moderator_add" and entry.account_email is None and entry.after == {"role": "moderator"}
    assert "no account for nobody@example.org" in porch.fails("site", "moderator", "add", "blog", "nobody@example.org")
    assert "no site named 'nope'" in porch.fails("site", "moderator", "add", "nope", "mod@example.org")


def test_site_set_takes_the_moderation_contract_names(porch: Porch) -> None:
    porch.ok("site", "add", "blog", "--origin", "https://blog.example")
    porch.ok("site", "set", "blog", "moderation=links", "rate_limits=off", "report_threshold=5")
    settings = porch.site("blog")["settings"]
    assert settings["moderation"] == "hold_links" and settings["rate_limits"] is False
    assert settings["report_threshold"] == 5
