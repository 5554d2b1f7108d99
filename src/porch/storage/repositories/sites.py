from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from porch.domain.sites import Site, SiteSettings
from porch.storage.prepared import Prepared
from porch.storage.schema import site_roles, sites


def _site(row: Any) -> Site:
    return Site(
        id=row.id,
        key=row.key,
        name=row.name,
        origins=tuple(row.origins or ()),
        settings=SiteSettings.from_json(row.settings),
        created_at=row.created_at,
        spam_model_version=row.spam_model_version,
    )


# Built once: every post and read looks its site up by key, and building the statement per call
# (coercions, cache key) costs several times more than running it.
_BY_KEY = Prepared(select(sites).where(sites.c.key == bindparam("key")))


class SiteRepository:
    def __init__(self, connection: Connection):
        self._db = connection

    def add(self, *, key: str, name: str, origins: tuple[str, ...], settings: SiteSettings, now: datetime) -> Site:
        row = self._db.execute(
            insert(sites)
            .values(key=key, name=name, origins=list(origins), settings=settings.to_json(), created_at=now)
            .returning(*sites.c)
        ).one()
        return _site(row)

    def get_by_key(self, key: str) -> Site | None:
        row = _BY_KEY.first(self._db, {"key": key})
        return _site(row) if row else None

    def get_by_name(self, name: str) -> Site | None:
        row = self._db.execute(select(sites).where(sites.c.name == name)).first()
        return _site(row) if row else None

    def get(self, site_id: int) -> Site | None:
        row = self._db.execute(select(sites).where(sites.c.id == site_id)).first()
        return _site(row) if row else None

    def list(self) -> list[Site]:
        return [_site(row) for row in self._db.execute(select(sites).order_by(sites.c.name))]

    def update(self, site: Site) -> None:
        self._db.execute(
            update(sites)
            .where(sites.c.id == site.id)
            .values(name=site.name, origins=list(site.origins), settings=site.settings.to_json())
        )

    def all_origins(self) -> set[str]:
        origins: set[str] = set()
        for (row_origins,) in self._db.execute(select(sites.c.origins)):
            origins.update(row_origins or ())
        return origins

    def role_of(self, site_id: int, account_id: int) -> str | None:
        return self._db.execute(
            select(site_roles.c.role).where(site_roles.c.site_id == site_id, site_roles.c.account_id == account_id)
        ).scalar()

    def set_role(self, site_id: int, account_id: int, role: str) -> None:
        self._db.execute(
            site_roles.delete().where(site_roles.c.site_id == site_id, site_roles.c.account_id == account_id)
        )
        self._db.execute(insert(site_roles).values(site_id=site_id, account_id=account_id, role=role))

    def roles_of_account(self, account_id: int) -> dict[int, str]:
        rows = self._db.execute(
            select(site_roles.c.site_id, site_roles.c.role).where(site_roles.c.account_id == account_id)
        )
        return {row.site_id: row.role for row in rows}
