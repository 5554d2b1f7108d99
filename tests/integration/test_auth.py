"""Accounts: register, confirm, sign in by password or link, sessions."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from porch.mail.senders import LogSender
from porch.services.context import Context
from tests.conftest import Clock
from tests.factories import deliver_outbox, make_site, post_comment

PASSWORD = "correct horse battery"


def _token_from(ctx: Context, mail: LogSender, path: str) -> str:
    deliver_outbox(ctx)  # account mail goes out through the outbox
    match = re.search(rf"{re.escape(path)}\?token=([\w-]+)", mail.sent[-1].text)
    assert match, mail.sent[-1].text
    return match.group(1)


def test_register_confirm_login_me_logout(client: TestClient, ctx: Context, mail: LogSender) -> None:
    response = client.post(
        "/api/v1/auth/register", json={"email": "Linda@Example.org", "password": PASSWORD, "name": "Linda Della Donna"}
    )
    assert response.status_code == 202 and response.json() == {"sent": True}
    assert mail.sent == []  # queued in the outbox with the token, sent by the worker
    deliver_outbox(ctx)
    assert len(mail.sent) == 1 and mail.sent[0].to == "linda@example.org"
    token = _token_from(ctx, mail, "/auth/verify")

    confirmed = client.post("/api/v1/auth/verify", json={"token": token})
    assert confirmed.status_code == 200 and confirmed.json()["email_verified"] is True
    again = client.post("/api/v1/auth/verify", json={"token": token})
    assert again.status_code == 422 and again.json()["code"] == "invalid_token"

    login = client.post("/api/v1/auth/login", json={"email": "linda@example.org", "password": PASSWORD})
    assert login.status_code == 200
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    client.cookies.clear()
    me = client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200 and me.json()["name"] == "Linda Della Donna"
    assert me.json()["email"] == "linda@example.org" and me.json()["email_verified"] is True

    assert client.post("/api/v1/auth/logout", headers=bearer).status_code == 204
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient) -> None:
    client.post("/api/v1/auth/register", json={"email": "kate@example.org", "password": PASSWORD})
    wrong = client.post("/api/v1/auth/login", json={"email": "kate@example.org", "password": "not the password"})
    unknown = client.post("/api/v1/auth/login", json={"email": "nobody@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_registration_validates_and_says_nothing_about_taken_addresses(
    client: TestClient, ctx: Context, mail: LogSender
) -> None:
    short = client.post("/api/v1/auth/register", json={"email": "a@example.org", "password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"
    bad_email = client.post("/api/v1/auth/register", json={"email": "nope", "password": PASSWORD})
    assert bad_email.status_code == 422 and bad_email.json()["errors"][0]["field"] == "email"
    first = client.post("/api/v1/auth/register", json={"email": "a@example.org", "password": PASSWORD})
    taken = client.post("/api/v1/auth/register", json={"email": "a@EXAMPLE.org", "password": "another password!"})
    # The same answer for a new and a taken address: registering tells nobody who has an account.
    assert (first.status_code, first.json()) == (taken.status_code, taken.json()) == (202, {"sent": True})
    deliver_outbox(ctx)
    assert [(m.to, m.subject) for m in mail.sent] == [
        ("a@example.org", "Confirm your email address"),
        ("a@example.org", "You already have an account"),  # the owner hears of it, with a sign-in link
    ]
    assert "/auth/magic?token=" in mail.sent[1].text
    # ... and nothing about the account changed: the first password still signs in, the second not.
    assert client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": PASSWORD}).status_code == 200
    refused = client.post("/api/v1/auth/login", json={"email": "a@example.org", "password": "another password!"})
    assert refused.status_code == 401
    with ctx.uow() as uow:
        assert uow.accounts.get_by_email("a@example.org") is not None


def test_registration_is_rate_limited_per_email(client: TestClient) -> None:
    answers = [
        client.post("/api/v1/auth/register", json={"email": "flood@example.org", "password": PASSWORD}).status_code
        for _ in range(12)
    ]
    assert answers[0] == 202 and answers[-1] == 429


def test_magic_link_signs_in_once(client: TestClient, ctx: Context, mail: LogSender, clock: Clock) -> None:
    assert client.post("/api/v1/auth/magic-link", json={"email": "dawud@example.org"}).status_code == 202
    token = _token_from(ctx, mail, "/auth/magic")
    page = client.get(f"/auth/magic?token={token}")  # opening the link does not spend it
    assert page.status_code == 200 and token in page.text
    session = client.post("/api/v1/auth/magic-link/redeem", json={"token": token})
    assert session.status_code == 200 and session.json()["account"]["email_verified"] is True
    reused = client.post("/api/v1/auth/magic-link/redeem", json={"token": token})
    assert reused.status_code == 401 and reused.json()["code"] == "invalid_token"
    # An expired link is refused too.
    client.post("/api/v1/auth/magic-link", json={"email": "dawud@example.org"})
    late = _token_from(ctx, mail, "/auth/magic")
    clock.advance(minutes=21)
    assert client.post("/api/v1/auth/magic-link/redeem", json={"token": late}).status_code == 401


def test_magic_link_form_sets_the_first_party_cookie(client: TestClient, ctx: Context, mail: LogSender) -> None:
    client.post("/api/v1/auth/magic-link", json={"email": "suzanne@example.org"})
    token = _token_from(ctx, mail, "/auth/magic")
    response = client.post("/auth/magic", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303 and "porch_session" in response.cookies
    assert client.get("/api/v1/me").json()["email"] == "suzanne@example.org"


def test_sessions_expire(client: TestClient, clock: Clock, ctx: Context) -> None:
    from porch.services.accounts import add_user

    add_user(ctx, "carl@example.org", PASSWORD, is_admin=False)
    token = client.post("/api/v1/auth/login", json={"email": "carl@example.org", "password": PASSWORD}).json()["token"]
    client.cookies.clear()
    clock.advance(days=31)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_confirming_an_address_takes_over_its_anonymous_history(
    client: TestClient, ctx: Context, mail: LogSender
) -> None:
    site = make_site(ctx)
    before = post_comment(client, site, "as a guest", email="william@example.org")["comment"]
    client.post("/api/v1/auth/register", json={"email": "william@example.org", "password": PASSWORD})
    client.post("/api/v1/auth/verify", json={"token": _token_from(ctx, mail, "/auth/verify")})
    with ctx.uow() as uow:
        owner = uow.people.email_owner("william@example.org")
        account = uow.accounts.get_by_email("william@example.org")
    assert account is not None and owner == account.person_id != before["author"]["person"]
