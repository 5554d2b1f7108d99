"""The admin's moderation pages: role per site, CSRF tokens, escaping, and the actions they call."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from porch.services.accounts import add_user, grant_site_role
from porch.services.context import Context
from porch.services.sites import find_site
from tests.factories import make_site, post_comment, read_thread
from tests.moderation_helpers import PASSWORD

OWN = {"Origin": "http://porch.test"}


def _signed_in_moderator(client: TestClient, ctx: Context) -> tuple[str, str]:
    blog = make_site(ctx, "blog", moderation="all")
    other = make_site(ctx, "other", ["https://other.example"])
    add_user(ctx, "mod@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, blog.id, "mod@example.org", "moderator")
    response = client.post(
        "/admin/login",
        data={"email": "mod@example.org", "password": PASSWORD, "next": "/admin/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return blog.key, other.key


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match
    return match.group(1)


def test_queue_page_lists_reasons_escapes_text_and_acts_in_bulk(client: TestClient, ctx: Context) -> None:
    blog, _ = _signed_in_moderator(client, ctx)
    site_obj = find_site(ctx, "blog")
    # Posted as a reader on the blog would: the moderator's admin cookie is not sent from there.
    evil = post_comment(
        client,
        site_obj,
        "<script>alert(1)</script> **hi**",
        name="<b>Mallory</b>",
        headers={"Origin": "https://blog.example", "Cookie": ""},
    )["comment"]
    page = client.get(f"/admin/sites/{blog}/queue")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "&lt;b&gt;Mallory&lt;/b&gt;" in page.text
    assert "every comment is reviewed on this site" in page.text and "1 waiting" in page.text

    no_token = client.post(
        f"/admin/sites/{blog}/queue", data={"action": "approve", "comments": [evil["id"]]}, headers=OWN
    )
    assert no_token.status_code == 403 and "form has expired" in no_token.text
    done = client.post(
        f"/admin/sites/{blog}/queue",
        data={"action": "approve", "comments": [evil["id"]], "csrf": _csrf(page.text)},
        headers=OWN,
        follow_redirects=False,
    )
    assert done.status_code == 303 and "queue?done=approve" in done.headers["location"]
    assert read_thread(client, site_obj)["total"] == 1
    audit = client.get(f"/admin/sites/{blog}/audit")
    assert audit.status_code == 200 and "mod@example.org" in audit.text and "approve" in audit.text
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in audit.text  # before/after snapshots are escaped too
    found = client.get(f"/admin/sites/{blog}/search", params={"q": "mallory"})
    assert found.status_code == 200 and f"person {evil['author']['person']}" in found.text


def test_every_moderation_page_refuses_another_sites_moderator(client: TestClient, ctx: Context) -> None:
    _, other = _signed_in_moderator(client, ctx)
    for path in ("queue", "people", "audit", "search"):
        assert client.get(f"/admin/sites/{other}/{path}").status_code == 403, path
    for path, data in (
        ("queue", {"action": "spam", "comments": ["1"]}),
        ("bans", {"kind": "ip", "value": "1.2.3.4"}),
        ("bans/1/lift", {}),
        ("words", {"word": "x", "action": "block"}),
    ):
        # A valid token for this session: only the role decides.
        response = client.post(f"/admin/sites/{other}/{path}", data={**data, "csrf": _token(client)}, headers=OWN)
        assert response.status_code == 403, path


def _token(client: TestClient) -> str:
    import hashlib

    session = client.cookies.get("porch_session") or ""
    return hashlib.sha256(f"porch-csrf:{session}".encode()).hexdigest()[:32]


def test_people_page_bans_and_lifts(client: TestClient, ctx: Context) -> None:
    blog, _ = _signed_in_moderator(client, ctx)
    page = client.get(f"/admin/sites/{blog}/people", params={"kind": "email", "value": "t@example.org"})
    assert page.status_code == 200 and 'value="t@example.org"' in page.text
    made = client.post(
        f"/admin/sites/{blog}/bans",
        data={
            "kind": "email",
            "value": "t@example.org",
            "days": "3",
            "note": "<i>spam wave</i>",
            "csrf": _csrf(page.text),
        },
        headers=OWN,
        follow_redirects=False,
    )
    assert made.status_code == 303
    listed = client.get(f"/admin/sites/{blog}/people")
    assert "t@example.org" in listed.text and "&lt;i&gt;spam wave&lt;/i&gt;" in listed.text
    bad = client.post(
        f"/admin/sites/{blog}/bans", data={"kind": "ip", "value": "nope", "csrf": _csrf(listed.text)}, headers=OWN
    )
    assert bad.status_code == 422
    ban_id = re.search(r"/bans/(\d+)/lift", listed.text)
    assert ban_id
    lifted = client.post(
        f"/admin/sites/{blog}/bans/{ban_id.group(1)}/lift",
        data={"csrf": _csrf(listed.text)},
        headers=OWN,
        follow_redirects=False,
    )
    assert lifted.status_code == 303
    assert "No bans." in client.get(f"/admin/sites/{blog}/people").text


def test_the_edit_form_keeps_and_shows_the_history_escaped_and_needs_its_token(
    client: TestClient, ctx: Context
) -> None:
    blog, other = _signed_in_moderator(client, ctx)
    site_obj = find_site(ctx, "blog")
    original = "<script>alert(1)</script> my **first** words"
    posted = post_comment(
        client, site_obj, original, name="Linda", headers={"Origin": "https://blog.example", "Cookie": ""}
    )["comment"]
    url = f"/admin/sites/{blog}/comments/{posted['id']}/edit"
    queue = client.get(f"/admin/sites/{blog}/queue")
    assert url in queue.text  # every waiting comment links to its edit form

    form = client.get(url)
    assert form.status_code == 200 and "Never edited by a moderator" in form.text
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; my **first** words"
    assert "<script>alert(1)" not in form.text and escaped in form.text

    refused = client.post(url, data={"body": "edited"}, headers=OWN)
    assert refused.status_code == 403 and "form has expired" in refused.text
    empty = client.post(url, data={"body": "  ", "csrf": _csrf(form.text)}, headers=OWN)
    assert empty.status_code == 422 and "the comment is empty" in empty.text
    saved = client.post(
        url, data={"body": "my *tidied* words <b>x</b>", "csrf": _csrf(form.text)}, headers=OWN, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("/edit?done=saved")

    after = client.get(url)
    assert "<em>tidied</em>" in after.text and "<b>x</b>" not in after.text  # rendered and sanitised
    history = after.text.split("Earlier versions", 1)[1]
    assert escaped in history and "<script>" not in history
    audit = client.get(f"/admin/sites/{blog}/audit")
    assert "edit" in audit.text and "&lt;script&gt;" in audit.text and "<script>alert" not in audit.text

    # A comment is edited under its own site's address only.
    assert client.get(f"/admin/sites/{other}/comments/{posted['id']}/edit").status_code == 403
    assert client.get(f"/admin/sites/{blog}/comments/999999/edit").status_code == 404
