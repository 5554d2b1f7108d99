"""Reading conversations: a thread page as a tree, and comment counts for many pages at once."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

from porch.domain.comments import Comment
from porch.domain.conversation import ConversationPage, SortKey, SortOrder, page_conversation
from porch.domain.sites import Site
from porch.domain.threads import Thread, thread_key
from porch.errors import ErrorList, InvalidInput
from porch.services.comments import get_site
from porch.services.context import Context

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_COUNT_URIS = 200


@dataclass(frozen=True)
class ThreadView:
    site: Site
    thread: Thread | None
    order: SortOrder
    page: ConversationPage
    next_cursor: str | None
    badges: dict[int, tuple[str, ...]] = field(default_factory=dict)  # person id → "author", "moderator"


def encode_cursor(order: SortOrder, key: SortKey) -> str:
    raw = json.dumps({"o": order.value, "k": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: SortOrder) -> SortKey:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = tuple(int(part) for part in data["k"])
        cursor_order = SortOrder(data["o"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidInput("cursor: not a cursor this server gave out", code="invalid_cursor") from exc
    if cursor_order != order:
        raise InvalidInput(
            f"cursor: it pages the {cursor_order.value!r} order, not {order.value!r}", code="invalid_cursor"
        )
    return key


def check_paging(order: SortOrder, cursor: str | None, limit: int) -> SortKey | None:
    """Validate a page request; the sort key to start after (None: the first page)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit: between 1 and {MAX_PAGE_SIZE}", code="invalid_limit")
    return decode_cursor(cursor, order) if cursor else None


def build_view(
    site: Site,
    thread: Thread | None,
    comments: list[Comment],
    badges: dict[int, tuple[str, ...]],
    *,
    order: SortOrder,
    after: SortKey | None,
    limit: int,
) -> ThreadView:
    """The page of the conversation after ``after``, with the cursor to the next one."""
    page = page_conversation(comments, order=order, after=after, limit=limit)
    next_cursor = encode_cursor(order, page.next_key) if page.next_key is not None else None
    return ThreadView(site=site, thread=thread, order=order, page=page, next_cursor=next_cursor, badges=badges)


def read_thread(
    ctx: Context,
    site_key: str,
    uri: str,
    *,
    order: SortOrder = SortOrder.OLDEST,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> ThreadView:
    """The conversation under a page, top level paged. Four queries whatever the thread's size."""
    after = check_paging(order, cursor, limit)
    with ctx.uow() as uow:
        site = get_site(uow, site_key)
        thread = uow.threads.get_by_key(site.id, thread_key(uri, site.primary_origin))
        comments = uow.comments.list_for_thread(thread.id) if thread else []
        badges = uow.threads.badge_holders(site.id, thread.id if thread else None)
    return build_view(site, thread, comments, badges, order=order, after=after, limit=limit)


def count_comments(ctx: Context, site_key: str, uris: list[str]) -> dict[str, int]:
    """Published comments per page, for "N comments" links: one query for all the pages."""
    if len(uris) > MAX_COUNT_URIS:
        raise InvalidInput(f"uris: at most {MAX_COUNT_URIS} pages per request", code="too_many_uris")
    with ctx.uow() as uow:
        site = get_site(uow, site_key)
        errors = ErrorList()
        keys: dict[str, str] = {}
        for index, uri in enumerate(uris):
            try:
                keys[uri] = thread_key(uri, site.primary_origin)
            except InvalidInput as exc:
                errors.add(f"uris[{index}]", exc.detail.removeprefix("uri: "))
        errors.raise_if_any()
        counts = uow.threads.counts_by_key(site.id, keys.values())
    return {uri: counts.get(key, 0) for uri, key in keys.items()}
