"""The per-person conversation index (inbox_conversations): whatever path changes comments, follows or
names, the rows kept up to date step by step equal the rows derived from scratch (``porch inbox rebuild``),
and the inbox shows what the change means. On SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from porch.domain.comments import CommentStatus
from porch.domain.threads import thread_key
from porch.importers.records import AuthorRecord, CommentRecord, ThreadRecord
from porch.live.memory import MemoryHub
from porch.services.accounts import add_user, grant_site_role
from porch.services.context import Context
from porch.services.imports import import_site
from porch.services.inbox import inbox_channel
from porch.storage.repositories.inbox_conversations import InboxIndexRepository, RebuildScope
from porch.storage.schema import inbox_conversations
from porch.web.api import stream
from tests.factories import make_site
from tests.inbox_helpers import comment_as, inbox, person_of, sign_in
from tests.moderation_helpers import session_for

POST = "https://blog.example/2026/11/a-post.html"
ORIGIN = {"Origin": "https://blog.example"}


def index_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(select(inbox_conversations).order_by(*inbox_conversations.primary_key.columns))
        return [
            tuple(bool(v) if isinstance(v, bool | int) and k in _FLAGS else v for k, v in r._mapping.items())
            for r in rows
        ]


_FLAGS = {"participant", "follower", "replied_to", "mentioned", "via_person", "muted"}


def derived_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """What ``porch inbox rebuild`` would store now (computed in a transaction that is rolled back)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        InboxIndexRepository(connection).rebuild(RebuildScope())
        rows = connection.execute(select(inbox_conversations).order_by(*inbox_conversations.primary_key.columns))
        derived = [tuple(bool(v) if k in _FLAGS else v for k, v in r._mapping.items()) for r in rows]
        transaction.rollback()
    return derived


def assert_index_is_derivable(engine: Engine) -> None:
    assert index_rows(engine) == derived_rows(engine)


def urls(page: dict[str, Any]) -> list[str]:
    return [c["url"] for c in page["conversations"]]


def test_claiming_history_brings_its_conversations_in_as_read(client: TestClient, ctx: Context, engine: Engine) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    comment_as(client, blog, "anonymous thoughts", uri=POST, name="Linda", email="linda@example.org")
    comment_as(client, blog, "an answer", uri=POST, name="Dawud")
    linda = sign_in(client, ctx, "linda@example.org", "Linda")  # add_user confirms the address: a claim
    page = inbox(client, linda)
    assert urls(page) == [POST] and page["conversations"][0]["unread"] == 0
    assert_index_is_derivable(engine)


def test_mutes_follows_and_renames_keep_the_index_right(client: TestClient, ctx: Context, engine: Engine) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    troll = sign_in(client, ctx, "troll@example.org", "Troll")
    carma = sign_in(client, ctx, "carma@example.org", "Carma")
    troll_id, carma_id = person_of(client, troll), person_of(client, carma)
    mine = comment_as(client, blog, "mine", uri=POST, headers=linda)
    comment_as(client, blog, "noise", uri=POST, headers=troll, parent=mine["id"])
    comment_as(client, blog, "@Linda look", uri="/troll-only.html", headers=troll)
    assert set(urls(inbox(client, linda))) == {POST, "https://blog.example/troll-only.html"}

    client.post("/api/v1/me/follows", json={"person": troll_id, "state": "mute"}, headers=linda)
    assert urls(inbox(client, linda)) == [POST]  # the muted person's mention no longer brings anything in
    assert inbox(client, linda, filter="replies")["conversations"] == []
    assert inbox(client, linda, filter="unread")["conversations"] == []
    assert_index_is_derivable(engine)

    comment_as(client, blog, "more noise", uri=POST, headers=troll, parent=mine["id"])
    assert inbox(client, linda, filter="unread")["conversations"] == []
    assert_index_is_derivable(engine)

    client.post("/api/v1/me/follows", json={"person": troll_id, "state": "none"}, headers=linda)
    assert len(inbox(client, linda, filter="replies")["conversations"]) == 1
    assert_index_is_derivable(engine)

    client.post("/api/v1/me/follows", json={"person": carma_id}, headers=linda)
    comment_as(client, blog, "carma's news", uri="/carma.html", headers=carma)
    assert urls(inbox(client, linda))[0] == "https://blog.example/carma.html"
    client.post("/api/v1/me/follows", json={"person": carma_id, "state": "none"}, headers=linda)
    assert "https://blog.example/carma.html" not in urls(inbox(client, linda))
    assert_index_is_derivable(engine)

    thread = inbox(client, linda)["conversations"][0]["id"]
    client.post("/api/v1/me/follows", json={"thread": thread, "state": "mute"}, headers=linda)
    comment_as(client, blog, "even more", uri=POST, headers=troll)
    assert thread not in [c["id"] for c in inbox(client, linda)["conversations"]]
    assert_index_is_derivable(engine)

    # A new name: mentions of the old one are no longer hers, of the new one are.
    comment_as(client, blog, "hey @LindaS", uri="/rename.html", headers=carma)
    assert inbox(client, linda, filter="mentions")["conversations"] == []
    assert client.patch("/api/v1/me/profile", json={"name": "Linda S"}, headers=linda).status_code == 200
    assert urls(inbox(client, linda, filter="mentions")) == ["https://blog.example/rename.html"]
    assert_index_is_derivable(engine)


def test_deleting_a_reply_takes_it_out_of_the_replies_view(client: TestClient, ctx: Context, engine: Engine) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    dawud = sign_in(client, ctx, "dawud@example.org", "Dawud")
    mine = comment_as(client, blog, "question", uri=POST, headers=linda)
    answer = comment_as(client, blog, "answer", uri=POST, headers=dawud, parent=mine["id"])
    assert len(inbox(client, linda, filter="replies")["conversations"]) == 1
    assert client.delete(f"/api/v1/comments/{answer['id']}", headers={**ORIGIN, **dawud}).status_code == 204
    assert inbox(client, linda, filter="replies")["conversations"] == []
    assert inbox(client, linda, filter="unread")["conversations"] == []
    assert_index_is_derivable(engine)


def test_an_erased_account_leaves_no_replies_or_mentions_in_other_inboxes(
    client: TestClient, ctx: Context, engine: Engine
) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    dawud = sign_in(client, ctx, "dawud@example.org", "Dawud")
    mine = comment_as(client, blog, "question", uri=POST, headers=linda)
    comment_as(client, blog, "answer", uri=POST, headers=dawud, parent=mine["id"])
    comment_as(client, blog, "@Linda see here", uri="/elsewhere.html", headers=dawud)
    assert len(inbox(client, linda, filter="replies")["conversations"]) == 1
    assert len(inbox(client, linda, filter="mentions")["conversations"]) == 1
    erased = client.post("/api/v1/me/delete", json={"confirm_email": "dawud@example.org"}, headers=dawud)
    assert erased.status_code == 204, erased.text
    assert inbox(client, linda, filter="replies")["conversations"] == []
    assert inbox(client, linda, filter="mentions")["conversations"] == []
    assert urls(inbox(client, linda)) == [POST]
    assert_index_is_derivable(engine)


def test_a_comment_approved_later_reaches_inboxes_and_both_live_channels(
    client: TestClient, ctx: Context, engine: Engine
) -> None:
    hub = MemoryHub()
    ctx.live = hub
    blog = make_site(ctx, "blog", ["https://blog.example"], moderation="hold_all")
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    me = person_of(client, linda)
    add_user(ctx, "mod@example.org", None, is_admin=False, name="Mod")
    grant_site_role(ctx, blog.id, "mod@example.org", "moderator")
    moderator = session_for(ctx, "mod@example.org")
    mine = comment_as(client, blog, "question @Linda", uri=POST, headers=linda)
    assert mine["status"] == CommentStatus.PENDING
    assert urls(inbox(client, linda)) == [POST]  # her own held comment: the conversation is hers at once
    approve = client.post(f"/api/v1/comments/{mine['id']}/moderate", json={"action": "approve"}, headers=moderator)
    assert approve.status_code == 200, approve.text
    held = comment_as(client, blog, "answer", uri=POST, name="Dawud", parent=mine["id"])
    assert inbox(client, linda, filter="replies")["conversations"] == []  # not published: not news yet

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        thread_channel = hub.subscribe(blog.id, thread_key(POST, blog.primary_origin))
        inbox_feed = hub.subscribe(*inbox_channel(me))
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(
            None,
            lambda: client.post(
                f"/api/v1/comments/{held['id']}/moderate", json={"action": "approve"}, headers=moderator
            ),
        )
        assert response.status_code == 200, response.text
        on_thread = stream.event_json(await asyncio.wait_for(thread_channel.next(), 2))
        in_inbox = stream.event_json(await asyncio.wait_for(inbox_feed.next(), 2))
        return on_thread, in_inbox

    on_thread, in_inbox = asyncio.run(scenario())
    assert on_thread["kind"] == in_inbox["kind"] == "posted"
    assert on_thread["comment"]["id"] == in_inbox["comment"]["id"] == held["id"]
    page = inbox(client, linda, filter="replies")
    assert urls(page) == [POST] and page["conversations"][0]["unread"] == 1
    assert_index_is_derivable(engine)

    # Taken back by a moderator: no longer a reply, no longer unread.
    client.post(f"/api/v1/comments/{held['id']}/moderate", json={"action": "reject"}, headers=moderator)
    assert inbox(client, linda, filter="replies")["conversations"] == []
    assert_index_is_derivable(engine)


def test_imported_replies_reach_the_inbox(client: TestClient, ctx: Context, engine: Engine) -> None:
    blog = make_site(ctx, "blog", ["https://blog.example"])
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    at = datetime(2026, 1, 5, 12, tzinfo=UTC)
    records = [
        ThreadRecord(ref="t1", uri="/imported.html", title="Imported", created_at=at),
        CommentRecord(
            ref="c1",
            thread_ref="t1",
            parent_ref=None,
            author=AuthorRecord("Linda", email="linda@example.org"),
            body_html="<p>old words</p>",
            status=CommentStatus.PUBLISHED,
            created_at=at,
        ),
        CommentRecord(
            ref="c2",
            thread_ref="t1",
            parent_ref="c1",
            author=AuthorRecord("Dawud", email="dawud@example.org"),
            body_html="<p>old answer</p>",
            status=CommentStatus.PUBLISHED,
            created_at=at,
        ),
    ]
    import_site(ctx, blog.name, records)
    assert urls(inbox(client, linda, filter="replies")) == ["https://blog.example/imported.html"]
    assert_index_is_derivable(engine)


def test_porch_inbox_rebuild_on_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from porch.cli import app

    env = {"PORCH_DATABASE_URL": f"sqlite:///{tmp_path / 'porch.db'}", "PORCH_SMTP_URL": None, "COLUMNS": "200"}
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    rebuilt = runner.invoke(app, ["inbox", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "0 conversation rows rebuilt" in rebuilt.output
