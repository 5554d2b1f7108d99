"""Porch's error tree. Every error has a stable ``code`` that clients may rely on.

::

    PorchError
    ├── InvalidInput        (422)  a field is wrong: ``errors`` names each field
    │   ├── ContentTooLong  (422)  a text exceeds its limit
    │   └── InvalidImport   (422)  an import file is malformed (``line``/``column`` when known)
    │       └── UnsafeImport       it declares a DTD, entities or external references: refused unread
    ├── PayloadTooLarge     (413)  the request body exceeds the limit
    ├── Unauthenticated     (401)  no or an expired session/token
    ├── Forbidden           (403)  known, but not allowed (origin, role, edit window)
    │   └── EditWindowClosed
    ├── NotFound            (404)
    ├── Conflict            (409)  the state forbids it (e.g. email taken, a duplicate comment)
    └── RateLimited         (429)  too many requests: ``retry_after`` seconds until the next is accepted

The web layer maps each branch to an HTTP status once (``web/errors.py``); the domain
and services never mention HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class PorchError(Exception):
    """Base of every error Porch reports to a person."""

    code = "error"
    title = "Something went wrong"

    def __init__(self, detail: str, *, code: str | None = None, errors: list[FieldError] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.errors: list[FieldError] = errors or []


class InvalidInput(PorchError):
    code = "invalid_input"
    title = "The request is not valid"


class ContentTooLong(InvalidInput):
    code = "too_long"
    title = "A text is too long"


class InvalidImport(InvalidInput):
    """An import file Porch cannot read; nothing of it has been written."""

    code = "invalid_import"
    title = "The import file cannot be read"

    def __init__(
        self, detail: str, *, line: int | None = None, column: int | None = None, code: str | None = None
    ):
        where = f" (line {line}, column {column})" if line is not None and column is not None else ""
        super().__init__(detail + where, code=code)
        self.line = line
        self.column = column


class UnsafeImport(InvalidImport):
    """The file declares a DTD, entities or external references (XML bombs, XXE): refused at once."""

    code = "unsafe_import"
    title = "The import file is refused"


class PayloadTooLarge(PorchError):
    code = "payload_too_large"
    title = "The request body is too large"


class Unauthenticated(PorchError):
    code = "unauthenticated"
    title = "Sign-in required"


class Forbidden(PorchError):
    code = "forbidden"
    title = "Not allowed"


class EditWindowClosed(Forbidden):
    code = "edit_window_closed"
    title = "The edit window has closed"


class NotFound(PorchError):
    code = "not_found"
    title = "Not found"


class Conflict(PorchError):
    code = "conflict"
    title = "Conflict"


class RateLimited(PorchError):
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: float, code: str | None = None):
        super().__init__(detail, code=code)
        self.retry_after = retry_after


@dataclass
class ErrorList:
    """Collects field errors so a request reports all its problems at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.errors.append(FieldError(field_name, message))

    def raise_if_any(self) -> None:
        if self.errors:
            too_long = all("at most" in e.message for e in self.errors)
            cls = ContentTooLong if too_long else InvalidInput
            detail = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
            raise cls(detail, errors=list(self.errors))
