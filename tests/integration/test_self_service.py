"""Commenters' self-service: download everything stored about me; delete my account, threads kept whole."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select

from porch.services.accounts import add_user
from porch.services.context import Context
from porch.storage.schema import accounts, comments, people, person_emails, sessions, votes
from tests.factories import BLOG_ORIGIN, flatten, make_site, post_comment, read_thread
from tests.moderation_helpers import session_for

EMAIL = "dawud@example.org"


def _dawud(client: TestClient, ctx: Context) -> dict[str, Any]:
    """Dawud, signed in, with two comments (one answered by Linda), a vote, a follow."""
    site = make_site(ctx)
    add_user(ctx, EMAIL, None, is_admin=False, name="Dawud")
    auth = session_for(ctx, EMAIL)
    linda = post_comment(client, site, "Linda's opening words")["comment"]
    mine = post_comment(client, site, "Dawud's *first* thought", headers=auth)["comment"]
    reply = post_comment(client, site, "Linda answers Dawud", parent=mine["id"])["comment"]
    lonely = post_comment(client, site, "Dawud's second thought", headers=auth)["comment"]
    headers = {"Origin": BLOG_ORIGIN, **auth}
    vote = client.post(f"/api/v1/comments/{linda['id']}/vote", json={"value": 1}, headers=headers)
    assert vote.status_code == 200, vote.text
    thread = read_thread(client, site)["thread"]["id"]
    assert client.post("/api/v1/me/follows", json={"thread": thread}, headers=auth).status_code == 200
    return {"site": site, "auth": auth, "linda": linda, "mine": mine, "reply": reply, "lonely": lonely}


def test_download_holds_everything_stored_about_me(client: TestClient, ctx: Context) -> None:
    d = _dawud(client, ctx)
    response = client.get("/api/v1/me/data", headers=d["auth"])
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["account"]["email"] == EMAIL and data["person"]["display_name"] == "Dawud"
    assert [c["id"] for c in data["comments"]] == [d["mine"]["id"], d["lonely"]["id"]]
    first = data["comments"][0]
    assert first["body_source"] == "Dawud's *first* thought" and "<em>first</em>" in first["body_html"]
    assert first["site"] == d["site"].key and first["page"]
    assert data["votes"] == [{"comment_id": d["linda"]["id"], "value": 1, "updated_at": data["votes"][0]["updated_at"]}]
    assert [f["state"] for f in data["follows"]] == ["follow"]
    assert len(data["sessions"]) == 1 and "token_hash" not in data["sessions"][0]
    assert client.get("/api/v1/me/data").status_code == 401


def test_deleting_my_account_leaves_tombstones_and_erases_the_rest(
    client: TestClient, ctx: Context, engine: Engine
) -> None:
    d = _dawud(client, ctx)
    wrong = client.post("/api/v1/me/delete", json={"confirm_email": "someone@example.org"}, headers=d["auth"])
    assert wrong.status_code == 422 and wrong.json()["code"] == "confirmation_mismatch"
    assert wrong.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/me", headers=d["auth"]).status_code == 200  # nothing happened

    done = client.post("/api/v1/me/delete", json={"confirm_email": " Dawud@Example.org "}, headers=d["auth"])
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=d["auth"]).status_code == 401  # every session is gone

    page = read_thread(client, d["site"])
    shown = {c["id"]: c for c in flatten(page["comments"])}
    assert d["lonely"]["id"] not in shown  # nothing hangs from it: gone from view
    tomb = shown[d["mine"]["id"]]
    assert tomb["deleted"] is True and tomb["author"] is None and tomb["body_html"] == ""
    assert [r["id"] for r in tomb["replies"]] == [d["reply"]["id"]]  # the thread stays whole
    assert page["total"] == 2  # Linda's two comments

    with engine.connect() as db:
        assert db.execute(select(accounts).where(accounts.c.email == EMAIL)).first() is None
        assert db.execute(select(person_emails).where(person_emails.c.email == EMAIL)).first() is None
        assert db.execute(select(people).where(people.c.display_name == "Dawud")).first() is None
        assert db.execute(select(sessions)).first() is None
        assert db.execute(select(votes)).first() is None
        rows = db.execute(select(comments).where(comments.c.id.in_([d["mine"]["id"], d["lonely"]["id"]]))).all()
        for row in rows:
            assert (row.status, row.body_source, row.author_name, row.person_id, row.remote_addr) == (
                "deleted", "", "", None, None,
            )  # fmt: skip


def test_the_account_page_deletes_with_a_csrf_token_and_the_email(client: TestClient, ctx: Context) -> None:
    d = _dawud(client, ctx)
    token = d["auth"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set("porch_session", token)
    page = client.get("/account")
    assert page.status_code == 200 and EMAIL in page.text and "/api/v1/me/data" in page.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert csrf is not None
    forged = client.post("/account/delete", data={"confirm_email": EMAIL, "csrf": "0" * 32})
    assert forged.status_code == 403 and client.get("/api/v1/me").status_code == 200
    mistyped = client.post("/account/delete", data={"confirm_email": "dawud@example.com", "csrf": csrf.group(1)})
    assert mistyped.status_code == 422 and "nothing was deleted" in mistyped.text
    done = client.post("/account/delete", data={"confirm_email": EMAIL, "csrf": csrf.group(1)})
    assert done.status_code == 200 and "Your account is deleted" in done.text
    assert "porch_session=" in done.headers["set-cookie"] and "Max-Age=0" in done.headers["set-cookie"]
    assert client.get("/api/v1/me").status_code == 401  # the session itself is gone, cookie or not
    client.cookies.clear()
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_every_table_about_a_person_is_exported_or_erased(engine: Engine) -> None:
    """A new table holding a person_id or account_id must be handled by storage/repositories/personal_data.py."""
    import porch.storage.repositories.personal_data as module

    source = Path(module.__file__).read_text()
    personal = {
        table
        for table in inspect(engine).get_table_names()
        for column in inspect(engine).get_columns(table)
        if column["name"] in ("person_id", "account_id")
    }
    # Rows that only say a moderator (an account) acted: kept, with the account set to NULL on delete.
    not_about_the_person = {"moderation_log"}
    # Derived counts keyed by a bare person number, rewritten from the comments of every thread whose
    # version moved (services/analytics_rollups.py): the tombstoning UPDATE moves them.
    not_about_the_person |= {t for t in personal if t.startswith("analytics_rollup_")}
    missing = {t for t in personal - not_about_the_person if not re.search(rf"\b{t}\b", source)}
    assert missing == set()


def test_after_deleting_my_account_the_analytics_rollups_forget_me(
    client: TestClient, ctx: Context, engine: Engine
) -> None:
    """The rollups (keyed by a bare person number) are caught up from the tombstoning: no row about the
    erased person is left, and what they show equals measuring from scratch."""
    from porch.services.analytics_rollups import bring_rollups_up_to_date
    from porch.storage.schema import analytics_rollup_comments, analytics_rollup_people
    from tests.integration.test_analytics_rollups import _comparable

    d = _dawud(client, ctx)
    site = d["site"]
    bring_rollups_up_to_date(ctx, site.id)
    person = d["mine"]["author"]["person"]
    with engine.connect() as db:
        assert db.execute(select(analytics_rollup_people).where(analytics_rollup_people.c.person_id == person)).first()
    deleted = client.post("/api/v1/me/delete", json={"confirm_email": EMAIL}, headers=d["auth"])
    assert deleted.status_code in (200, 204), deleted.text
    bring_rollups_up_to_date(ctx, site.id)
    with engine.connect() as db:
        for table in (analytics_rollup_people, analytics_rollup_comments):
            assert db.execute(select(table).where(table.c.person_id == person)).first() is None, table.name
    rolled, scratch = _comparable(ctx, site.id)
    assert rolled == scratch
