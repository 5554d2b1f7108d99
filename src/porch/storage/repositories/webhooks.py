from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from porch.storage.schema import webhooks


@dataclass(frozen=True)
class Webhook:
    id: int
    site_id: int
    url: str
    secret: str
    events: tuple[str, ...]
    created_at: datetime


def _webhook(row: Any) -> Webhook:
    return Webhook(row.id, row.site_id, row.url, row.secret, tuple(row.events or ()), row.created_at)


class WebhookRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def add(self, *, site_id: int, url: str, secret: str, events: list[str], now: datetime) -> Webhook:
        row = self._db.execute(
            insert(webhooks)
            .values(site_id=site_id, url=url, secret=secret, events=events, created_at=now)
            .returning(*webhooks.c)
        ).one()
        return _webhook(row)

    def get(self, webhook_id: int) -> Webhook | None:
        row = self._db.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
        return _webhook(row) if row else None

    def for_site(self, site_id: int) -> list[Webhook]:
        rows = self._db.execute(select(webhooks).where(webhooks.c.site_id == site_id).order_by(webhooks.c.id))
        return [_webhook(row) for row in rows]

    def remove(self, site_id: int, webhook_id: int) -> bool:
        result = self._db.execute(webhooks.delete().where(webhooks.c.id == webhook_id, webhooks.c.site_id == site_id))
        return bool(result.rowcount)
