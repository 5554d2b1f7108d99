"""A signed-in person's own data: GET /api/v1/me/data (download) and POST /api/v1/me/delete."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Response
from starlette.concurrency import run_in_threadpool

from porch.services import personal_data
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import SESSION_COOKIE, get_context, get_requester
from porch.web.api.schemas import Problem, Strict

router = APIRouter(prefix="/api/v1", tags=["accounts"])
PROBLEMS = {code: {"model": Problem} for code in (401, 403, 422)}


class DeleteAccountIn(Strict):
    confirm_email: str  # the account's email, typed again


@router.get("/me/data", responses=PROBLEMS)
async def download_my_data(
    ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> Response:
    """Everything Porch stores about you, as a JSON file."""
    data = await run_in_threadpool(personal_data.download_my_data, ctx, requester)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="porch-my-data.json"', "Cache-Control": "no-store"},
    )


@router.post("/me/delete", status_code=204, responses=PROBLEMS)
async def delete_my_account(
    payload: DeleteAccountIn, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> Response:
    """Delete your account: comments become "deleted" tombstones (replies stay), personal data is
    erased, every session ends. Confirm with your email address."""
    await run_in_threadpool(personal_data.delete_my_account, ctx, requester, payload.confirm_email)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response

