from __future__ import annotations

from dataclasses import dataclass

from porch.errors import InvalidInput


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str | None = None

    def __post_init__(self) -> None:
        # Header injection: no CR/LF may reach a header, whatever a person typed.
        for name, value in (("to", self.to), ("subject", self.subject)):
            if "\r" in value or "\n" in value:
                raise InvalidInput(f"mail {name} must be a single line")
