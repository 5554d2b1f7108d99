from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from porch.domain.accounts import Account
from porch.storage.schema import accounts, email_tokens, sessions


def _account(row: Any) -> Account:
    return Account(
        id=row.id,
        person_id=row.person_id,
        email=row.email,
        email_verified_at=row.email_verified_at,
        is_admin=row.is_admin,
        created_at=row.created_at,
        has_password=row.password_hash is not None,
    )


class AccountRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def add(
        self,
        *,
        person_id: int,
        email: str,
        password_hash: str | None,
        is_admin: bool,
        now: datetime,
        verified_at: datetime | None = None,
    ) -> Account:
        row = self._db.execute(
            insert(accounts)
            .values(
                person_id=person_id,
                email=email,
                password_hash=password_hash,
                is_admin=is_admin,
                created_at=now,
                email_verified_at=verified_at,
            )
            .returning(*accounts.c)
        ).one()
        return _account(row)

    def get(self, account_id: int) -> Account | None:
        row = self._db.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row) if row else None

    def get_by_email(self, email: str) -> Account | None:
        row = self._db.execute(select(accounts).where(accounts.c.email == email)).first()
        return _account(row) if row else None

    def get_by_person(self, person_id: int) -> Account | None:
        row = self._db.execute(select(accounts).where(accounts.c.person_id == person_id)).first()
        return _account(row) if row else None

    def password_hash(self, account_id: int) -> str | None:
        return self._db.execute(select(accounts.c.password_hash).where(accounts.c.id == account_id)).scalar()

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        self._db.execute(update(accounts).where(accounts.c.id == account_id).values(password_hash=password_hash))

    def set_admin(self, account_id: int, is_admin: bool) -> None:
        self._db.execute(update(accounts).where(accounts.c.id == account_id).values(is_admin=is_admin))

    def mark_verified(self, account_id: int, now: datetime) -> None:
        self._db.execute(
            update(accounts)
            .where(accounts.c.id == account_id, accounts.c.email_verified_at.is_(None))
            .values(email_verified_at=now)
        )

    # sessions -----------------------------------------------------------------------------
    def add_session(self, *, token_hash: str, account_id: int, now: datetime, expires_at: datetime) -> None:
        self._db.execute(
            insert(sessions).values(token_hash=token_hash, account_id=account_id, created_at=now, expires_at=expires_at)
        )

    def account_for_session(self, token_hash: str, now: datetime) -> Account | None:
        row = self._db.execute(
            select(accounts)
            .join(sessions, sessions.c.account_id == accounts.c.id)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
        ).first()
        return _account(row) if row else None

    def delete_session(self, token_hash: str) -> None:
        self._db.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    # emailed single-use tokens (verification, magic links) -----------------------------------
    def add_email_token(
        self, *, token_hash: str, account_id: int, purpose: str, now: datetime, expires_at: datetime
    ) -> None:
        self._db.execute(
            insert(email_tokens).values(
                token_hash=token_hash, account_id=account_id, purpose=purpose, created_at=now, expires_at=expires_at
            )
        )

    def use_email_token(self, token_hash: str, purpose: str, now: datetime) -> int | None:
        """Spend a token: the account id if it was valid and unused, else None. Atomic."""
        result = self._db.execute(
            update(email_tokens)
            .where(
                email_tokens.c.token_hash == token_hash,
                email_tokens.c.purpose == purpose,
                email_tokens.c.used_at.is_(None),
                email_tokens.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(email_tokens.c.account_id)
        ).first()
        return result.account_id if result else None
