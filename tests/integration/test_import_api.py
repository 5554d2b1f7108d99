"""Imports and exports over the API, on both databases: owners only, their own limit, streamed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from porch.config import Settings
from porch.domain.sites import Site
from porch.services.accounts import add_user, grant_site_role, log_in
from porch.services.context import Context
from porch.storage.schema import comments, threads
from tests.factories import make_site

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
THEME_DATA = SHARED / "wordpress-importer" / "theme-unit-test-data.xml"  # 714 KB: far over the 64 KiB limit
PASSWORD = "correct horse battery"
IMPORT_LIMIT = 1024 * 1024


@pytest.fixture
def settings() -> Settings:
    return Settings(database_url="sqlite:///unused.db", base_url="http://porch.test", max_import_bytes=IMPORT_LIMIT)


def bearer(
    ctx: Context, email: str, site: Site | None = None, role: str = "owner", admin: bool = False
) -> dict[str, str]:
    add_user(ctx, email, PASSWORD, is_admin=admin)
    if site is not None:
        grant_site_role(ctx, site.id, email, role)
    return {"Authorization": f"Bearer {log_in(ctx, email, PASSWORD).session_token}"}


def stored(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(threads)).scalar_one(),
            connection.execute(select(func.count()).select_from(comments)).scalar_one(),
        )


def test_an_owner_imports_a_file_far_over_the_json_limit_and_a_dry_run_writes_nothing(
    client: TestClient, ctx: Context, engine: Engine
) -> None:
    site = make_site(ctx, origins=["https://wpthemetestdata.wordpress.com"])
    owner = bearer(ctx, "owner@example.org", site)
    url = f"/api/v1/sites/{site.key}/imports"
    dry = client.post(url, params={"dry_run": "true"}, content=THEME_DATA.read_bytes(), headers=owner)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["comments"] == {"published": 30, "pending": 3}
    assert stored(engine) == (0, 0)
    real = client.post(url, params={"format": "wxr"}, content=THEME_DATA.read_bytes(), headers=owner)
    assert real.status_code == 201, real.text
    body = real.json()
    assert body["comments"] == {"published": 30, "pending": 3} and body["kinds"]["pingback"] == 2
    assert stored(engine)[1] == 33
    again = client.post(url, content=THEME_DATA.read_bytes(), headers=owner)
    assert again.status_code == 201 and again.json()["already_imported"] == 33
    assert stored(engine)[1] == 33


def test_the_import_limit_is_its_own_and_the_json_limit_still_holds_elsewhere(
    client: TestClient, ctx: Context, engine: Engine
) -> None:
    site = make_site(ctx)
    owner = bearer(ctx, "owner@example.org", site)
    url = f"/api/v1/sites/{site.key}/imports"
    too_big = b" " * (IMPORT_LIMIT + 1)
    declared = client.post(url, content=too_big, headers=owner)
    assert declared.status_code == 413 and declared.json()["code"] == "payload_too_large"

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        for _ in range(IMPORT_LIMIT // 65536 + 2):
            yield b" " * 65536

    streamed = client.post(url, content=chunked(), headers=owner)
    assert streamed.status_code == 413 and str(IMPORT_LIMIT) in streamed.json()["detail"]
    comment = {"site": site.key, "uri": "https://blog.example/p", "body": "x" * (70 * 1024)}
    json_body = client.post(
        "/api/v1/comments",
        content=json.dumps(comment),
        headers={"Content-Type": "application/json", "Origin": "https://blog.example"},
    )
    assert json_body.status_code == 413
    assert "65536" in json_body.json()["detail"]
    assert stored(engine) == (0, 0)


def test_bad_files_get_a_precise_problem_and_write_nothing(client: TestClient, ctx: Context, engine: Engine) -> None:
    site = make_site(ctx)
    owner = bearer(ctx, "owner@example.org", site)
    url = f"/api/v1/sites/{site.key}/imports"
    broken = client.post(url, content=(SHARED / "remark42" / "disqus.xml").read_bytes(), headers=owner)
    assert broken.status_code == 422 and broken.json()["code"] == "invalid_import"
    assert "line 147, column 24" in broken.json()["detail"]
    bomb = client.post(url, content=(OWN / "billion-laughs-disqus.xml").read_bytes(), headers=owner)
    assert bomb.status_code == 422 and bomb.json()["code"] == "unsafe_import"
    unknown = client.post(url, params={"format": "csv"}, content=b"<disqus/>", headers=owner)
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_format"
    assert stored(engine) == (0, 0)


def test_only_owners_of_that_site_may_import_or_export(client: TestClient, ctx: Context, engine: Engine) -> None:
    blog = make_site(ctx, origins=["http://example.org"])
    other = make_site(ctx, "other", origins=["https://other.example"])
    other_owner = bearer(ctx, "other-owner@example.org", other)
    moderator = bearer(ctx, "mod@example.org", blog, role="moderator")
    admin = bearer(ctx, "admin@example.org", admin=True)
    data = (SHARED / "isso" / "disqus.xml").read_bytes()
    for headers, status in ((other_owner, 403), (moderator, 403), ({}, 401)):
        refused = client.post(f"/api/v1/sites/{blog.key}/imports", content=data, headers=headers)
        assert refused.status_code == status, refused.text
        assert client.get(f"/api/v1/sites/{blog.key}/export", headers=headers).status_code == status
    assert client.post(f"/api/v1/sites/{blog.key}/imports", content=data, headers=other_owner).json()["code"] == (
        "no_site_role"
    )
    assert stored(engine) == (0, 0)
    assert client.post("/api/v1/sites/nope/imports", content=data, headers=admin).status_code == 404
    assert client.post(f"/api/v1/sites/{blog.key}/imports", content=data, headers=admin).status_code == 201


def test_an_owner_streams_the_export_in_each_format(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx, origins=["http://example.org"])
    owner = bearer(ctx, "owner@example.org", site)
    assert (
        client.post(
            f"/api/v1/sites/{site.key}/imports", content=(SHARED / "isso" / "disqus.xml").read_bytes(), headers=owner
        ).status_code
        == 201
    )
    url = f"/api/v1/sites/{site.key}/export"
    with client.stream("GET", url, headers=owner) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert 'filename="blog-porch.jsonl"' in response.headers["content-disposition"]
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert lines[0]["format"] == "porch" and lines[0]["site"]["key"] == site.key
    assert sum(1 for line in lines if line.get("type") == "comment") == 5
    wxr = client.get(url, params={"format": "wxr"}, headers=owner)
    assert wxr.status_code == 200 and wxr.text.count("<wp:comment>") == 5
    disqus = client.get(url, params={"format": "disqus"}, headers=owner)
    assert disqus.status_code == 200 and disqus.text.count("<wp:comment>") == 4  # the deleted one is left out
    bad = client.get(url, params={"format": "csv"}, headers=owner)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_format"


def test_the_openapi_document_describes_both_endpoints(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    imports = paths["/api/v1/sites/{site_key}/imports"]["post"]
    assert {"200", "201", "403", "413"} <= set(imports["responses"])
    assert "application/octet-stream" in imports["requestBody"]["content"]
    assert "get" in paths["/api/v1/sites/{site_key}/export"]
