"""A :class:`CommentEvent` as JSON, for hubs that carry events between processes (``live/redis.py``).

The comment is written field by field from its dataclass, so a field added to
:class:`porch.domain.comments.Comment` travels without a change here; a field this process does not
know (sent by a newer worker during a rolling upgrade) is ignored, and a missing one keeps its default.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from porch.domain.comments import Comment
from porch.live import CommentEvent


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


@cache
def _field_types() -> dict[str, type | None]:
    """Per Comment field: the datetime or Enum class its JSON value must become again, else None."""
    found: dict[str, type | None] = {}
    for name, hint in typing.get_type_hints(Comment).items():
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        found[name] = next((t for t in options if isinstance(t, type) and issubclass(t, datetime | Enum)), None)
    return found


def encode_event(event: CommentEvent) -> str:
    comment = {f.name: _plain(getattr(event.comment, f.name)) for f in dataclasses.fields(Comment)}
    return json.dumps({"kind": event.kind, "site": event.site_id, "key": event.thread_key, "comment": comment},
                      separators=(",", ":"))


def decode_event(text: str | bytes) -> CommentEvent:
    data = json.loads(text)
    kinds = _field_types()
    values: dict[str, Any] = {}
    for name, value in data["comment"].items():
        if name not in kinds:
            continue
        kind = kinds[name]
        if value is not None and kind is not None:
            value = datetime.fromisoformat(value) if issubclass(kind, datetime) else kind(value)
        values[name] = value
    return CommentEvent(data["kind"], int(data["site"]), str(data["key"]), Comment(**values))
