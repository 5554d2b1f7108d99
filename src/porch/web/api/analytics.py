"""GET /api/v1/sites/{key}/analytics (JSON or CSV) and /newcomers-waiting, for owners and moderators."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from porch.domain.accounts import Account
from porch.errors import ErrorList, Unauthenticated
from porch.services import analytics as analytics_service
from porch.services import newcomers_mail
from porch.services.analytics import NewcomersWaiting, SiteAnalytics
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.web.api.deps import get_context, get_requester
from porch.web.api.schemas import Problem
from porch.web.api.serialize import iso

router = APIRouter(prefix="/api/v1/sites", tags=["analytics"])
PROBLEMS = {code: {"model": Problem} for code in (401, 403, 404, 422)}
TABLES = ("summary", "cohorts", "top_contributors", "reply_graph", "activity", "first_reply_distribution")


def parse_moment(text: str | None, name: str, errors: ErrorList) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or date-time (UTC when it names no zone); None when absent."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        errors.add(name, "an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T08:00:00Z")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def tables_of(a: SiteAnalytics) -> dict[str, list[dict[str, Any]]]:
    """Every table of the analytics as rows of plain values (what CSV and JSON exports hold)."""
    return {
        "cohorts": [
            {"month": c.month, "size": c.size, "returned_30d": c.returned.get(30, 0),
             "returned_90d": c.returned.get(90, 0), "rate_30d": _rounded(c.rate(30)), "rate_90d": _rounded(c.rate(90)),
             "retention": [round(share, 4) for share in c.retention]}
            for c in a.cohorts
        ],
        "top_contributors": [
            {"person_id": c.person_id, "name": c.name, "comments": c.comments,
             "replies_received": c.replies_received, "first_comment_at": iso(c.first_comment_at)}
            for c in a.top_contributors
        ],
        "reply_graph": [
            {"from": e.source, "to": e.target, "from_id": e.source_id, "to_id": e.target_id, "replies": e.replies}
            for e in a.reply_graph
        ],
        "activity": [
            {"day": d.day, "comments": d.comments, "commenters": d.commenters, "new_commenters": d.new_commenters}
            for d in a.activity
        ],
        "first_reply_distribution": [{"wait": label, "comments": n} for label, n in a.first_reply_distribution],
    }


def summary_of(a: SiteAnalytics) -> dict[str, Any]:
    """The single-number measures, in the order docs/subsystems/analytics.md lists them."""
    return {
        "comments": a.comments, "threads": a.threads, "threads_with_conversation": a.threads_with_conversation,
        "commenters": a.commenters, "votes": a.votes, "replies": a.replies, "reply_rate": _rounded(a.reply_rate),
        "max_depth": a.max_depth, "mean_depth": _rounded(a.mean_depth), "mean_breadth": _rounded(a.mean_breadth),
        "median_first_reply_seconds": _rounded(a.median_first_reply_seconds, 1),
        "back_and_forth": a.back_and_forth, "author_response_rate": _rounded(a.author_response_rate),
        "author_median_response_seconds": _rounded(a.author_median_response_seconds, 1),
        "threads_with_known_author": a.threads_with_known_author,
        "new_commenters": a.new_commenters, "returning_commenters": a.returning_commenters,
        "returning_rate": _rounded(a.returning_rate), "regulars_share": _rounded(a.regulars_share),
        "top10_share": _rounded(a.top10_share), "gini": _rounded(a.gini), "people_for_half": a.people_for_half,
    }


def analytics_json(a: SiteAnalytics) -> dict[str, Any]:
    summary = summary_of(a)
    return {
        "site": {"key": a.site.key, "name": a.site.name},
        "uri": a.uri, "from": iso(a.start), "to": iso(a.end), "computed_at": iso(a.computed_at),
        **{k: v for k, v in summary.items() if k not in ("top10_share", "gini", "people_for_half")},
        "concentration": {"top10_share": summary["top10_share"], "gini": summary["gini"],
                          "people_for_half": summary["people_for_half"]},
        **tables_of(a),
    }


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # A name typed by a commenter must not become a formula in a spreadsheet.
        return "'" + value
    return "" if value is None else value


def write_csv_table(writer: Any, rows: list[dict[str, Any]], columns: list[str]) -> None:
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])


def analytics_csv(a: SiteAnalytics, table: str | None = None) -> str:
    """One table (``table``), or all of them: the summary as measure,value then each table after a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    tables = tables_of(a)
    names = [table] if table else list(TABLES)
    for index, name in enumerate(names):
        if index:
            writer.writerow([])
        if name == "summary":
            write_csv_table(writer, [{"measure": k, "value": v} for k, v in summary_of(a).items()],
                            ["measure", "value"])
            continue
        rows = tables[name]
        if not table:
            writer.writerow([f"# {name}"])
        columns = list(rows[0]) if rows else _COLUMNS[name]
        write_csv_table(writer, rows, columns)
    return out.getvalue()


_COLUMNS = {
    "cohorts": ["month", "size", "returned_30d", "returned_90d", "rate_30d", "rate_90d", "retention"],
    "top_contributors": ["person_id", "name", "comments", "replies_received", "first_comment_at"],
    "reply_graph": ["from", "to", "from_id", "to_id", "replies"],
    "activity": ["day", "comments", "commenters", "new_commenters"],
    "first_reply_distribution": ["wait", "comments"],
}


def check_export(format: str, table: str | None) -> None:
    errors = ErrorList()
    if format not in ("json", "csv"):
        errors.add("format", "json or csv")
    if table is not None and table not in TABLES:
        errors.add("table", "one of " + ", ".join(TABLES))
    errors.raise_if_any()


def require_signed_in(requester: Requester) -> Account:
    if requester.account is None:
        raise Unauthenticated("sign in (a bearer token or Porch's session cookie) to see a site's analytics")
    return requester.account


@router.get("/{site_key}/analytics", responses=PROBLEMS)
async def site_analytics(
    site_key: str,
    from_: str | None = Query(None, alias="from", description="start of the period (ISO 8601, inclusive)"),
    to: str | None = Query(None, description="end of the period (ISO 8601, exclusive)"),
    uri: str | None = Query(None, description="one page's conversation instead of the whole site"),
    format: str = Query("json", description="json or csv"),
    table: str | None = Query(None, description="only this table: " + ", ".join(TABLES)),
    ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> Response:
    """Engagement and belonging measures of a site, for its owners and moderators.

    Every measure's definition: docs/subsystems/analytics.md."""
    account = require_signed_in(requester)
    errors = ErrorList()
    start, end = parse_moment(from_, "from", errors), parse_moment(to, "to", errors)
    errors.raise_if_any()
    check_export(format, table)
    result = await run_in_threadpool(analytics_service.compute_site_analytics, ctx, site_key, account, start, end, uri)
    if format == "csv":
        filename = f"porch-{result.site.name}-{table or 'analytics'}.csv"
        return Response(analytics_csv(result, table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    body = analytics_json(result)
    if table:
        body = {"summary": summary_of(result)} if table == "summary" else {table: body[table]}
    return JSONResponse(body)


def newcomers_json(waiting: NewcomersWaiting) -> dict[str, Any]:
    return {
        "site": {"key": waiting.site.key, "name": waiting.site.name},
        "now": iso(waiting.now),
        "newcomers": [
            {"comment": c.comment_id, "person_id": c.person_id, "name": c.author_name,
             "excerpt": c.body_source[:280], "created_at": iso(c.created_at),
             "waiting_seconds": round(waiting.waited_seconds(c)), "uri": c.thread_uri, "title": c.thread_title,
             "permalink": permalink(c.thread_uri, c.comment_id)}
            for c in waiting.comments
        ],
    }


def permalink(uri: str, comment_id: int) -> str:
    """Where a comment is read and answered: its page, at its anchor (the embed's and demo's ``comment-ID``)."""
    return f"{uri.split('#', 1)[0]}#comment-{comment_id}"


@router.get("/{site_key}/newcomers-waiting", responses=PROBLEMS)
async def newcomers_waiting(
    site_key: str, ctx: Context = Depends(get_context), requester: Requester = Depends(get_requester)
) -> JSONResponse:
    """First-time commenters nobody has answered yet, oldest first, with how long they have waited."""
    account = require_signed_in(requester)
    waiting = await run_in_threadpool(analytics_service.list_newcomers_waiting, ctx, site_key, account)
    return JSONResponse(newcomers_json(waiting))


class ThreadAuthorIn(BaseModel):
    uri: str = Field(max_length=2000, description="the page")
    email: str | None = Field(None, max_length=320, description="who wrote it; null: the site's owners")


@router.put("/{site_key}/thread-author", responses=PROBLEMS)
async def put_thread_author(
    site_key: str, body: ThreadAuthorIn, ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """Name the author of one page (site owners): whose replies the author's-presence measures count."""
    account = require_signed_in(requester)
    author = await run_in_threadpool(
        analytics_service.set_thread_author, ctx, site_key, body.uri, body.email, account
    )
    return JSONResponse({"uri": author.uri, "author": None if author.person_id is None else
                         {"person_id": author.person_id, "name": author.name}})


class NewcomersMailIn(BaseModel):
    daily: bool = Field(description="true: mail me the list every day (when someone is waiting); false: stop")


@router.put("/{site_key}/newcomers-waiting/mail", responses=PROBLEMS)
async def put_newcomers_mail(
    site_key: str, body: NewcomersMailIn, ctx: Context = Depends(get_context),
    requester: Requester = Depends(get_requester),
) -> JSONResponse:
    """A site owner asks for (or stops) a daily email of the newcomers waiting, sent through the outbox."""
    account = require_signed_in(requester)
    daily = await run_in_threadpool(newcomers_mail.mail_newcomers_daily, ctx, site_key, account, body.daily)
    return JSONResponse({"daily": daily, "to": account.email})
