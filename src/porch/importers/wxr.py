"""WordPress eXtended RSS 1.0, 1.1 and 1.2 (and Disqus's WXR-based import format).

The ``wp`` namespace is whatever URI the root element binds the ``wp`` prefix to (http
or https, any version), as WordPress's own importer does; elements in other namespaces
that merely reuse the prefix further down (``namespace-edge-cases.xml``) are ignored.
Without a ``wp`` binding the 1.1 URI is assumed. A ``wp:wxr_version`` that is not like
``1.2`` is refused; a missing one is only a notice (WordPress refuses it, but Isso's WXR
fixture and hand-made files omit it, and nothing here depends on the version).

Comment ids are only unique within their item, so refs are ``wxr:<post id>:<comment id>``.
``comment_approved``: 1 published, 0 pending, spam spam, trash/post-trashed deleted (the
text is kept, never shown); ``comment_type`` pingback/trackback are kept as such, any
other non-empty type is a mention. Comment text is WordPress's (newlines are line
breaks), turned into paragraphs; the original stays as ``body_source``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from porch.domain.comments import CommentStatus
from porch.errors import InvalidImport
from porch.importers.common import BadValue, clean_ip, parse_sql_datetime, text_to_html
from porch.importers.records import (
    AuthorRecord,
    CommentKind,
    CommentRecord,
    ImportRecord,
    NoticeRecord,
    SkippedRecord,
    ThreadRecord,
)
from porch.importers.xmlsafe import Element, child_raw_text, child_text, local_name, wrong_root, xml_events

DEFAULT_WP_NAMESPACE = "http://wordpress.org/export/1.1/"
DISQUS_IMPORT_NAMESPACE = "http://www.disqus.com/"
WXR_VERSION = re.compile(r"^\d+\.\d+$")
NO_DATE = "0000-00-00 00:00:00"

STATUS_BY_APPROVED = {
    "1": CommentStatus.PUBLISHED,
    "approve": CommentStatus.PUBLISHED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.DELETED,
    "post-trashed": CommentStatus.DELETED,
}
KIND_BY_TYPE = {
    "": CommentKind.COMMENT,
    "comment": CommentKind.COMMENT,
    "pingback": CommentKind.PINGBACK,
    "trackback": CommentKind.TRACKBACK,
}


def read_wxr(path: Path) -> Iterator[ImportRecord]:
    """Records from a WXR file, streamed item by item."""
    with xml_events(path, ("start-ns", "start", "end")) as stream:
        if stream.junk:
            yield NoticeRecord(stream.junk.describe())
        root_bindings: dict[str, str] = {}
        root: Element = None
        wp = ""
        version: str | None = None
        channel: Element = None
        depth = 0
        disqus_format = False
        warned_version = False
        for event, payload in stream.events:
            if event == "start-ns":
                if root is None:
                    prefix, uri = payload
                    root_bindings[prefix] = uri
                continue
            element = payload
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if local_name(element.tag) != "rss":
                        raise wrong_root(element.tag, "rss", "a WordPress export")
                    wp = "{" + root_bindings.get("wp", DEFAULT_WP_NAMESPACE) + "}"
                    if "wp" not in root_bindings:
                        yield NoticeRecord(f"no wp namespace declared; assumed {DEFAULT_WP_NAMESPACE}")
                    disqus_format = DISQUS_IMPORT_NAMESPACE in root_bindings.values()
                elif depth == 2 and element.tag == "channel":
                    channel = element
                continue
            depth -= 1
            if depth == 2 and channel is not None and element.tag == f"{wp}wxr_version":
                version = (element.text or "").strip()
                if not WXR_VERSION.match(version):
                    raise InvalidImport(f"wp:wxr_version is {version!r}, expected a version like 1.2")
            elif depth == 2 and channel is not None and element.tag == "item":
                if version is None and not warned_version and not disqus_format:
                    warned_version = True
                    yield _missing_version(wp)
                yield from _item(element, wp)
                channel.clear()
            elif depth == 2 and channel is not None:
                channel.clear()  # authors, categories, terms: nothing Porch keeps
        if root is None or channel is None:
            raise InvalidImport("not a WordPress export: no <channel> inside <rss>")
        if version is None and not warned_version and not disqus_format:
            yield _missing_version(wp)


def _missing_version(wp: str) -> NoticeRecord:
    return NoticeRecord(f"the channel has no wp:wxr_version; read as WXR in {wp.strip('{}')}")


def _item(item: Element, wp: str) -> Iterator[ImportRecord]:
    comments = item.findall(f"{wp}comment")
    if not comments:
        return
    post_id = child_text(item, f"{wp}post_id")
    link = child_text(item, "link")
    item_key = post_id or link
    ref = f"wxr-post:{item_key}"
    created = child_text(item, f"{wp}post_date_gmt")
    try:
        created_at = parse_sql_datetime(created, "post_date_gmt") if created and created != NO_DATE else None
    except BadValue:
        created_at = None
    yield ThreadRecord(
        ref=ref,
        uri=link,
        title=child_text(item, "title"),
        created_at=created_at,
        closed=child_text(item, f"{wp}comment_status") == "closed",
    )
    for comment in comments:
        yield _comment(comment, wp, item_key, ref)


def _comment(element: Element, wp: str, item_key: str, thread: str) -> ImportRecord:
    comment_id = child_text(element, f"{wp}comment_id")
    ref = f"wxr:{item_key}:{comment_id}"
    if not comment_id:
        return SkippedRecord(f"wxr:{item_key}:?", "comment without comment_id")
    approved = child_text(element, f"{wp}comment_approved").lower()
    status = STATUS_BY_APPROVED.get(approved)
    if status is None:
        return SkippedRecord(ref, f"comment_approved is {approved!r}, expected 1, 0, spam or trash")
    comment_type = child_text(element, f"{wp}comment_type").lower()
    kind = KIND_BY_TYPE.get(comment_type, CommentKind.MENTION)
    try:
        created_at = _comment_date(element, wp)
    except BadValue as exc:
        return SkippedRecord(ref, str(exc))
    parent = child_text(element, f"{wp}comment_parent")
    content = child_raw_text(element, f"{wp}comment_content")
    return CommentRecord(
        ref=ref,
        thread_ref=thread,
        parent_ref=f"wxr:{item_key}:{parent}" if parent and parent != "0" else None,
        author=AuthorRecord(
            name=child_text(element, f"{wp}comment_author"),
            email=child_text(element, f"{wp}comment_author_email") or None,
            website=child_text(element, f"{wp}comment_author_url") or None,
        ),
        body_html=text_to_html(content),
        body_source=content,
        status=status,
        kind=kind,
        created_at=created_at,
        remote_addr=clean_ip(child_text(element, f"{wp}comment_author_IP")),
    )


def _comment_date(element: Element, wp: str) -> datetime:
    gmt = child_text(element, f"{wp}comment_date_gmt")
    if gmt and gmt != NO_DATE:
        return parse_sql_datetime(gmt, "comment_date_gmt")
    local = child_text(element, f"{wp}comment_date")
    if local and local != NO_DATE:
        return parse_sql_datetime(local, "comment_date")  # no zone in the file: the best there is
    raise BadValue("the comment has neither comment_date_gmt nor comment_date")
