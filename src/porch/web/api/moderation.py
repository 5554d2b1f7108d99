"""Moderation over JSON: act on comments, readers' reports, the queue, bans, word lists, the audit log.

Every route calls one use case in ``services/moderation.py`` or ``services/bans.py``, which checks the
requester's role on the site the comment, thread or key belongs to.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import Unauthenticated
from porch.services import bans as ban_service
from porch.services import moderation as moderation_service
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import get_context, get_requester
from porch.web.api.schemas import CommentOut, Problem, Strict
from porch.web.api.serialize import comment_json, iso

router = APIRouter(prefix="/api/v1", tags=["moderation"])
PROBLEMS: dict[int | str, dict[str, Any]] = {code: {"model": Problem} for code in (401, 403, 404, 409, 422)}


class ModerateIn(Strict):
    action: Literal["approve", "reject", "spam", "pin", "unpin"]
    trust: bool = Field(False, description="with approve: publish this person's comments at once from now on")


class BulkModerateIn(ModerateIn):
    comments: list[int] = Field(min_length=1, max_length=moderation_service.MAX_BULK)


class ReportIn(Strict):
    reason: str = Field(description="what is wrong with the comment, in a few words", max_length=2000)


class ModeratorEditIn(Strict):
    body: str


class BanIn(Strict):
    kind: Literal["person", "email", "ip"]
    value: str = Field(description="a person's number, an email address, or an IP address or range (CIDR)")
    days: int | None = Field(None, description="how long; empty: until lifted")
    note: str = Field("", description="for the moderators; never shown to the banned")


class WordIn(Strict):
    word: str
    action: Literal["block", "hold"]


def _account(requester: Requester) -> Account:
    if requester.account is None:
        raise Unauthenticated("sign in as a moderator of this site", code="sign_in_required")
    return requester.account


@router.post("/comments/{comment_id}/moderate", response_model=CommentOut, responses=PROBLEMS)
async def moderate(
    comment_id: int,
    payload: ModerateIn,
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """Approve, reject, mark as spam, pin or unpin a comment (the site's moderators)."""
    comment = await run_in_threadpool(
        moderation_service.moderate_comment, ctx, comment_id, payload.action, requester, trust=payload.trust
    )
    return JSONResponse(comment_json(comment))


@router.post("/comments/{comment_id}/moderator-edit", response_model=CommentOut, responses=PROBLEMS)
async def moderator_edit(
    comment_id: int,
    payload: ModeratorEditIn,
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """Change a comment's text as a moderator; the earlier text is kept."""
    comment = await run_in_threadpool(
        moderation_service.edit_comment_as_moderator, ctx, comment_id, payload.body, requester
    )
    return JSONResponse(comment_json(comment))


@router.post("/comments/{comment_id}/report", status_code=202, responses=PROBLEMS)
async def report(
    comment_id: int,
    payload: ReportIn,
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """Flag a comment for the moderators. One report per reader; enough of them hide it until reviewed."""
    await run_in_threadpool(moderation_service.report_comment, ctx, comment_id, payload.reason, requester)
    # Whether this report hid the comment is the moderators' business, not the reporter's.
    return JSONResponse({"received": True}, status_code=202)


@router.post("/threads/{thread_id}/close", responses=PROBLEMS)
async def close(
    thread_id: int, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Close a conversation to new comments."""
    thread = await run_in_threadpool(moderation_service.close_thread, ctx, thread_id, requester, closed=True)
    return JSONResponse({"id": thread.id, "closed": thread.closed})


@router.post("/threads/{thread_id}/reopen", responses=PROBLEMS)
async def reopen(
    thread_id: int, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Open a closed conversation again."""
    thread = await run_in_threadpool(moderation_service.close_thread, ctx, thread_id, requester, closed=False)
    return JSONResponse({"id": thread.id, "closed": thread.closed})


@router.get("/sites/{site_key}/queue", responses=PROBLEMS)
async def queue(
    site_key: str, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """The comments waiting for a moderator, most pressing first, each with why it waits."""
    found = await run_in_threadpool(moderation_service.moderation_queue, ctx, site_key, _account(requester))
    return JSONResponse(
        {
            "total": found.total,
            "comments": [
                {
                    **comment_json(item.comment),
                    "thread": {"id": item.thread.id, "uri": item.thread.uri},
                    "reasons": [{"why": r.why.value, "text": r.text} for r in item.reasons],
                }
                for item in found.items
            ],
        }
    )


@router.post("/sites/{site_key}/queue", responses=PROBLEMS)
async def bulk_moderate(
    site_key: str,
    payload: BulkModerateIn,
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """One action on many comments of the site at once (all or nothing)."""
    changed = await run_in_threadpool(
        moderation_service.moderate_comments,
        ctx,
        site_key,
        payload.comments,
        payload.action,
        _account(requester),
        trust=payload.trust,
    )
    return JSONResponse({"changed": changed})


@router.get("/sites/{site_key}/audit-log", responses=PROBLEMS)
async def audit(
    site_key: str,
    before: int | None = Query(None, description="page: entries older than this id"),
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """Every moderator action on the site, newest first: who, what, when, before and after."""
    entries = await run_in_threadpool(
        lambda: moderation_service.audit_log(ctx, site_key, _account(requester), before_id=before)
    )
    return JSONResponse({"entries": [moderation_service.describe(e) for e in entries]})


@router.get("/sites/{site_key}/bans", responses=PROBLEMS)
async def bans(
    site_key: str, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """The site's bans."""
    found = await run_in_threadpool(ban_service.list_bans, ctx, site_key, _account(requester))
    return JSONResponse(
        {
            "bans": [
                {
                    "id": b.id,
                    "kind": b.kind.value,
                    "value": b.value,
                    "expires_at": iso(b.expires_at),
                    "note": b.note,
                    "created_at": iso(b.created_at),
                }
                for b in found
            ]
        }
    )


@router.post("/sites/{site_key}/bans", status_code=201, responses=PROBLEMS)
async def add_ban(
    site_key: str, payload: BanIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Ban a person, an email address or an IP range from commenting on the site."""
    made = await run_in_threadpool(
        ban_service.ban,
        ctx,
        site_key,
        _account(requester),
        ban_service.NewBan(payload.kind, payload.value, payload.days, payload.note),
    )
    return JSONResponse(
        {"id": made.id, "kind": made.kind.value, "value": made.value, "expires_at": iso(made.expires_at)},
        status_code=201,
    )


@router.delete("/sites/{site_key}/bans/{ban_id}", status_code=204, responses=PROBLEMS)
async def lift_ban(
    site_key: str, ban_id: int, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> Response:
    """Lift a ban."""
    await run_in_threadpool(ban_service.lift_ban, ctx, site_key, _account(requester), ban_id)
    return Response(status_code=204)


@router.get("/sites/{site_key}/words", responses=PROBLEMS)
async def words(
    site_key: str, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """The site's word list: words that block a comment or hold it for review."""
    rules = await run_in_threadpool(ban_service.list_word_rules, ctx, site_key, _account(requester))
    return JSONResponse({"words": [{"word": r.word, "action": r.action.value} for r in rules]})


@router.post("/sites/{site_key}/words", status_code=201, responses=PROBLEMS)
async def add_word(
    site_key: str, payload: WordIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """Add a word or phrase to the list (or change what it does)."""
    await run_in_threadpool(ban_service.set_word_rule, ctx, site_key, _account(requester), payload.word, payload.action)
    return JSONResponse({"word": payload.word.strip().casefold(), "action": payload.action}, status_code=201)
