"""Porch's own export: JSON Lines, versioned, holding everything needed to rebuild a site.

Format ``porch`` version 1, one JSON object per line, in this order::

    {"format": "porch", "version": 1, "exported_at": …, "site": {"key", "name", "origins", "settings"}}
    {"type": "person", "ref", "display_name", "website", "avatar_url", "emails": [...], "created_at"}   …
    {"type": "thread", "ref", "uri", "title", "created_at", "closed", "comment_count"}              …
    {"type": "comment", "ref", "id", "thread", "parent", "person", "author_name", "author_website",
     "body_source", "body_html", "status", "kind", "created_at", "edited_at", "upvotes",
     "downvotes", "votes": [{"person", "value", "updated_at"}]}                                   …

``ref`` is an item's identity across servers: what it was imported as, or
``porch:<site key>:<id>`` (people: ``porch:<site key>:person:<id>``) for what was born
here; ``thread``, ``parent``, ``person`` and votes' ``person`` point at refs. Times are
ISO 8601 UTC. People come without secrets (no accounts, passwords, sessions or browser
tokens) and comments without IP addresses. Threads nobody commented on are left out.
JSON Lines keeps memory flat on the way out and back in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import IO, Any

from porch.domain.sites import Site
from porch.storage.repositories.exports import ExportedComment, ExportedPerson, ExportedThread

FORMAT = "porch"
VERSION = 1


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def person_ref(site: Site, person: ExportedPerson) -> str:
    return person.import_ref or f"porch:{site.key}:person:{person.id}"


def comment_ref(site: Site, comment: ExportedComment) -> str:
    return comment.import_ref or f"porch:{site.key}:{comment.id}"


def parent_ref(site: Site, comment: ExportedComment) -> str | None:
    if comment.parent_id is None:
        return None
    return comment.parent_import_ref or f"porch:{site.key}:{comment.parent_id}"


def thread_ref(thread: ExportedThread) -> str:
    return f"porch-thread:{thread.key}"


# Characters that str.splitlines() and some JSON Lines readers take for line ends; escaped
# (only ever inside strings, so the JSON means the same) so a line is always one record.
# (json.dumps escapes the control characters below U+0020 itself.)
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def _line(out: IO[str], data: dict[str, Any]) -> None:
    out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKS) + "\n")


def write_porch(
    out: IO[str], site: Site, *, exported_at: datetime, people: Iterable[ExportedPerson],
    threads: list[ExportedThread], comments: Iterable[ExportedComment],
) -> int:
    """Write the document; returns the number of comments written."""
    _line(out, {
        "format": FORMAT, "version": VERSION, "exported_at": iso(exported_at),
        "site": {"key": site.key, "name": site.name, "origins": list(site.origins),
                 "settings": site.settings.to_json()},
    })
    people_refs: dict[int, str] = {}
    for person in people:
        people_refs[person.id] = ref = person_ref(site, person)
        _line(out, {
            "type": "person", "ref": ref, "display_name": person.display_name, "website": person.website,
            "avatar_url": person.avatar_url, "emails": list(person.emails), "created_at": iso(person.created_at),
        })
    thread_refs = {thread.id: thread_ref(thread) for thread in threads}
    for thread in threads:
        _line(out, {
            "type": "thread", "ref": thread_refs[thread.id], "uri": thread.uri, "title": thread.title,
            "created_at": iso(thread.created_at), "closed": thread.closed, "comment_count": thread.comment_count,
        })
    written = 0
    for comment in comments:
        ref = comment_ref(site, comment)
        parent = parent_ref(site, comment)
        _line(out, {
            "type": "comment", "ref": ref, "id": comment.id, "thread": thread_refs[comment.thread_id],
            "parent": parent,
            "person": people_refs.get(comment.person_id) if comment.person_id is not None else None,
            "author_name": comment.author_name, "author_website": comment.author_website,
            "body_source": comment.body_source, "body_html": comment.body_html, "status": comment.status,
            "kind": comment.kind, "created_at": iso(comment.created_at), "edited_at": iso(comment.edited_at),
            "upvotes": comment.upvotes, "downvotes": comment.downvotes,
            "votes": [{"person": people_refs[v.person_id], "value": v.value, "updated_at": iso(v.updated_at)}
                      for v in comment.votes],
        })
        written += 1
    return written
