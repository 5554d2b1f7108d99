"""Identity: claiming anonymous history by email, extra addresses, profiles and their privacy."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from porch.mail.senders import LogSender
from porch.services.context import Context
from porch.storage.schema import comments
from tests.factories import deliver_outbox, make_site
from tests.inbox_helpers import PASSWORD, comment_as, inbox, person_of, sign_in, token_from

BLOG = "https://blog.example/2026/11/a-post.html"
COOKS = "https://cooks.example/soup.html"


def _owners(ctx: Context, ids: list[int]) -> set[int]:
    with ctx.uow() as uow:
        return set(uow.connection.execute(select(comments.c.person_id).where(comments.c.id.in_(ids))).scalars())


def test_confirming_the_account_address_claims_anonymous_comments_on_every_site(
    client: TestClient, ctx: Context, mail: LogSender
) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    cooks = make_site(ctx, "cooks", ["https://cooks.example"])
    first = comment_as(client, blog, "guest on the blog", uri=BLOG, name="Will", email="William@Example.org")
    second = comment_as(client, cooks, "guest on cooks", uri=COOKS, name="Will", email="william@example.org")
    other = comment_as(client, cooks, "someone else", uri=COOKS, name="Dawud", email="dawud@example.org")

    client.post("/api/v1/auth/register", json={"email": "william@example.org", "password": PASSWORD, "name": "William"})
    with ctx.uow() as uow:
        account = uow.accounts.get_by_email("william@example.org")
    assert account is not None
    assert _owners(ctx, [first["id"], second["id"]]) == {first["author"]["person"]}  # not before confirming

    assert client.post("/api/v1/auth/verify", json={"token": token_from(ctx, mail, "/auth/verify")}).status_code == 200

    assert _owners(ctx, [first["id"], second["id"]]) == {account.person_id}
    assert _owners(ctx, [other["id"]]) == {other["author"]["person"]}
    headers = {
        "Authorization": "Bearer "
        + client.post("/api/v1/auth/login", json={"email": "william@example.org", "password": PASSWORD}).json()["token"]
    }
    client.cookies.clear()
    listed = inbox(client, headers)["conversations"]
    assert {c["site"]["name"] for c in listed} == {"blog", "cooks"}
    assert all(c["unread"] == 0 for c in listed)  # claimed history starts read


def test_an_extra_address_claims_its_history_once_confirmed(client: TestClient, ctx: Context, mail: LogSender) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    old = comment_as(client, blog, "from my old address", uri=BLOG, name="Carma", email="carma@old.example")
    headers = sign_in(client, ctx, "carma@new.example", "Carma")
    me = person_of(client, headers)

    response = client.post("/api/v1/me/emails", json={"email": "carma@old.example"}, headers=headers)
    assert response.status_code == 202, response.text
    deliver_outbox(ctx)
    assert mail.sent[-1].to == "carma@old.example"
    assert _owners(ctx, [old["id"]]) != {me}

    token = token_from(ctx, mail, "/me/emails/confirm")
    confirmed = client.post("/api/v1/me/emails/confirm", json={"token": token})
    assert confirmed.json() == {"email": "carma@old.example", "comments_claimed": 1}
    assert _owners(ctx, [old["id"]]) == {me}
    assert sorted(client.get("/api/v1/me/identity", headers=headers).json()["emails"]) == [
        "carma@new.example",
        "carma@old.example",
    ]
    again = client.post("/api/v1/me/emails/confirm", json={"token": token})
    assert again.status_code == 422 and again.json()["code"] == "invalid_token"


def test_another_accounts_address_is_never_taken(client: TestClient, ctx: Context) -> None:
    sign_in(client, ctx, "linda@example.org", "Linda")
    headers = sign_in(client, ctx, "dawud@example.org", "Dawud")
    response = client.post("/api/v1/me/emails", json={"email": "linda@example.org"}, headers=headers)
    assert response.status_code == 409 and response.json()["code"] == "email_taken"
    bad = client.post("/api/v1/me/emails", json={"email": "not an address"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"


def test_profile_shows_recent_comments_and_regular_sites_and_can_be_hidden(client: TestClient, ctx: Context) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    cooks = make_site(ctx, "cooks", ["https://cooks.example"])
    headers = sign_in(client, ctx, "linda@example.org", "Linda")
    me = person_of(client, headers)
    for n in range(3):
        comment_as(client, blog, f"blog note {n} <script>x</script>", uri=f"/p{n}.html", headers=headers)
    comment_as(client, cooks, "soup!", uri=COOKS, headers=headers)

    updated = client.patch(
        "/api/v1/me/profile", headers=headers, json={"website": "linda.example", "fediverse": "linda@Social.Example"}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["fediverse"] == "@linda@social.example"
    assert updated.json()["website"] == "https://linda.example"

    profile = client.get(f"/api/v1/people/{me}").json()
    assert [c["site"] for c in profile["recent"]] == ["cooks", "blog", "blog", "blog"]
    assert profile["regular_on"] == [{"site": "blog", "origin": "https://blog.example", "comments": 3}]
    page = client.get(f"/people/{me}")
    assert page.status_code == 200 and "<script>x" not in page.text and "soup!" in page.text

    assert client.patch("/api/v1/me/profile", headers=headers, json={"hidden": True}).status_code == 200
    assert client.get(f"/api/v1/people/{me}").status_code == 404
    assert client.get(f"/people/{me}").status_code == 404
    assert client.get(f"/api/v1/people/{me}", headers=headers).status_code == 200  # its owner still sees it

    bad = client.patch("/api/v1/me/profile", headers=headers, json={"fediverse": "not a handle", "website": "ftp://x"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"fediverse", "website"}
    assert client.get("/api/v1/me/identity", headers=headers).json()["fediverse"] == "@linda@social.example"
