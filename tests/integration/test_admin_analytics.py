"""The dashboard's settings forms: an owner names a page's author and asks for the newcomers mail."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from porch.services.accounts import add_user, grant_site_role
from porch.services.context import Context
from porch.storage.repositories.notifications import NotificationRepository
from tests.factories import POST_URI, make_site, post_comment

PASSWORD = "correct horse battery"
OWN = {"Origin": "http://porch.test"}


def _sign_in(client: TestClient, ctx: Context, email: str, role: str, site_id: int) -> None:
    add_user(ctx, email, PASSWORD, is_admin=False, name=email.split("@")[0].title())
    grant_site_role(ctx, site_id, email, role)
    response = client.post("/admin/login", data={"email": email, "password": PASSWORD, "next": "/admin/"},
                           follow_redirects=False)
    assert response.status_code == 303


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match
    return match.group(1)


def test_owner_names_a_page_author_and_asks_for_the_newcomers_mail(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    post_comment(client, site, "Hi", name="Bob", email="bob@example.org", headers={"Cookie": ""})
    _sign_in(client, ctx, "olive@example.org", "owner", site.id)
    page = client.get(f"/admin/sites/{site.key}/analytics")
    assert page.status_code == 200 and "Name the author" in page.text
    url = f"/admin/sites/{site.key}/analytics/author"
    refused = client.post(url, data={"uri": POST_URI, "email": "bob@example.org"}, headers=OWN)
    assert refused.status_code == 403  # no CSRF token
    done = client.post(url, data={"uri": POST_URI, "email": "bob@example.org", "csrf": _csrf(page.text)},
                       headers=OWN, follow_redirects=True)
    assert done.status_code == 200 and "written by Bob" in done.text
    unknown = client.post(url, data={"uri": POST_URI, "email": "<b>x</b>@example.org", "csrf": _csrf(page.text)},
                          headers=OWN, follow_redirects=True)
    assert "page author not set" in unknown.text and "<b>x</b>" not in unknown.text

    mail = client.post(f"/admin/sites/{site.key}/analytics/newcomers-mail",
                       data={"daily": "on", "csrf": _csrf(page.text)}, headers=OWN, follow_redirects=True)
    assert "daily newcomers mail to olive@example.org: on" in mail.text
    with ctx.uow() as uow:
        subscription = NotificationRepository(uow.connection).get_subscription(
            "olive@example.org", f"newcomers:{site.id}")
    assert subscription is not None and subscription.active and subscription.frequency == "daily"


def test_moderators_cannot_name_authors(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    post_comment(client, site, "Hi", name="Bob", email="bob@example.org", headers={"Cookie": ""})
    _sign_in(client, ctx, "mo@example.org", "moderator", site.id)
    page = client.get(f"/admin/sites/{site.key}/analytics")
    refused = client.post(f"/admin/sites/{site.key}/analytics/author",
                          data={"uri": POST_URI, "email": "bob@example.org", "csrf": _csrf(page.text)}, headers=OWN)
    assert refused.status_code == 403
