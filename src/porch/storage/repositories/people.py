from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from porch.domain.inbox import handle_of
from porch.domain.people import Person
from porch.storage.prepared import Prepared
from porch.storage.schema import people, person_emails


def _person(row: Any) -> Person:
    return Person(
        id=row.id,
        display_name=row.display_name,
        website=row.website,
        avatar_url=row.avatar_url,
        created_at=row.created_at,
    )

# Built once (an anonymous commenter's first comment adds a person on the posting path).
_ADD = Prepared(insert(people).values(
    display_name=bindparam("display_name"), handle=bindparam("handle"), website=bindparam("website"),
    browser_key=bindparam("browser_key"), created_at=bindparam("now"),
).returning(*people.c))  # fmt: skip
_BY_BROWSER_KEY = Prepared(select(people).where(people.c.browser_key == bindparam("browser_key")))


class PersonRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def get(self, person_id: int) -> Person | None:
        row = self._db.execute(select(people).where(people.c.id == person_id)).first()
        return _person(row) if row else None

    def add(self, *, display_name: str, website: str | None, now: datetime, browser_key: str | None = None) -> Person:
        row = _ADD.one(
            self._db,
            {"display_name": display_name, "handle": handle_of(display_name), "website": website,
             "browser_key": browser_key, "now": now},
        )  # fmt: skip
        return _person(row)

    def find_by_email(self, email: str) -> tuple[Person, bool] | None:
        """The person using ``email`` and whether that address is verified."""
        row = self._db.execute(
            select(people, person_emails.c.verified_at)
            .join(person_emails, person_emails.c.person_id == people.c.id)
            .where(person_emails.c.email == email)
        ).first()
        return (_person(row), row.verified_at is not None) if row else None

    def find_by_browser_key(self, browser_key: str) -> Person | None:
        row = _BY_BROWSER_KEY.first(self._db, {"browser_key": browser_key})
        return _person(row) if row else None

    def add_email(self, person_id: int, email: str, *, verified_at: datetime | None = None) -> None:
        self._db.execute(insert(person_emails).values(person_id=person_id, email=email, verified_at=verified_at))

    def mark_email_verified(self, email: str, now: datetime) -> None:
        self._db.execute(update(person_emails).where(person_emails.c.email == email).values(verified_at=now))

    def email_owner(self, email: str) -> int | None:
        return self._db.execute(select(person_emails.c.person_id).where(person_emails.c.email == email)).scalar()

    def move_email(self, email: str, person_id: int, *, verified_at: datetime | None) -> None:
        self._db.execute(
            update(person_emails)
            .where(person_emails.c.email == email)
            .values(person_id=person_id, verified_at=verified_at)
        )

    def update_profile(self, person_id: int, *, display_name: str, website: str | None) -> None:
        self._db.execute(
            update(people)
            .where(people.c.id == person_id)
            .values(display_name=display_name, handle=handle_of(display_name), website=website)
        )
