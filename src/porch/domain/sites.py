"""Sites: a hosted blog or community, its allowed origins and its settings."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from porch.domain.mail_text import DEFAULT_LANGUAGE, LANGUAGES
from porch.errors import InvalidInput


class ModerationMode(StrEnum):
    PUBLISH = "publish"  # everything appears at once
    HOLD_FIRST = "hold_first"  # a person's first comment on the site waits for a moderator
    HOLD_LINKS = "hold_links"  # comments containing links wait
    HOLD_ALL = "hold_all"  # every comment waits


# The moderation issue's contract names (`porch site set NAME moderation=none|first|links|all`).
MODERATION_ALIASES = {"none": "publish", "first": "hold_first", "links": "hold_links", "all": "hold_all"}


@dataclass(frozen=True)
class SiteSettings:
    """Per-site settings; every field has a safe default so old rows keep working."""

    edit_window_seconds: int = 15 * 60
    moderation: ModerationMode = ModerationMode.PUBLISH
    max_comment_length: int = 10_000
    require_name: bool = False
    allow_anonymous: bool = True
    max_depth: int = 6  # visual nesting readers are shown; storage nests without limit
    rate_limits: bool = True  # off for load tests and trusted back-office clients
    report_threshold: int = 3  # readers' reports that send a published comment back to the queue
    min_submit_seconds: int = 3  # a form sent sooner than this after opening waits for a moderator
    language: str = DEFAULT_LANGUAGE  # what notification mails are written in: en, fr or de
    akismet: bool = True  # ask the server's Akismet-compatible service, when one is configured (PORCH_AKISMET_*)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SiteSettings:
        known = {f.name for f in fields(cls)}
        settings = cls()
        return settings.with_values({k: v for k, v in (data or {}).items() if k in known})

    def with_values(self, values: dict[str, Any]) -> SiteSettings:
        """Return a copy with ``values`` applied, each validated and converted from text if needed."""
        changes: dict[str, Any] = {}
        types = {f.name: f.type for f in fields(self)}
        for name, raw in values.items():
            if name not in types:
                raise InvalidInput(
                    f"unknown setting {name!r}; known settings: {', '.join(sorted(types))}", code="unknown_setting"
                )
            changes[name] = _convert_setting(name, types[name], raw)
        return replace(self, **changes)


def _convert_setting(name: str, type_name: object, raw: Any) -> Any:
    if name == "language":
        language = str(raw).strip().lower()
        if language not in LANGUAGES:
            raise InvalidInput(
                f"setting language: expected one of {', '.join(LANGUAGES)}, got {raw!r}", code="unknown_language"
            )
        return language
    if type_name in ("int", int):
        try:
            value = int(raw)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"setting {name}: expected a whole number, got {raw!r}") from exc
        if value < 0:
            raise InvalidInput(f"setting {name}: must not be negative")
        return value
    if type_name in ("bool", bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise InvalidInput(f"setting {name}: expected true or false, got {raw!r}")
    if type_name in ("ModerationMode", ModerationMode):
        try:
            return ModerationMode(MODERATION_ALIASES.get(str(raw), str(raw)))
        except ValueError as exc:
            choices = ", ".join(m.value for m in ModerationMode)
            raise InvalidInput(f"setting {name}: expected one of {choices}, got {raw!r}") from exc
    raise InvalidInput(f"setting {name}: cannot be set")  # pragma: no cover - every field type is handled above


@dataclass(frozen=True)
class Site:
    id: int
    key: str
    name: str
    origins: tuple[str, ...]
    settings: SiteSettings = field(default_factory=SiteSettings)
    created_at: datetime | None = None
    spam_model_version: int = 0  # moves with moderators' spam/approve decisions: the classifier retrains

    @property
    def primary_origin(self) -> str | None:
        return self.origins[0] if self.origins else None

    def allows_origin(self, origin: str | None) -> bool:
        return origin is not None and normalise_origin(origin, strict=False) in self.origins


MAX_SITE_NAME_LENGTH = 100


def normalise_origin(origin: str, *, strict: bool = True) -> str:
    """``https://Blog.Example:443/`` → ``https://blog.example`` (scheme://host[:port], as browsers send it)."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        if strict:
            raise InvalidInput(f"origin {origin!r}: expected scheme://host[:port], e.g. https://blog.example")
        return origin
    host = parts.hostname.lower()
    port = parts.port
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def check_site_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("name: a site needs a name")
    if len(name) > MAX_SITE_NAME_LENGTH:
        raise InvalidInput(f"name: at most {MAX_SITE_NAME_LENGTH} characters", code="too_long")
    return name
