"""Blogger's two export generations, both Atom, told apart entry by entry.

- **Classic backup** (GData era): every entry carries a kind category (``#post``,
  ``#comment``, ``#settings``, ``#template``, ``#page``). A comment names its post with
  ``thr:in-reply-to/@ref`` (and its page with ``@href``), and a reply its parent comment
  with ``link rel='related' href='…/comments/default/<id>'``. No statuses: every comment
  in the backup was published.
- **Takeout** ``feed.atom`` (2018 schema): ``blogger:type`` POST/PAGE/COMMENT,
  ``blogger:status`` (LIVE published, PENDING pending, SPAM spam, EMPTIED deleted with its
  text gone, SOFT_TRASHED/TRASHED/DELETED or ``blogger:trashed`` deleted), the post in
  ``blogger:parent``, the parent comment in ``blogger:inReplyTo``, the page path in
  ``blogger:filename`` (resolved against the site's first origin).

Authors: Blogger hides addresses behind ``noreply@blogger.com``, which is therefore no
email at all; a profile URL is the author's identity when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from porch.domain.comments import CommentStatus
from porch.importers.common import BadValue, parse_iso
from porch.importers.records import (
    AuthorRecord,
    CommentRecord,
    ImportRecord,
    NoticeRecord,
    SkippedRecord,
    ThreadRecord,
)
from porch.importers.xmlsafe import Element, child_text, wrong_root, xml_events

ATOM = "{http://www.w3.org/2005/Atom}"
THR = "{http://purl.org/syndication/thread/1.0}"
BLOGGER = "{http://schemas.google.com/blogger/2018}"
APP = "{http://purl.org/atom/app#}"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
HIDDEN_EMAIL = "noreply@blogger.com"
ITEM_ID = re.compile(r"blog-(\d+)\.(?:post|page)-(\d+)")

TAKEOUT_STATUS = {
    "LIVE": CommentStatus.PUBLISHED,
    "PENDING": CommentStatus.PENDING,
    "SPAM": CommentStatus.SPAM,
    "EMPTIED": CommentStatus.DELETED,
    "SOFT_TRASHED": CommentStatus.DELETED,
    "TRASHED": CommentStatus.DELETED,
    "DELETED": CommentStatus.DELETED,
}


def item_ref(entry_id: str, prefix: str = "blogger") -> str:
    """``tag:blogger.com,1999:blog-7.post-9`` → ``blogger:7:9`` (posts and pages share ids)."""
    match = ITEM_ID.search(entry_id)
    return f"{prefix}:{match.group(1)}:{match.group(2)}" if match else f"{prefix}:{entry_id}"


def read_blogger(path: Path) -> Iterator[ImportRecord]:
    """Records from a Blogger Atom export (classic backup or Takeout), entry by entry."""
    with xml_events(path) as stream:
        if stream.junk:
            yield NoticeRecord(stream.junk.describe())
        root: Element = None
        depth = 0
        for event, element in stream.events:
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if element.tag != f"{ATOM}feed":
                        raise wrong_root(element.tag, "feed", "a Blogger export")
                continue
            depth -= 1
            if depth == 1 and element.tag == f"{ATOM}entry":
                if element.find(f"{BLOGGER}type") is not None:
                    yield from _takeout_entry(element)
                else:
                    yield from _classic_entry(element)
                root.clear()


def _author(entry: Element) -> AuthorRecord:
    author = entry.find(f"{ATOM}author")
    if author is None:
        return AuthorRecord(name="Anonymous")
    name = child_text(author, f"{ATOM}name") or "Anonymous"
    email = child_text(author, f"{ATOM}email")
    uri = child_text(author, f"{ATOM}uri")
    anonymous = child_text(author, f"{BLOGGER}type") == "ANONYMOUS"
    return AuthorRecord(
        name=name,
        email=email if email and email.lower() != HIDDEN_EMAIL else None,
        ref=f"blogger-profile:{uri}" if uri and not anonymous else None,
    )


def _published(entry: Element) -> str:
    return child_text(entry, f"{ATOM}published") or child_text(entry, f"{ATOM}updated")


# classic -----------------------------------------------------------------------------------
def _kind(entry: Element) -> str:
    for category in entry.findall(f"{ATOM}category"):
        if category.get("scheme") == KIND_SCHEME:
            return str(category.get("term", "")).rsplit("#", 1)[-1]
    return ""


def _link(entry: Element, rel: str) -> str:
    for link in entry.findall(f"{ATOM}link"):
        if link.get("rel") == rel:
            return str(link.get("href", ""))
    return ""


def _classic_entry(entry: Element) -> Iterator[ImportRecord]:
    kind = _kind(entry)
    entry_id = child_text(entry, f"{ATOM}id")
    if kind in ("post", "page"):
        control = entry.find(f"{APP}control")
        draft = control is not None and child_text(control, f"{APP}draft") == "yes"
        try:
            created = parse_iso(_published(entry), "published")
        except BadValue:
            created = None
        yield ThreadRecord(
            ref=item_ref(entry_id, "blogger-post"),
            uri="" if draft else _link(entry, "alternate"),
            title=child_text(entry, f"{ATOM}title"),
            created_at=created,
        )
    elif kind == "comment":
        yield from _classic_comment(entry, entry_id)


def _classic_comment(entry: Element, entry_id: str) -> Iterator[ImportRecord]:
    ref = item_ref(entry_id)
    reply_to = entry.find(f"{THR}in-reply-to")
    if reply_to is None or not reply_to.get("ref"):
        yield SkippedRecord(ref, "comment without thr:in-reply-to: no post to put it under")
        return
    thread_ref = item_ref(str(reply_to.get("ref")), "blogger-post")
    # The comment names its page too: enough to place it even if its post entry is missing.
    yield ThreadRecord(ref=thread_ref, uri=str(reply_to.get("href", "")))
    related = _link(entry, "related")
    parent_ref = None
    if "/comments/default/" in related:
        blog = ITEM_ID.search(entry_id)
        parent_id = related.rstrip("/").rsplit("/", 1)[-1]
        parent_ref = f"blogger:{blog.group(1)}:{parent_id}" if blog else f"blogger:{parent_id}"
    try:
        created_at = parse_iso(_published(entry), "published")
    except BadValue as exc:
        yield SkippedRecord(ref, str(exc))
        return
    content = entry.find(f"{ATOM}content")
    body = str(content.text or "") if content is not None else ""
    yield CommentRecord(
        ref=ref,
        thread_ref=thread_ref,
        parent_ref=parent_ref,
        author=_author(entry),
        body_html=body.strip(),
        body_source=body,
        status=CommentStatus.PUBLISHED,
        created_at=created_at,
    )


# takeout -----------------------------------------------------------------------------------
def _takeout_entry(entry: Element) -> Iterator[ImportRecord]:
    entry_type = child_text(entry, f"{BLOGGER}type")
    entry_id = child_text(entry, f"{ATOM}id")
    if entry_type in ("POST", "PAGE"):
        live = child_text(entry, f"{BLOGGER}status") in ("LIVE", "")
        try:
            created = parse_iso(_published(entry), "published")
        except BadValue:
            created = None
        yield ThreadRecord(
            ref=item_ref(entry_id, "blogger-post"),
            uri=child_text(entry, f"{BLOGGER}filename") if live else "",
            title=child_text(entry, f"{ATOM}title"),
            created_at=created,
        )
    elif entry_type == "COMMENT":
        yield _takeout_comment(entry, entry_id)


def _takeout_comment(entry: Element, entry_id: str) -> ImportRecord:
    ref = item_ref(entry_id)
    post = child_text(entry, f"{BLOGGER}parent")
    if not post:
        return SkippedRecord(ref, "comment without blogger:parent: no post to put it under")
    status_name = child_text(entry, f"{BLOGGER}status") or "LIVE"
    status = TAKEOUT_STATUS.get(status_name)
    if status is None:
        return SkippedRecord(ref, f"blogger:status {status_name!r} is not a comment status Porch knows")
    if entry.find(f"{BLOGGER}trashed") is not None:
        status = CommentStatus.DELETED
    try:
        created_at = parse_iso(_published(entry), "published")
    except BadValue as exc:
        return SkippedRecord(ref, str(exc))
    in_reply_to = child_text(entry, f"{BLOGGER}inReplyTo")
    content = entry.find(f"{ATOM}content")
    body = "" if status_name == "EMPTIED" or content is None else str(content.text or "")
    author = _author(entry)
    if status_name == "EMPTIED":
        author = AuthorRecord(name="", ref=author.ref)
    return CommentRecord(
        ref=ref,
        thread_ref=item_ref(post, "blogger-post"),
        parent_ref=item_ref(in_reply_to) if in_reply_to else None,
        author=author,
        body_html=body.strip(),
        body_source=body,
        status=status,
        created_at=created_at,
    )
