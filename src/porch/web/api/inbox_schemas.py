"""The inbox API's response shapes: what /api/openapi.json promises for /api/v1/me/… (the views build
plain dicts; tests/integration/test_inbox_openapi.py checks real responses against these models)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from porch.web.api.schemas import CommentOut


class InboxSiteOut(BaseModel):
    name: str = Field(description="the site's name, or an external feed's title")
    key: str | None = Field(description="the site's public key; null for an external conversation")


class InboxAuthorOut(BaseModel):
    name: str
    person: int | None = Field(description="the person's id (follow or mute them with it); null for feed items")


class InboxCommentOut(BaseModel):
    id: int
    author: InboxAuthorOut
    body_html: str = Field(description="sanitised HTML")
    created_at: datetime
    to_you: bool = Field(description="a reply to one of your comments")
    url: str | None = Field(description="the comment under its page")


class ConversationOut(BaseModel):
    source: Literal["native", "feed"] = Field(description="on this server, or from a subscribed feed")
    id: int = Field(description="a thread id (native) or an external conversation id (feed)")
    site: InboxSiteOut
    url: str = Field(description="the page the conversation is on")
    title: str
    last_activity: datetime
    unread: int = Field(description="comments by others you have not read (muted people left out)")
    comment_count: int
    following: bool = Field(description="you follow the thread")
    reply_url: str | None = Field(description="external conversations are answered at their source: here")
    latest: list[InboxCommentOut] = Field(description="the newest comments, oldest of them first")


class InboxPageOut(BaseModel):
    filter: Literal["all", "replies", "mentions", "unread"]
    conversations: list[ConversationOut]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on the last")


class DiscoverOut(BaseModel):
    active: list[ConversationOut] = Field(description="busy conversations across sites, last 14 days")
    following: list[ConversationOut] = Field(description="conversations of the people you follow")


class ReadOut(BaseModel):
    thread: int | None = Field(None, description="the native conversation marked")
    conversation: int | None = Field(None, description="the external conversation marked")
    unread: int = Field(description="its unread count now")


class PageReadOut(BaseModel):
    thread: int | None = Field(description="the page's conversation; null when it has none yet")


class InboxReplyOut(BaseModel):
    comment: CommentOut
    held_because: str | None = Field(description="why the reply waits for a moderator, if it does")
    thread: int


class FollowOut(BaseModel):
    thread: int | None = None
    person: int | None = None
    state: Literal["follow", "mute", "none"]


class FollowItemOut(BaseModel):
    kind: Literal["thread", "person"]
    id: int
    state: Literal["follow", "mute"]
    since: datetime


class FollowsOut(BaseModel):
    follows: list[FollowItemOut]


class FeedOut(BaseModel):
    id: int
    url: str
    title: str
    status: str | None = Field(description="how the last poll went")
    last_polled_at: datetime | None
    next_poll_at: datetime | None
    failures: int


class FeedsOut(BaseModel):
    feeds: list[FeedOut]
