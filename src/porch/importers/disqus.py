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
from porch.importers.xmlsafe import Element, child_raw_text, child_text, local_name, wrong_root, xml_events

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"


def thread_ref(dsq_id: str) -> str:
    return f"disqus-thread:{dsq_id}"


def post_ref(dsq_id: str) -> str:
    return f"disqus:{dsq_id}"


def read_disqus(path: Path) -> Iterator[ImportRecord]:
    """Records from a Disqus export, streamed: each top-level element is dropped once read."""
    with xml_events(path) as stream:
        if stream.junk:
            yield NoticeRecord(stream.junk.describe())
        depth = 0
        root: Element = None
        posts_without_id = 0
        for event, element in stream.events:
            if event == "start":
                if root is None:
                    root = element
                    if element.tag != f"{NS}disqus":
                        raise wrong_root(element.tag, "disqus", "a Disqus export")
                depth += 1
                continue
            depth -= 1
            if depth != 1:
                continue
            name = local_name(element.tag)
            if name == "thread":
                yield _thread(element)
            elif name == "post":
                if element.get(DSQ_ID) is None and not child_text(element, f"{NS}id"):
                    posts_without_id += 1
                yield _post(element, posts_without_id)
            root.clear()  # drop what was read: memory stays flat


def _thread(element: Element) -> ImportRecord:
    dsq_id = element.get(DSQ_ID) or ""
    ref = thread_ref(dsq_id)
    link = child_text(element, f"{NS}link")
    if not dsq_id:
        return SkippedRecord(ref, "thread without dsq:id")
    try:
        created = child_text(element, f"{NS}createdAt")
        return ThreadRecord(
            ref=ref,
            uri=link,
            title=child_text(element, f"{NS}title"),
            created_at=parse_iso(created, "createdAt") if created else None,
            closed=parse_bool(child_text(element, f"{NS}isClosed"), "isClosed"),
            deleted=parse_bool(child_text(element, f"{NS}isDeleted"), "isDeleted"),
        )
    except BadValue as exc:
        return SkippedRecord(ref, str(exc))


def _post(element: Element, ordinal_without_id: int) -> ImportRecord:
    dsq_id = element.get(DSQ_ID)
    own_id = child_text(element, f"{NS}id")
    # remark42's export has a <post> with no dsq:id but an <id>: its own id keys it then.
    ref = (
        post_ref(dsq_id)
        if dsq_id
        else (f"disqus-id:{own_id}" if own_id else f"disqus-post:#{ordinal_without_id}")
    )
    thread = element.find(f"{NS}thread")
    thread_id = thread.get(DSQ_ID) if thread is not None else None
    if not thread_id:
        return SkippedRecord(ref, "post names no thread")
    parent = element.find(f"{NS}parent")
    parent_id = parent.get(DSQ_ID) if parent is not None else None
    author = element.find(f"{NS}author")
    try:
        deleted = parse_bool(child_text(element, f"{NS}isDeleted"), "isDeleted")
        spam = parse_bool(child_text(element, f"{NS}isSpam"), "isSpam")
        created_at = parse_iso(child_text(element, f"{NS}createdAt"), "createdAt")
        anonymous = (
            parse_bool(child_text(author, f"{NS}isAnonymous"), "isAnonymous") if author is not None else True
        )
    except BadValue as exc:
        return SkippedRecord(ref, str(exc))
    name = child_text(author, f"{NS}name") if author is not None else ""
    email = child_text(author, f"{NS}email") if author is not None else ""
    username = child_text(author, f"{NS}username") if author is not None else ""
    status = CommentStatus.DELETED if deleted else CommentStatus.SPAM if spam else CommentStatus.PUBLISHED
    message = child_raw_text(element, f"{NS}message").strip()
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
        remote_addr=clean_ip(child_text(element, f"{NS}ipAddress")),
    )
