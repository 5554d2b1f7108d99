"""The inbox API (/api/v1/me/…) and public profiles (/api/v1/people/{id}).

Everything under /me needs a signed-in account: a bearer token (the embed, API clients) or the
first-party session cookie (Porch's own /inbox page). See docs/subsystems/inbox.md.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.domain.inbox import Conversation, FollowState, TargetKind, check_filter
from porch.errors import NotFound, Unauthenticated
from porch.live import Delivery
from porch.services import comment_feeds as feed_service
from porch.services import identity as identity_service
from porch.services import inbox as inbox_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import get_context, get_requester
from porch.web.api.inbox_schemas import (
    ConversationOut,
    DiscoverOut,
    FeedOut,
    FeedsOut,
    FollowOut,
    FollowsOut,
    InboxPageOut,
    InboxReplyOut,
    PageReadOut,
    ReadOut,
)
from porch.web.api.schemas import Problem
from porch.web.api.serialize import comment_json, iso
from porch.web.api.stream import STREAM_SECONDS, _messages, event_json, subscribed

router = APIRouter(prefix="/api/v1", tags=["inbox"])
PROBLEMS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (401, 403, 404, 409, 422)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FollowIn(_Strict):
    thread: int | None = Field(None, description="a conversation's id (as in the inbox)")
    person: int | None = Field(None, description="a person's id (as in a comment's author.person)")
    state: Literal["follow", "mute", "none"] = Field("follow", description="none: neither follow nor mute")

    @model_validator(mode="after")
    def _one_target(self) -> FollowIn:
        if (self.thread is None) == (self.person is None):
            raise ValueError("give exactly one of thread and person")
        return self


class ReadIn(_Strict):
    thread: int | None = Field(None, description="a native conversation's id")
    conversation: int | None = Field(None, description="an external (feed) conversation's id")
    read: bool = Field(True, description="false marks the conversation unread")

    @model_validator(mode="after")
    def _one_target(self) -> ReadIn:
        if (self.thread is None) == (self.conversation is None):
            raise ValueError("give exactly one of thread and conversation")
        return self


class PageReadIn(_Strict):
    site: str = Field(description="the site's public key")
    uri: str = Field(description="the page's URL or path, as the embed sends it")


class ReplyIn(_Strict):
    thread: int | None = Field(None, description="a native conversation's id")
    conversation: int | None = Field(None, description="an external (feed) conversation's id: answered at its source")
    parent: int | None = Field(None, description="the comment answered")
    body: str = Field(description="Markdown")

    @model_validator(mode="after")
    def _one_target(self) -> ReplyIn:
        if (self.thread is None) == (self.conversation is None):
            raise ValueError("give exactly one of thread and conversation")
        return self


class ProfileIn(_Strict):
    name: str | None = None
    website: str | None = None
    fediverse: str | None = Field(None, description="@name@server.example; empty clears it")
    hidden: bool | None = Field(None, description="hide the public profile page")


class EmailIn(_Strict):
    email: str


class TokenIn(_Strict):
    token: str


class FeedIn(_Strict):
    url: str = Field(description="an RSS or Atom comment feed (http or https)")


def require_account(requester: Requester = Depends(get_requester)) -> Account:
    if requester.account is None:
        raise Unauthenticated("sign in to use your inbox", code="sign_in_required")
    return requester.account


def conversation_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "source": conversation.source.value,
        "id": conversation.id,
        "site": {"name": conversation.site, "key": conversation.site_key},
        "url": conversation.url,
        "title": conversation.title,
        "last_activity": iso(conversation.last_activity),
        "unread": conversation.unread,
        "comment_count": conversation.comment_count,
        "following": conversation.following,
        "reply_url": conversation.reply_url,
        "latest": [
            {
                "id": c.id,
                "author": {"name": c.author, "person": c.person_id},
                "body_html": c.body_html,
                "created_at": iso(c.created_at),
                "to_you": c.to_you,
                "url": c.url,
            }
            for c in conversation.latest
        ],
    }


@router.get("/me/inbox", response_model=InboxPageOut, responses=PROBLEMS)
async def get_inbox(
    filter: str = Query("all", description="all | replies | mentions | unread"),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    limit: int = Query(20, ge=1, le=100),
    ctx: Context = Depends(get_context),
    account: Account = Depends(require_account),
) -> JSONResponse:
    """Your conversations across every site, newest activity first, with unread counts and latest comments."""
    view = check_filter(filter)
    page = await run_in_threadpool(inbox_service.read_inbox, ctx, account, view, cursor, limit=limit)
    return JSONResponse(
        {
            "filter": page.filter.value,
            "conversations": [conversation_json(c) for c in page.conversations],
            "next_cursor": page.next_cursor,
        }
    )


@router.get("/me/discover", response_model=DiscoverOut, responses=PROBLEMS)
async def get_discover(
    ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> JSONResponse:
    """Active conversations across sites, and the conversations of the people you follow."""
    found = await run_in_threadpool(inbox_service.discover, ctx, account)
    return JSONResponse({name: [conversation_json(c) for c in items] for name, items in found.items()})


@router.post("/me/inbox/read", response_model=ReadOut, responses=PROBLEMS)
async def post_read(
    payload: ReadIn, ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> JSONResponse:
    """Mark a conversation read (up to its newest comment) or unread; native (thread) or external (conversation)."""
    if payload.conversation is not None:
        unread = await run_in_threadpool(
            inbox_service.mark_external_conversation, ctx, account, payload.conversation, read=payload.read
        )
        return JSONResponse({"conversation": payload.conversation, "unread": unread})
    assert payload.thread is not None
    unread = await run_in_threadpool(inbox_service.mark_thread, ctx, account, payload.thread, read=payload.read)
    return JSONResponse({"thread": payload.thread, "unread": unread})


@router.post("/me/read", response_model=PageReadOut, responses=PROBLEMS)
async def post_page_read(
    payload: PageReadIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """The embed reports that the signed-in reader has seen a page: its conversation is read."""
    require_account(requester)
    thread = await run_in_threadpool(inbox_service.mark_page_read, ctx, requester, payload.site, payload.uri)
    return JSONResponse({"thread": thread})


@router.post("/me/inbox/reply", status_code=201, response_model=InboxReplyOut, responses=PROBLEMS)
async def post_reply(
    payload: ReplyIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Answer a conversation from the inbox: posted to the original thread with the embed's checks."""
    require_account(requester)
    if payload.conversation is not None:
        await run_in_threadpool(inbox_service.reply_to_external, ctx, payload.conversation)
    assert payload.thread is not None
    posted = await run_in_threadpool(
        lambda: inbox_service.reply_from_inbox(
            ctx, requester, thread_id=payload.thread or 0, body=payload.body, parent_id=payload.parent
        )
    )
    return JSONResponse(
        {"comment": comment_json(posted.comment), "held_because": posted.held_because, "thread": payload.thread},
        status_code=201,
    )


@router.get("/me/follows", response_model=FollowsOut, responses=PROBLEMS)
async def get_follows(ctx: Context = Depends(get_context), account: Account = Depends(require_account)) -> JSONResponse:
    """What you follow and mute."""
    rows = await run_in_threadpool(inbox_service.list_follows, ctx, account)
    return JSONResponse({"follows": [{"kind": k, "id": i, "state": s, "since": iso(t)} for k, i, s, t in rows]})


@router.post("/me/follows", response_model=FollowOut, responses=PROBLEMS)
async def post_follow(
    payload: FollowIn, ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> JSONResponse:
    """Follow or mute a conversation or a person (state none forgets either)."""
    kind, target = (
        (TargetKind.THREAD, payload.thread) if payload.thread is not None else (TargetKind.PERSON, payload.person)
    )
    assert target is not None
    await run_in_threadpool(inbox_service.set_follow, ctx, account, kind, target, FollowState(payload.state))
    return JSONResponse({kind.value: target, "state": payload.state})


@router.get(
    "/me/inbox/conversations/{thread_id}",
    response_model=ConversationOut,
    responses={**PROBLEMS, 404: {"model": Problem, "description": "not in your inbox under this filter"}},
)
async def get_conversation(
    thread_id: int,
    filter: str = Query("all", description="all | replies | mentions | unread"),
    ctx: Context = Depends(get_context),
    account: Account = Depends(require_account),
) -> JSONResponse:
    """One of your conversations as the inbox lists it (unread count, latest comments, "to you" marks):
    what a live client fetches when the inbox stream names the thread."""
    view = check_filter(filter)
    conversation = await run_in_threadpool(inbox_service.read_conversation, ctx, account, thread_id, view)
    if conversation is None:
        raise NotFound("that conversation is not in your inbox under this filter", code="not_in_inbox")
    return JSONResponse(conversation_json(conversation))


def inbox_event_json(delivery: Delivery) -> dict[str, Any]:
    """A thread stream's event, plus the conversation it belongs to."""
    body = event_json(delivery)
    if delivery.event is not None:
        body["thread"] = delivery.event.comment.thread_id
    return body


@router.get(
    "/me/inbox/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, 401: {"model": Problem}},
)
async def stream_inbox(
    last_event_id: str | None = Header(None, alias="Last-Event-ID", description="sent by reconnecting browsers"),
    ctx: Context = Depends(get_context),
    account: Account = Depends(require_account),
) -> StreamingResponse:
    """New activity in your inbox as server-sent events: ``{"kind": "posted", "thread": N, "comment": {…}}``
    (the comment as in a thread page; ``thread`` is the conversation to fetch again from
    /me/inbox/conversations/{thread}), or ``{"kind": "reload"}`` when the reader missed too much."""
    site_id, key = inbox_service.inbox_channel(account.person_id)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    subscription = ctx.live.subscribe(site_id, key, after=after)
    await subscribed(subscription)
    return StreamingResponse(
        _messages(subscription, STREAM_SECONDS, inbox_event_json),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# --- identity -----------------------------------------------------------------------------------
def identity_json(identity: identity_service.Identity) -> dict[str, Any]:
    return {
        "person": identity.person_id,
        "name": identity.name,
        "website": identity.website,
        "fediverse": identity.fediverse,
        "hidden": identity.hidden,
        "emails": identity.emails,
        "profile_url": f"/people/{identity.person_id}",
    }


@router.get("/me/identity", responses=PROBLEMS)
async def get_identity(
    ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> JSONResponse:
    """Your verified emails, website, fediverse handle and whether your profile is hidden."""
    return JSONResponse(identity_json(await run_in_threadpool(identity_service.read_identity, ctx, account)))


@router.patch("/me/profile", responses=PROBLEMS)
async def patch_profile(
    payload: ProfileIn, ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> JSONResponse:
    """Change your display name, website, fediverse handle, or hide your public profile."""
    changes = payload.model_dump(exclude_unset=True)
    identity = await run_in_threadpool(lambda: identity_service.update_profile(ctx, account, **changes))
    return JSONResponse(identity_json(identity))


@router.post("/me/emails", status_code=202, responses=PROBLEMS)
async def post_email(
    payload: EmailIn, ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> Response:
    """Add an address: a link is mailed to it; opening it claims the comments written with it."""
    await run_in_threadpool(identity_service.ask_to_add_email, ctx, account, payload.email)
    return JSONResponse({"status": "mailed"}, status_code=202)


@router.post("/me/emails/confirm", responses=PROBLEMS)
async def confirm_email(payload: TokenIn, ctx: Context = Depends(get_context)) -> JSONResponse:
    """Spend the mailed link's token: the address and its anonymous history join the account."""
    result = await run_in_threadpool(identity_service.confirm_added_email, ctx, payload.token)
    return JSONResponse({"email": result.email, "comments_claimed": result.comments_claimed})


@router.get("/people/{person_id}", responses=PROBLEMS)
async def get_person(
    person_id: int, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """A person's public profile: recent public comments across sites, sites they are regulars on."""
    profile = await run_in_threadpool(identity_service.read_public_profile, ctx, person_id, requester.account)
    return JSONResponse(
        {
            "person": profile.person_id,
            "name": profile.name,
            "website": profile.website,
            "fediverse": profile.fediverse,
            "recent": [
                {
                    "id": c.id,
                    "body_html": c.body_html,
                    "created_at": iso(c.created_at),
                    "url": c.url,
                    "title": c.title,
                    "site": c.site_name,
                }
                for c in profile.recent
            ],
            "regular_on": [{"site": s.name, "origin": s.origin, "comments": s.comments} for s in profile.regular_on],
        }
    )


def feed_json(feed: Any) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": feed.url,
        "title": feed.title,
        "status": feed.last_status,
        "last_polled_at": iso(feed.last_polled_at),
        "next_poll_at": iso(feed.next_poll_at),
        "failures": feed.failures,
    }


# --- external feeds -------------------------------------------------------------------------------
@router.get("/me/feeds", response_model=FeedsOut, responses=PROBLEMS)
async def get_feeds(ctx: Context = Depends(get_context), account: Account = Depends(require_account)) -> JSONResponse:
    """The comment feeds your inbox is subscribed to, with how their last poll went."""
    feeds = await run_in_threadpool(feed_service.list_subscriptions, ctx, account)
    return JSONResponse({"feeds": [feed_json(f) for f in feeds]})


@router.post("/me/feeds", status_code=201, response_model=FeedOut, responses=PROBLEMS)
async def post_feed(
    payload: FeedIn, ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> JSONResponse:
    """Subscribe your inbox to an RSS/Atom comment feed; the poller fetches it politely."""
    feed = await run_in_threadpool(feed_service.subscribe_feed, ctx, account, payload.url)
    return JSONResponse(feed_json(feed), status_code=201)


@router.delete("/me/feeds/{feed_id}", status_code=204, responses=PROBLEMS)
async def delete_feed(
    feed_id: int, ctx: Context = Depends(get_context), account: Account = Depends(require_account)
) -> Response:
    """Unsubscribe from a feed."""
    await run_in_threadpool(feed_service.unsubscribe_feed, ctx, account, feed_id)
    return Response(status_code=204)
