"""Browsers write only from a site's own pages; cookie sessions never cross sites."""

from __future__ import annotations

from fastapi.testclient import TestClient

from porch.services.accounts import add_user
from porch.services.context import Context
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment

EVIL = "https://evil.example"


def test_writes_from_a_foreign_origin_are_refused(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    make_site(ctx, "evil", [EVIL])  # the origin is known to the server, just not for this site
    posted = post_comment(client, site, "mine")
    comment_id = posted["comment"]["id"]
    token = {"X-Porch-Edit-Token": posted["edit_token"], "Origin": EVIL, "X-Porch-Browser": "evil-browser-0123456789"}
    attempts = [
        client.post(
            "/api/v1/comments", json={"site": site.key, "uri": POST_URI, "body": "spam"}, headers={"Origin": EVIL}
        ),
        client.patch(f"/api/v1/comments/{comment_id}", json={"body": "defaced"}, headers=token),
        client.delete(f"/api/v1/comments/{comment_id}", headers=token),
        client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": -1}, headers=token),
    ]
    for response in attempts:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "origin_not_allowed"
    thread = client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI}).json()
    assert thread["total"] == 1 and thread["comments"][0]["body_html"] == "<p>mine</p>"
    assert thread["comments"][0]["votes"]["down"] == 0


def test_origin_spelling_is_normalised(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx, origins=["https://Blog.Example:443/"])
    assert site.origins == ("https://blog.example",)
    post_comment(client, site, "ok", headers={"Origin": "https://blog.example"})


def test_preflight_is_answered_for_known_origins_only(client: TestClient, ctx: Context) -> None:
    make_site(ctx)
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = client.options("/api/v1/comments", headers={"Origin": BLOG_ORIGIN, **preflight})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == BLOG_ORIGIN
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in ok.headers
    refused = client.options("/api/v1/comments", headers={"Origin": EVIL, **preflight})
    assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_reads_are_open_to_any_origin(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    response = client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI}, headers={"Origin": EVIL})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == EVIL


def test_cookie_session_cannot_write_from_another_site(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx, origins=[BLOG_ORIGIN, EVIL])
    add_user(ctx, "carma@example.org", "correct horse battery", is_admin=False, name="Carma")
    login = client.post("/api/v1/auth/login", json={"email": "carma@example.org", "password": "correct horse battery"})
    assert login.status_code == 200 and "porch_session" in client.cookies
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    cross = client.post(
        "/api/v1/comments", json={"site": site.key, "uri": POST_URI, "body": "forged"}, headers={"Origin": EVIL}
    )
    assert cross.status_code == 403 and cross.json()["code"] == "cross_site_cookie"
    # On Porch's own pages the cookie is the session.
    same = client.post(
        "/api/v1/comments",
        json={"site": site.key, "uri": POST_URI, "body": "mine"},
        headers={"Origin": "http://porch.test"},
    )
    assert same.status_code == 201 and same.json()["comment"]["author"]["name"] == "Carma"
