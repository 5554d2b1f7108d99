"""Import and export on both databases: all or nothing, idempotent, faithful, lossless."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from porch.errors import InvalidImport, NotFound, UnsafeImport
from porch.importers import read_records
from porch.services.comments import NewComment, post_comment, vote_on_comment
from porch.services.context import Context
from porch.services.exports import export_site
from porch.services.imports import import_site
from porch.services.requesters import Requester
from porch.services.threads import read_thread
from porch.storage.engine import create_database_engine
from porch.storage.schema import comments, people, person_emails, threads, votes
from porch.storage.unit_of_work import UnitOfWork
from tests.conftest import Clock
from tests.factories import make_site

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (threads, comments, people, person_emails, votes)}


def stored_comments(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        return {row.import_ref: row for row in connection.execute(select(comments))}


def test_disqus_import_keeps_the_deleted_parent_as_a_tombstone_and_reports_the_orphan(
    ctx: Context, engine: Engine
) -> None:
    site = make_site(ctx, origins=["http://example.org"])
    summary = import_site(ctx, "blog", read_records(SHARED / "isso" / "disqus.xml"))
    assert summary.comments == {"published": 4, "deleted": 1}
    assert summary.threads_created == 2
    orphan = ("disqus:6", "thread disqus-thread:1337 is not in the file")
    assert [(s.ref, s.reason) for s in summary.skipped] == [orphan]
    assert summary.people_created == 2  # peter and user share foo@bar.com: one person; and "Empty"
    rows = stored_comments(engine)
    assert rows["disqus:11"].parent_id == rows["disqus:9"].id
    assert rows["disqus:5"].parent_id == rows["disqus:4"].id
    assert rows["disqus:4"].person_id == rows["disqus:5"].person_id
    view = read_thread(ctx, site.key, "http://example.org/")
    assert view.page.total == 3 and view.thread is not None and view.thread.comment_count == 3
    tombstone = next(node for node in view.page.comments if node.tombstone)
    assert tombstone.comment.id == rows["disqus:9"].id
    assert [reply.comment.id for reply in tombstone.replies] == [rows["disqus:11"].id]


def test_reimporting_the_same_file_changes_nothing(ctx: Context, engine: Engine) -> None:
    make_site(ctx, origins=["http://example.org"])
    import_site(ctx, "blog", read_records(SHARED / "isso" / "disqus.xml"))
    before = table_counts(engine)
    again = import_site(ctx, "blog", read_records(SHARED / "isso" / "disqus.xml"))
    assert again.comments_imported == 0 and again.already_imported == 5 and again.people_created == 0
    assert table_counts(engine) == before


def test_a_newer_export_adds_only_what_is_new(ctx: Context, engine: Engine, tmp_path: Path) -> None:
    make_site(ctx, origins=["http://example.org"])
    import_site(ctx, "blog", read_records(SHARED / "isso" / "disqus.xml"))
    newer = (SHARED / "isso" / "disqus.xml").read_text().replace("  </disqus>", """
    <post dsq:id="12"><message><![CDATA[<p>Late reply to a deleted comment</p>]]></message>
      <createdAt>2014-01-01T00:00:00Z</createdAt><isDeleted>false</isDeleted><isSpam>false</isSpam>
      <author><email>new@example.org</email><name>Newcomer</name><isAnonymous>true</isAnonymous></author>
      <thread dsq:id="2" /><parent dsq:id="9" /></post>
  </disqus>""")
    path = tmp_path / "newer.xml"
    path.write_text(newer)
    summary = import_site(ctx, "blog", read_records(path))
    assert summary.comments == {"published": 1} and summary.already_imported == 5
    rows = stored_comments(engine)
    assert rows["disqus:12"].parent_id == rows["disqus:9"].id  # its parent came in the first import
    with engine.connect() as connection:
        assert connection.execute(select(threads.c.comment_count).where(threads.c.key == "example.org/")).scalar() == 4


def test_dry_run_reports_the_same_summary_and_writes_nothing(ctx: Context, engine: Engine) -> None:
    make_site(ctx)
    before = table_counts(engine)
    dry = import_site(ctx, "blog", read_records(SHARED / "wordpress-importer" / "theme-unit-test-data.xml"),
                      dry_run=True)
    assert table_counts(engine) == before
    real = import_site(ctx, "blog", read_records(SHARED / "wordpress-importer" / "theme-unit-test-data.xml"))
    assert (dry.comments, dry.kinds, dry.threads_created, dry.people_created) == (
        real.comments, real.kinds, real.threads_created, real.people_created)
    assert dry.dry_run and not real.dry_run


@pytest.mark.parametrize("name", ["disqus.xml", "disqus-deleted-post.xml", "disqus-deleted-thread.xml"])
def test_a_file_broken_after_five_good_posts_leaves_nothing_behind(ctx: Context, engine: Engine, name: str) -> None:
    make_site(ctx)
    before = table_counts(engine)
    with pytest.raises(InvalidImport) as failure:
        import_site(ctx, "blog", read_records(SHARED / "remark42" / name))
    assert failure.value.line == 147
    assert table_counts(engine) == before


def test_xml_bomb_and_xxe_are_refused_and_nothing_is_written(ctx: Context, engine: Engine) -> None:
    make_site(ctx)
    before = table_counts(engine)
    for name in ("billion-laughs-disqus.xml", "xxe-wxr.xml", "xxe-parameter-entity-disqus.xml"):
        with pytest.raises(UnsafeImport):
            import_site(ctx, "blog", read_records(OWN / name))
    assert table_counts(engine) == before


def test_wordpress_theme_data_pending_stays_pending_and_pings_keep_their_kind(ctx: Context, engine: Engine) -> None:
    make_site(ctx, origins=["https://wpthemetestdata.wordpress.com"])
    summary = import_site(ctx, "blog", read_records(SHARED / "wordpress-importer" / "theme-unit-test-data.xml"))
    assert summary.comments == {"published": 30, "pending": 3}
    assert summary.kinds == {"comment": 29, "pingback": 2, "trackback": 2}
    rows = stored_comments(engine)
    by_id = {row.id: row for row in rows.values()}
    deepest = rows["wxr:1148:915"]
    levels = 1
    while deepest.parent_id is not None:
        deepest = by_id[deepest.parent_id]
        levels += 1
    assert levels == 10
    with engine.connect() as connection:
        counted = dict(connection.execute(select(threads.c.key, threads.c.comment_count)).all())
        published = dict(connection.execute(
            select(threads.c.key, func.count(comments.c.id)).join(comments, comments.c.thread_id == threads.c.id)
            .where(comments.c.status == "published").group_by(threads.c.key)).all())
    assert counted == {key: published.get(key, 0) for key in counted}


def test_blogger_takeout_spam_is_kept_but_never_shown(ctx: Context, engine: Engine) -> None:
    site = make_site(ctx, origins=["https://gardennotes.blogspot.com"])
    summary = import_site(ctx, "blog", read_records(OWN / "blogger-takeout-feed.atom"))
    assert summary.comments == {"published": 3, "deleted": 1, "spam": 1, "pending": 1}
    about = read_thread(ctx, site.key, "/p/about.html")
    assert about.page.comments == [] and about.thread is not None and about.thread.comment_count == 0
    # the classic backup of the same blog names the same comments: nothing new
    again = import_site(ctx, "blog", read_records(OWN / "blogger-classic.xml"))
    assert again.comments_imported == 1 and again.already_imported == 3  # the classic-only anonymous one


def test_unknown_site_is_not_found(ctx: Context) -> None:
    with pytest.raises(NotFound):
        import_site(ctx, "nope", read_records(SHARED / "isso" / "disqus.xml"))


# export → import ---------------------------------------------------------------------------
def build_site_with_history(ctx: Context, clock: Clock) -> None:
    make_site(ctx, origins=["http://example.org"])
    import_site(ctx, "blog", read_records(SHARED / "isso" / "disqus.xml"))
    import_site(ctx, "blog", read_records(SHARED / "wordpress-importer" / "theme-unit-test-data.xml"))
    linda = Requester(browser_token="linda-browser")
    first = post_comment(ctx, NewComment(site_key=_key(ctx), uri="http://example.org/native", body="Native *one*",
                                         author_name="Linda", author_email="linda@example.org"), linda)
    clock.advance(minutes=1)
    reply = post_comment(ctx, NewComment(site_key=_key(ctx), uri="http://example.org/native", body="A reply",
                                         parent_id=first.comment.id, author_name="Dawud"),
                         Requester(browser_token="dawud-browser"))
    vote_on_comment(ctx, first.comment.id, 1, Requester(browser_token="dawud-browser"))
    vote_on_comment(ctx, reply.comment.id, -1, linda)


def _key(ctx: Context) -> str:
    with ctx.uow() as uow:
        site = uow.sites.get_by_name("blog")
    assert site is not None
    return site.key


def export_document(ctx: Context, site: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    export_site(ctx, site, out, format_name="porch")
    return [json.loads(line) for line in out.getvalue().splitlines()]


def comparable(document: list[dict[str, Any]], original_key: str) -> list[dict[str, Any]]:
    """Everything but what differs by construction: the header (site key and name, export
    time) and the local ids (refs carry identity; the copy keeps the original's refs)."""
    header, *rest = document
    text = json.dumps(rest).replace(header["site"]["key"], "SITE").replace(original_key, "SITE")
    return [{k: v for k, v in line.items() if k != "id"} for line in json.loads(text)]


@pytest.fixture
def empty_sqlite(sqlite_template: Path, tmp_path: Path) -> Iterator[Context]:
    database = tmp_path / "empty.db"
    shutil.copyfile(sqlite_template, database)
    engine = create_database_engine(f"sqlite:///{database}")
    yield Context(uow=lambda write=False: UnitOfWork(engine, write=write), mail=None,  # type: ignore[arg-type]
                  base_url="http://porch.test")
    engine.dispose()


def test_porch_export_into_an_empty_database_and_out_again_is_the_same_document(
    ctx: Context, clock: Clock, empty_sqlite: Context, tmp_path: Path
) -> None:
    build_site_with_history(ctx, clock)
    original = export_document(ctx, "blog")
    path = tmp_path / "blog.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in original) + "\n")
    make_site(empty_sqlite, "copy", origins=["http://example.org"])
    summary = import_site(empty_sqlite, "copy", read_records(path))
    assert summary.skipped == [] and summary.comments_imported == len(original) - 1 - sum(
        1 for line in original if line.get("type") in ("person", "thread"))
    key = original[0]["site"]["key"]
    assert comparable(export_document(empty_sqlite, "copy"), key) == comparable(original, key)
    kinds = {line["type"] for line in original[1:]}
    assert kinds == {"person", "thread", "comment"}
    assert any(line.get("votes") for line in original)


def test_porch_export_imported_into_its_own_site_changes_nothing(ctx: Context, clock: Clock, engine: Engine,
                                                                  tmp_path: Path) -> None:
    build_site_with_history(ctx, clock)
    path = tmp_path / "blog.jsonl"
    with path.open("w") as out:
        export_site(ctx, "blog", out)
    before = table_counts(engine)
    summary = import_site(ctx, "blog", read_records(path))
    assert summary.comments_imported == 0 and summary.people_created == 0
    assert table_counts(engine) == before


@pytest.mark.parametrize("format_name", ["wxr", "disqus"])
def test_wxr_and_disqus_exports_import_back(ctx: Context, clock: Clock, format_name: str, tmp_path: Path) -> None:
    build_site_with_history(ctx, clock)
    path = tmp_path / f"blog.{format_name}.xml"
    with path.open("w") as out:
        exported = export_site(ctx, "blog", out, format_name=format_name)
    make_site(ctx, "copy", origins=["http://example.org"])
    summary = import_site(ctx, "copy", read_records(path))
    assert summary.comments_imported == exported.comments
    if format_name == "disqus":
        assert exported.left_out == 1  # the deleted Disqus comment; its reply hangs from the top
        assert set(summary.comments) == {"published", "pending"}
    else:
        assert summary.comments["deleted"] == 1 and summary.kinds["pingback"] == 2
    assert summary.skipped == []
