"""Disqus XML export (``<disqus xmlns="http://disqus.com">``): categories, threads, posts.

Threads are keyed by ``dsq:id`` and mapped to pages by ``link``; posts refer to their
thread and parent by ``dsq:id``. A deleted post keeps its place (a tombstone with no text
or author name) so its replies stay in the tree; spam is kept as spam; Disqus has no
pending state. A thread without a link cannot be placed on a page and is skipped, and so
are its posts. See docs: ../shared/docs/formats.md §1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from porch.domain.comments import CommentStatus
from porch.importers.common import BadValue, clean_ip, parse_bool, parse_iso
from porch.importers.records import (
    AuthorRecord,
    CommentRecord,
    ImportRecord,
    NoticeRecord,
    SkippedRecord,
    ThreadRecord,
)
from porch.importers.xmlsafe import Element, top_level_elements

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def thread_ref(dsq_id: str) -> str:
    return f"disqus-thread:{dsq_id}"


def post_ref(dsq_id: str) -> str:
    return f"disqus:{dsq_id}"


def read_disqus(path: Path) -> Iterator[ImportRecord]:
    """Records from a Disqus export, streamed: each top-level element is dropped once read."""
    with top_level_elements(path, f"{NS}disqus", (f"{NS}thread", f"{NS}post"), "a Disqus export") as stream:
        if stream.junk:
            yield NoticeRecord(stream.junk.describe())
        posts_without_id = 0
        for element in stream.elements:
            if element.tag == f"{NS}thread":
                yield _thread(element)
            else:
                fields = _children(element)
                if element.get(DSQ_ID) is None and not _text(fields, "id"):
                    posts_without_id += 1
                yield _post(element, fields, posts_without_id)


def _children(element: Element) -> dict[Any, Element]:
    """Each child by tag (the first of a tag wins, as ``find`` would): one pass over the
    children instead of a search per field, which is most of the reading time."""
    found: dict[Any, Element] = {}
    for child in element:
        found.setdefault(child.tag, child)
    return found


def _text(children: dict[Any, Element], name: str, *, strip: bool = True) -> str:
    child = children.get(NS + name)
    if child is None or child.text is None:
        return ""
    return str(child.text).strip() if strip else str(child.text)


def _thread(element: Element) -> ImportRecord:
    dsq_id = element.get(DSQ_ID) or ""
    ref = thread_ref(dsq_id)
    if not dsq_id:
        return SkippedRecord(ref, "thread without dsq:id")
    fields = _children(element)
    try:
        created = _text(fields, "createdAt")
        return ThreadRecord(
            ref=ref,
            uri=_text(fields, "link"),
            title=_text(fields, "title"),
            created_at=parse_iso(created, "createdAt") if created else None,
            closed=parse_bool(_text(fields, "isClosed"), "isClosed"),
            deleted=parse_bool(_text(fields, "isDeleted"), "isDeleted"),
        )
    except BadValue as exc:
        return SkippedRecord(ref, str(exc))


def _post(element: Element, fields: dict[Any, Element], ordinal_without_id: int) -> ImportRecord:
    dsq_id = element.get(DSQ_ID)
    own_id = _text(fields, "id")
    # remark42's export has a <post> with no dsq:id but an <id>: its own id keys it then.
    ref = (
        post_ref(dsq_id)
        if dsq_id
        else (f"disqus-id:{own_id}" if own_id else f"disqus-post:#{ordinal_without_id}")
    )
    thread = fields.get(f"{NS}thread")
    thread_id = thread.get(DSQ_ID) if thread is not None else None
    if not thread_id:
        return SkippedRecord(ref, "post names no thread")
    parent = fields.get(f"{NS}parent")
    parent_id = parent.get(DSQ_ID) if parent is not None else None
    author_element = fields.get(f"{NS}author")
    author = _children(author_element) if author_element is not None else None
    try:
        deleted = parse_bool(_text(fields, "isDeleted"), "isDeleted")
        spam = parse_bool(_text(fields, "isSpam"), "isSpam")
        created_at = parse_iso(_text(fields, "createdAt"), "createdAt")
        anonymous = parse_bool(_text(author, "isAnonymous"), "isAnonymous") if author is not None else True
    except BadValue as exc:
        return SkippedRecord(ref, str(exc))
    name = _text(author, "name") if author is not None else ""
    email = _text(author, "email") if author is not None else ""
    username = _text(author, "username") if author is not None else ""
    status = CommentStatus.DELETED if deleted else CommentStatus.SPAM if spam else CommentStatus.PUBLISHED
    message = _text(fields, "message", strip=False).strip()
    return CommentRecord(
        ref=ref,
        thread_ref=thread_ref(thread_id),
        parent_ref=post_ref(parent_id) if parent_id else None,
        author=AuthorRecord(
            name="" if deleted else name,
            email=email or None,
            ref=f"disqus-user:{username}" if username and not anonymous else None,
        ),
        body_html="" if deleted else message,
        body_source=None if deleted else message,
        status=status,
        created_at=created_at,
        remote_addr=clean_ip(_text(fields, "ipAddress")),
    )
