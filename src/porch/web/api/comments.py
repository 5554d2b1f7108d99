"""POST/PATCH/DELETE /api/v1/comments and votes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from porch.services import comments as comment_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import get_context, get_requester
from porch.web.api.schemas import (
    CommentEdit,
    CommentIn,
    CommentOut,
    CommentSourceOut,
    PostedCommentOut,
    Problem,
    VoteIn,
    VoteOut,
)
from porch.web.api.serialize import comment_json, iso

router = APIRouter(prefix="/api/v1/comments", tags=["comments"])
PROBLEMS = {code: {"model": Problem} for code in (401, 403, 404, 409, 413, 422)}
EDIT_TOKEN = Header(None, alias="X-Porch-Edit-Token", description="the edit_token an anonymous author was given")


@router.post("", status_code=201, response_model=PostedCommentOut, responses=PROBLEMS)
async def create_comment(
    payload: CommentIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Post a comment (or a reply, with ``parent``). Never fetches the page it names."""
    posted = await run_in_threadpool(comment_service.post_comment, ctx, new_comment(payload), requester)
    return posted_response(posted)


def new_comment(payload: CommentIn) -> comment_service.NewComment:
    """The use case's input from the API's (shared with web/hot_posting.py)."""
    author = payload.author
    return comment_service.NewComment(
        site_key=payload.site, uri=payload.uri, body=payload.body, parent_id=payload.parent,
        author_name=author.name if author else None, author_email=author.email if author else None,
        author_website=author.website if author else None, title=payload.title,
        notify=payload.notify,
        honeypot=payload.hp, form_started_at=payload.form_started_at,
    )


def posted_response(posted: comment_service.PostedComment) -> JSONResponse:
    """201 with the stored comment, the anonymous author's edit token and why it waits, if it does."""
    body = {
        "comment": comment_json(posted.comment),
        "edit_token": posted.edit_token,
        "editable_until": iso(posted.editable_until),
        "held_because": posted.held_because,
    }
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/v1/comments/{posted.comment.id}"})


@router.get("/{comment_id}/source", response_model=CommentSourceOut, responses=PROBLEMS)
async def get_comment_source(
    comment_id: int, edit_token: str | None = EDIT_TOKEN,
    ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """The comment's Markdown, for the editor: to its author within the edit window (edit token or
    session) and to moderators, like PATCH; everyone else gets the rendered comment only."""
    text = await run_in_threadpool(
        comment_service.comment_source, ctx, comment_id, requester, edit_token=edit_token
    )
    return JSONResponse({"id": comment_id, "text": text}, headers={"Cache-Control": "no-store"})


@router.patch("/{comment_id}", response_model=CommentOut, responses=PROBLEMS)
async def edit_comment(
    comment_id: int, payload: CommentEdit, edit_token: str | None = EDIT_TOKEN,
    ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """Change a comment's text: its author within the site's edit window, moderators always."""
    comment = await run_in_threadpool(
        comment_service.edit_comment, ctx, comment_id, payload.body, requester, edit_token=edit_token
    )
    return JSONResponse(comment_json(comment))


@router.delete("/{comment_id}", status_code=204, responses=PROBLEMS)
async def delete_comment(
    comment_id: int, edit_token: str | None = EDIT_TOKEN,
    ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester),
) -> Response:
    """Delete a comment; with replies it stays as a tombstone so the conversation keeps its shape."""
    await run_in_threadpool(comment_service.delete_comment, ctx, comment_id, requester, edit_token=edit_token)
    return Response(status_code=204)


@router.post("/{comment_id}/vote", response_model=VoteOut, responses=PROBLEMS)
async def vote(
    comment_id: int, payload: VoteIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Vote 1 or -1, or withdraw with 0. One vote per person, changeable."""
    result = await run_in_threadpool(comment_service.vote_on_comment, ctx, comment_id, payload.value, requester)
    return JSONResponse({
        "comment": result.comment_id,
        "votes": {"up": result.upvotes, "down": result.downvotes, "score": result.score},
        "my_vote": result.my_vote,
    })
