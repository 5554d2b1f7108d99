"""Porch's own export (JSON Lines, ``exporters/porch_json.py`` documents the format) back in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from porch.domain.comments import CommentStatus
from porch.errors import InvalidImport
from porch.importers.common import BadValue, parse_iso
from porch.importers.records import (
    AuthorRecord,
    CommentKind,
    CommentRecord,
    ImportRecord,
    PersonRecord,
    ThreadRecord,
    VoteRecord,
)
from porch.importers.xmlsafe import open_binary

FORMAT = "porch"
SUPPORTED_VERSIONS = (1,)


def read_porch(path: Path) -> Iterator[ImportRecord]:
    """Records from a Porch export, line by line."""
    with open_binary(path) as raw:
        for number, line in enumerate(raw, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                column = exc.colno if isinstance(exc, json.JSONDecodeError) else 1
                message = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                raise InvalidImport(f"not a Porch export: {message}", line=number, column=column) from None
            if not isinstance(data, dict):
                raise InvalidImport("not a Porch export: each line is a JSON object", line=number, column=1)
            if number == 1:
                _check_header(data)
                continue
            try:
                yield _record(data)
            except (KeyError, TypeError, ValueError, BadValue) as exc:
                problem = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
                raise InvalidImport(f"Porch export: a {data.get('type', 'line')} is malformed ({problem})",
                                    line=number, column=1) from None


def _check_header(data: dict[str, Any]) -> None:
    if data.get("format") != FORMAT:
        raise InvalidImport('not a Porch export: the first line must be {"format": "porch", ...}', line=1, column=1)
    if data.get("version") not in SUPPORTED_VERSIONS:
        raise InvalidImport(
            f"Porch export version {data.get('version')!r} is not supported (this Porch reads "
            f"{', '.join(map(str, SUPPORTED_VERSIONS))})", line=1, column=1,
        )


def _time(value: Any, field: str) -> datetime | None:
    return parse_iso(value, field) if value else None


def _record(data: dict[str, Any]) -> ImportRecord:
    kind = data["type"]
    if kind == "person":
        return PersonRecord(
            ref=str(data["ref"]), display_name=str(data["display_name"]), website=data.get("website"),
            avatar_url=data.get("avatar_url"), emails=tuple(str(e) for e in data.get("emails", ())),
            created_at=_time(data.get("created_at"), "created_at"),
        )
    if kind == "thread":
        return ThreadRecord(
            ref=str(data["ref"]), uri=str(data["uri"]), title=str(data.get("title") or ""),
            created_at=_time(data.get("created_at"), "created_at"), closed=bool(data.get("closed")),
        )
    if kind == "comment":
        created_at = _time(data["created_at"], "created_at")
        if created_at is None:
            raise BadValue("created_at is empty")
        return CommentRecord(
            ref=str(data["ref"]), thread_ref=str(data["thread"]), parent_ref=data.get("parent"),
            author=AuthorRecord(name=str(data.get("author_name") or ""), website=data.get("author_website"),
                                ref=data.get("person")),
            body_html=str(data["body_html"]), body_source=str(data.get("body_source") or ""),
            status=CommentStatus(data["status"]), kind=CommentKind(data.get("kind") or "comment"),
            created_at=created_at, edited_at=_time(data.get("edited_at"), "edited_at"),
            upvotes=int(data.get("upvotes") or 0), downvotes=int(data.get("downvotes") or 0),
            votes=tuple(
                VoteRecord(person_ref=str(v["person"]), value=int(v["value"]),
                           updated_at=_time(v["updated_at"], "updated_at") or created_at)
                for v in data.get("votes", ())
            ),
        )
    raise ValueError(f"unknown type {kind!r}")
