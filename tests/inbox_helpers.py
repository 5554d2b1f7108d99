"""Builders for the inbox tests: signed-in people, sites on other origins, comments as someone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from porch.domain.sites import Site
from porch.mail.senders import LogSender
from porch.services.accounts import add_user
from porch.services.context import Context, new_token, token_hash
from porch.storage.repositories.inbox_conversations import InboxIndexRepository, RebuildScope
from porch.storage.schema import comments, threads
from tests.factories import deliver_outbox

PASSWORD = "correct horse battery"


def sign_in(client: TestClient, ctx: Context, email: str, name: str) -> dict[str, str]:
    """An account (its address verified, as `porch user add` makes it) and bearer headers for a session
    of it (opened directly: password hashing would make every test slow, and test_auth covers sign-in)."""
    account = add_user(ctx, email, None, is_admin=False, name=name)
    token = new_token()
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        uow.accounts.add_session(
            token_hash=token_hash(token), account_id=account.id, now=now, expires_at=now + timedelta(days=30)
        )
        uow.commit()
    return {"Authorization": f"Bearer {token}"}


def person_of(client: TestClient, headers: dict[str, str]) -> int:
    response = client.get("/api/v1/me/identity", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["person"])


def comment_as(
    client: TestClient,
    site: Site,
    body: str,
    *,
    uri: str,
    headers: dict[str, str] | None = None,
    parent: int | None = None,
    name: str | None = None,
    email: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"site": site.key, "uri": uri, "body": body, "parent": parent}
    if headers is None:
        payload["author"] = {"name": name or "Guest", "email": email}
    response = client.post("/api/v1/comments", json=payload, headers={"Origin": site.origins[0], **(headers or {})})
    assert response.status_code == 201, response.text
    return dict(response.json()["comment"])


def inbox(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/me/inbox", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def token_from(ctx: Context, mail: LogSender, path: str) -> str:
    deliver_outbox(ctx)  # account mail goes out through the outbox
    match = re.search(rf"{re.escape(path)}\?token=([\w-]+)", mail.sent[-1].text)
    assert match, mail.sent[-1].text
    return match.group(1)


def seed_conversations(
    engine: Engine, *, reader: int, other: int, site_ids: list[int], count: int, start: datetime, offset: int = 0
) -> None:
    """``count`` conversations spread over ``site_ids``, each with the reader's comment and a reply
    to it from ``other``: bulk inserts, so the benchmark and the size tests build thousands fast."""
    with engine.begin() as connection:
        rows = [
            {
                "site_id": site_ids[i % len(site_ids)],
                "key": f"https://seed.example/t{i}",
                "uri": f"/t{i}.html",
                "title": f"Conversation {i}",
                "created_at": start + timedelta(seconds=i),
                "comment_count": 2,
                "last_comment_at": start + timedelta(seconds=i, milliseconds=500),
                "closed": False,
            }
            for i in range(offset, offset + count)
        ]
        connection.execute(insert(threads), rows)
        ids = dict(
            connection.execute(
                select(threads.c.key, threads.c.id).where(threads.c.key.in_([r["key"] for r in rows]))
            ).all()
        )

        def comment(thread_id: int, person: int, at: datetime, body: str, parent: int | None) -> dict[str, Any]:
            return {
                "thread_id": thread_id,
                "parent_id": parent,
                "person_id": person,
                "author_name": f"P{person}",
                "author_website": None,
                "body_source": body,
                "body_html": f"<p>{body}</p>",
                "status": "published",
                "created_at": at,
                "upvotes": 0,
                "downvotes": 0,
            }

        connection.execute(
            insert(comments),
            [comment(ids[r["key"]], reader, r["created_at"], "mine", None) for r in rows],
        )
        mine = dict(
            connection.execute(
                select(comments.c.thread_id, comments.c.id).where(
                    comments.c.person_id == reader, comments.c.thread_id.in_(list(ids.values()))
                )
            ).all()
        )
        connection.execute(
            insert(comments),
            [comment(ids[r["key"]], other, r["last_comment_at"], "a reply", mine[ids[r["key"]]]) for r in rows],
        )
        # Written behind the services' back: derive the inbox rows as `porch inbox rebuild` does.
        InboxIndexRepository(connection).rebuild(RebuildScope())
