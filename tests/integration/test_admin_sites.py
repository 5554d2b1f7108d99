"""The admin's frame: sign-in, the sites an account manages, and per-site role checks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from porch.services.accounts import add_user, grant_site_role
from porch.services.context import Context
from porch.services.sites import find_site
from tests.factories import make_site

PASSWORD = "correct horse battery"


def _sign_in(client: TestClient, email: str) -> None:
    response = client.post("/admin/login", data={"email": email, "password": PASSWORD, "next": "/admin/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def _people(ctx: Context) -> tuple[str, str]:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    other = make_site(ctx, "other", ["https://other.example"])
    add_user(ctx, "owner@example.org", PASSWORD, is_admin=False)
    add_user(ctx, "mod@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, blog.id, "owner@example.org", "owner")
    grant_site_role(ctx, blog.id, "mod@example.org", "moderator")
    return blog.key, other.key


def test_admin_pages_send_strangers_to_sign_in(client: TestClient) -> None:
    response = client.get("/admin/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login?next=/admin/"
    wrong = client.post("/admin/login", data={"email": "x@example.org", "password": "nope nope nope"})
    assert wrong.status_code == 401 and "wrong" in wrong.text


def test_each_account_sees_only_its_sites(client: TestClient, ctx: Context) -> None:
    blog, other = _people(ctx)
    _sign_in(client, "mod@example.org")
    page = client.get("/admin/")
    assert page.status_code == 200 and f"/admin/sites/{blog}" in page.text and other not in page.text
    assert client.get(f"/admin/sites/{blog}").status_code == 200
    assert client.get(f"/admin/sites/{other}").status_code == 403


def test_only_owners_change_settings(client: TestClient, ctx: Context) -> None:
    blog, _ = _people(ctx)
    form = {"edit_window_seconds": "60", "moderation": "hold_first", "max_comment_length": "5000",
            "max_depth": "4", "origins": "https://blog.example\nhttps://www.blog.example", "allow_anonymous": "on"}
    _sign_in(client, "mod@example.org")
    refused = client.post(f"/admin/sites/{blog}/settings", data=form, headers={"Origin": "http://porch.test"})
    assert refused.status_code == 403
    assert find_site(ctx, "blog").settings.moderation.value == "publish"

    client.cookies.clear()
    _sign_in(client, "owner@example.org")
    saved = client.post(f"/admin/sites/{blog}/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303
    site = find_site(ctx, "blog")
    assert site.settings.moderation.value == "hold_first" and site.settings.edit_window_seconds == 60
    assert site.origins == ("https://blog.example", "https://www.blog.example")
    assert site.settings.allow_anonymous is True and site.settings.require_name is False

    invalid = client.post(f"/admin/sites/{blog}/settings", data={**form, "moderation": "chaos"})
    assert invalid.status_code == 422 and "moderation" in invalid.text


def test_server_admin_manages_every_site(client: TestClient, ctx: Context) -> None:
    blog, other = _people(ctx)
    add_user(ctx, "root@example.org", PASSWORD, is_admin=True)
    _sign_in(client, "root@example.org")
    page = client.get("/admin/")
    assert blog in page.text and other in page.text
    assert client.get(f"/admin/sites/{other}").status_code == 200


def test_signing_out_ends_the_session(client: TestClient, ctx: Context) -> None:
    _people(ctx)
    _sign_in(client, "owner@example.org")
    assert client.post("/admin/logout", follow_redirects=False).status_code == 303
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_owners_choose_the_language_of_notification_mails(client: TestClient, ctx: Context) -> None:
    blog, _ = _people(ctx)
    form = {"edit_window_seconds": "60", "moderation": "publish", "max_comment_length": "5000",
            "max_depth": "4", "origins": "https://blog.example", "language": "fr"}
    _sign_in(client, "owner@example.org")
    page = client.get(f"/admin/sites/{blog}")
    assert '<select id="language" name="language">' in page.text and '<option value="en" selected>' in page.text
    saved = client.post(f"/admin/sites/{blog}/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303 and find_site(ctx, "blog").settings.language == "fr"
    assert '<option value="fr" selected>' in client.get(f"/admin/sites/{blog}").text

    invalid = client.post(f"/admin/sites/{blog}/settings", data={**form, "language": "tlh"})
    assert invalid.status_code == 422 and "expected one of en, fr, de" in invalid.text
    assert find_site(ctx, "blog").settings.language == "fr"
