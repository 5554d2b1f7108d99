"""Outgoing mail: a message type and its adapters (SMTP, and a log for development)."""
from __future__ import annotations

from dataclasses import dataclass

from porch.errors import InvalidInput


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str | None = None
    # Notifications name the site in From ("My blog <porch@…>"), carry a Message-ID derived from
    # their outbox idempotency key, and List-Unsubscribe headers. Account mail sets none of these.
    from_name: str | None = None
    message_id: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # Header injection: no CR/LF may reach a header, whatever a person typed.
        values = [("to", self.to), ("subject", self.subject), ("from_name", self.from_name or "")]
        values += [("message_id", self.message_id or "")] + [(name, value) for name, value in self.headers]
        for name, value in values:
            if "\r" in value or "\n" in value:
                raise InvalidInput(f"mail {name} must be a single line")
