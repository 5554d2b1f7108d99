"""Request and response shapes: the public contract, and the OpenAPI document's source."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthorIn(Strict):
    name: str | None = Field(None, description="shown with the comment; 'Anonymous' when empty")
    email: str | None = Field(None, description="never shown; recognises a returning commenter")
    website: str | None = None


class CommentIn(Strict):
    site: str = Field(description="the site's public key")
    uri: str = Field(description="the page's URL (absolute, or a path on the site's first origin)")
    parent: int | None = Field(None, description="id of the comment this one answers")
    body: str = Field(description="Markdown")
    author: AuthorIn | None = None
    title: str | None = Field(None, description="the page's title, used when the thread is new")
    notify: bool = Field(False, description="ask for reply notifications (delivered once notifications exist)")
    hp: str | None = Field(
        None, description="honeypot: a hidden form field people leave empty; filled, the comment is refused"
    )
    form_started_at: datetime | None = Field(
        None, description="when the comment form opened (ISO 8601 or epoch ms); sent too soon, the comment waits"
    )


class CommentEdit(Strict):
    body: str


class VoteIn(Strict):
    value: Literal[-1, 0, 1]


class CountsIn(Strict):
    site: str
    uris: list[str] = Field(max_length=200)


class AuthorOut(BaseModel):
    name: str
    website: str | None
    person: int | None
    badges: list[Literal["author", "moderator"]] = Field(
        [], description="'author': the post's author; 'moderator': an owner or moderator of the site"
    )


class VotesOut(BaseModel):
    up: int
    down: int
    score: int


class CommentOut(BaseModel):
    id: int
    parent: int | None
    status: Literal["published", "pending", "spam", "deleted", "rejected"]
    deleted: bool = Field(description="a tombstone: kept so its replies keep their place")
    author: AuthorOut | None
    body_html: str = Field(description="sanitised HTML, safe to insert")
    created_at: datetime
    edited_at: datetime | None
    votes: VotesOut
    pinned: bool = Field(
        description="pinned by a moderator; pinned top-level comments open the first page of a thread, before the sort"
    )
    replies: list[CommentOut] = []


class ThreadOut(BaseModel):
    id: int
    uri: str
    title: str
    closed: bool


class ThreadPageOut(BaseModel):
    site: str
    thread: ThreadOut | None = Field(description="null until the first comment")
    sort: Literal["oldest", "newest", "best"]
    total: int = Field(description="published comments in the thread")
    top_level_total: int
    comments: list[CommentOut]
    next_cursor: str | None
    edit_window_seconds: int
    max_depth: int


class PostedCommentOut(BaseModel):
    comment: CommentOut
    edit_token: str | None = Field(description="anonymous authors: send as X-Porch-Edit-Token to edit or delete")
    editable_until: datetime | None
    held_because: str | None = Field(description="why the comment waits for a moderator, when it does")


class CommentSourceOut(BaseModel):
    id: int
    text: str = Field(description="the Markdown the comment was written in, for its editor")


class VoteOut(BaseModel):
    comment: int
    votes: VotesOut
    my_vote: int


class CountsOut(BaseModel):
    counts: dict[str, int]


class RegisterIn(Strict):
    email: str
    password: str
    name: str | None = None


class LoginIn(Strict):
    email: str
    password: str


class EmailIn(Strict):
    email: str


class TokenIn(Strict):
    token: str


class AccountOut(BaseModel):
    id: int
    email: str
    email_verified: bool
    is_admin: bool
    person: int
    name: str


class SessionOut(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer TOKEN'")
    account: AccountOut


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, str]] | None = None
