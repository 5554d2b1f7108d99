"""Thread URL remapping after a permalink change, on both databases: rename, merge, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select
from typer.testing import CliRunner

from porch.cli import app
from porch.errors import InvalidInput, NotFound
from porch.importers import read_records
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.imports import import_site
from porch.services.remaps import Remap, parse_remap_csv, remap_threads
from porch.services.requesters import Requester
from porch.services.threads import read_thread
from porch.storage.schema import (
    comments,
    inbox_conversations,
    inbox_follows,
    inbox_reads,
    mail_subscriptions,
    people,
    threads,
)
from tests.conftest import Clock
from tests.factories import make_site

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
ORIGIN = "http://example.org"


def say(ctx: Context, clock: Clock, uri: str, body: str, parent: int | None = None, who: str = "Linda") -> int:
    clock.advance(minutes=3)
    site_key = _site_key(ctx)
    posted = post_comment(
        ctx,
        NewComment(site_key=site_key, uri=uri, body=body, parent_id=parent, author_name=who),
        Requester(browser_token=f"{who}-browser"),
    )
    return posted.comment.id


def _site_key(ctx: Context) -> str:
    with ctx.uow() as uow:
        site = uow.sites.get_by_name("blog")
    assert site is not None
    return site.key


def thread_rows(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        return {row.key: row for row in connection.execute(select(threads))}


def published_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(
            connection.execute(
                select(threads.c.key, func.count(comments.c.id))
                .join(comments, comments.c.thread_id == threads.c.id)
                .where(comments.c.status == "published")
                .group_by(threads.c.key)
            ).all()
        )


def snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as connection:
        return (
            [tuple(r) for r in connection.execute(select(threads).order_by(threads.c.id))],
            [tuple(r) for r in connection.execute(select(comments).order_by(comments.c.id))],
        )


def test_remap_to_a_new_page_renames_the_thread_keyed_like_the_core(ctx: Context, clock: Clock, engine: Engine) -> None:
    site = make_site(ctx, origins=[ORIGIN])
    first = say(ctx, clock, "/2012/05/post.html", "An old conversation")
    say(ctx, clock, "/2012/05/post.html", "with a reply", parent=first, who="Dawud")
    before = thread_rows(engine)["example.org/2012/05/post.html"]
    summary = remap_threads(
        ctx, "blog", [Remap("http://www.example.org/2012/05/post.html#c1", "https://example.org/post/?utm_source=feed")]
    )
    assert (summary.renamed, summary.merged) == (1, 0)
    after = thread_rows(engine)
    assert set(after) == {"example.org/post"}
    assert after["example.org/post"].id == before.id and after["example.org/post"].comment_count == 2
    view = read_thread(ctx, site.key, "http://example.org/post")
    assert view.page.total == 2 and [len(node.replies) for node in view.page.comments] == [1]
    assert read_thread(ctx, site.key, "/2012/05/post.html").thread is None


def test_remap_onto_a_page_with_a_conversation_merges_and_recounts(ctx: Context, clock: Clock, engine: Engine) -> None:
    site = make_site(ctx, origins=[ORIGIN])
    old_first = say(ctx, clock, "/old", "Said on the old page")
    old_reply = say(ctx, clock, "/old", "Answered on the old page", parent=old_first, who="Dawud")
    new_first = say(ctx, clock, "/new", "Said after the move", who="Carma")
    old_thread = thread_rows(engine)["example.org/old"]
    summary = remap_threads(ctx, site.key, [Remap("/old", "/new/")])
    assert (summary.renamed, summary.merged, summary.comments_moved) == (0, 1, 2)
    rows = thread_rows(engine)
    assert "example.org/old" not in rows
    merged = rows["example.org/new"]
    assert merged.comment_count == 3 == published_counts(engine)["example.org/new"]
    assert merged.created_at == old_thread.created_at  # the conversation started on the old page
    view = read_thread(ctx, site.key, "/new")
    assert [node.comment.id for node in view.page.comments] == [old_first, new_first]
    assert [reply.comment.id for reply in view.page.comments[0].replies] == [old_reply]


def test_merging_an_import_repeated_under_the_new_url_keeps_one_copy_of_each_comment(
    ctx: Context, engine: Engine, tmp_path: Path
) -> None:
    site = make_site(ctx, origins=[ORIGIN])
    import_site(ctx, "blog", read_records(SHARED / "isso" / "disqus.xml"))
    # a newer Disqus export, after the permalinks moved: the same posts, under the new link
    moved = (
        (SHARED / "isso" / "disqus.xml")
        .read_text()
        .replace("<link>http://example.org/</link>", "<link>http://example.org/moved/</link>")
    )
    path = tmp_path / "moved.xml"
    path.write_text(moved)
    import_site(ctx, "blog", read_records(path))
    counts = published_counts(engine)
    assert counts["example.org/"] == counts["example.org/moved"] == 3
    with engine.connect() as connection:
        total_before = connection.execute(select(func.count()).select_from(comments)).scalar_one()
    summary = remap_threads(ctx, "blog", [Remap("http://example.org/", "http://example.org/moved")])
    assert summary.merged == 1 and summary.duplicates_dropped == 4 and summary.comments_moved == 0
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(comments)).scalar_one() == total_before - 4
    assert thread_rows(engine)["example.org/moved"].comment_count == 3
    view = read_thread(ctx, site.key, "/moved")
    tombstone = next(node for node in view.page.comments if node.tombstone)
    assert len(tombstone.replies) == 1  # the deleted comment's reply still hangs from it


def test_a_csv_with_one_bad_line_changes_nothing(ctx: Context, clock: Clock, engine: Engine) -> None:
    make_site(ctx, origins=[ORIGIN])
    say(ctx, clock, "/a", "On a")
    say(ctx, clock, "/b", "On b")
    before = snapshot(engine)
    pairs = parse_remap_csv("old,new\n/a,/a-new\n\n/nowhere,/elsewhere\n")
    with pytest.raises(NotFound) as missing:
        remap_threads(ctx, "blog", pairs)
    assert "line 4" in missing.value.detail and "/nowhere" in missing.value.detail
    with pytest.raises(InvalidInput) as invalid:
        remap_threads(ctx, "blog", parse_remap_csv("/a,/a-new\n/b,javascript:alert(1)\n"))
    assert [e.field for e in invalid.value.errors] == ["line 2 new"]
    with pytest.raises(InvalidInput) as columns:
        parse_remap_csv("/a,/b,/c\n")
    assert "line 1" in columns.value.detail
    assert snapshot(engine) == before


def test_csv_rows_apply_in_order_so_chains_and_merges_work(ctx: Context, clock: Clock, engine: Engine) -> None:
    make_site(ctx, origins=[ORIGIN])
    say(ctx, clock, "/a", "On a")
    say(ctx, clock, "/b", "On b")
    say(ctx, clock, "/c", "On c")
    summary = remap_threads(ctx, "blog", parse_remap_csv("/a,/b\n/b,/d\n/c,/c/\n"))
    assert (summary.merged, summary.renamed, summary.unchanged) == (1, 1, 1)
    rows = thread_rows(engine)
    assert set(rows) == {"example.org/d", "example.org/c"}
    assert rows["example.org/d"].comment_count == 2


def test_porch_remap_on_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'porch.db'}"
    env = {"PORCH_DATABASE_URL": url, "COLUMNS": "200"}

    def porch(*args: str) -> Any:
        return CliRunner().invoke(app, list(args), env=env)

    assert porch("migrate").exit_code == 0
    assert porch("site", "add", "blog", "--origin", ORIGIN).exit_code == 0
    assert porch("import", str(SHARED / "isso" / "disqus.xml"), "--site", "blog").exit_code == 0
    one = porch("remap", "--site", "blog", "http://example.org/", "/moved")
    assert one.exit_code == 0, one.output
    assert "1 renamed, 0 merged" in one.output
    csv_file = tmp_path / "moves.csv"
    csv_file.write_text("old,new\n/moved,/final\n/missing,/x\n")
    failed = porch("remap", "--site", "blog", "--csv", str(csv_file))
    assert failed.exit_code == 1 and "line 3" in failed.output and "Nothing was remapped" in failed.output
    csv_file.write_text("old,new\n/moved,/final\n")
    done = porch("remap", "--site", "blog", "--csv", str(csv_file))
    assert done.exit_code == 0 and "example.org/final" in done.output
    assert porch("remap", "--site", "blog").exit_code == 1


def test_merging_carries_follows_read_marks_and_subscriptions_to_the_new_thread(
    ctx: Context, clock: Clock, engine: Engine
) -> None:
    make_site(ctx, origins=[ORIGIN])
    old_comment = say(ctx, clock, "/old", "Said on the old page")
    say(ctx, clock, "/new", "Said after the move", who="Carma")
    rows = thread_rows(engine)
    old_id, new_id = rows["example.org/old"].id, rows["example.org/new"].id
    with engine.begin() as connection:
        site_id = rows["example.org/old"].site_id
        person_ids = [connection.execute(insert(people).values(display_name=n, created_at=clock.now)
                                         .returning(people.c.id)).scalar_one() for n in ("Linda", "Dawud")]
        linda, dawud = person_ids
        connection.execute(insert(inbox_follows), [
            {"person_id": linda, "target_kind": "thread", "target_id": old_id, "state": "follow",
             "created_at": clock.now},
            {"person_id": dawud, "target_kind": "thread", "target_id": old_id, "state": "follow",
             "created_at": clock.now},
            {"person_id": dawud, "target_kind": "thread", "target_id": new_id, "state": "mute",
             "created_at": clock.now},
        ])
        connection.execute(insert(inbox_reads).values(person_id=linda, thread_id=old_id,
                                                      last_read_comment_id=old_comment, read_at=clock.now))
        connection.execute(insert(mail_subscriptions).values(
            email="linda@example.org", topic=f"thread:{old_id}", site_id=site_id, frequency="instant", active=True,
            created_at=clock.now))
    remap_threads(ctx, "blog", [Remap("/old", "/new")])
    with engine.connect() as connection:
        follows = set(connection.execute(select(inbox_follows.c.person_id, inbox_follows.c.target_id,
                                                inbox_follows.c.state)))
        reads = set(connection.execute(select(inbox_reads.c.person_id, inbox_reads.c.thread_id)))
        topics = set(connection.execute(select(mail_subscriptions.c.topic)).scalars())
    assert follows == {(linda, new_id, "follow"), (dawud, new_id, "mute")}  # Dawud's mute on the new page stays
    assert reads == {(linda, new_id)}
    assert topics == {f"thread:{new_id}"}
    with engine.connect() as connection:  # the inbox index follows the merge
        index = set(connection.execute(select(inbox_conversations.c.person_id, inbox_conversations.c.thread_id,
                                              inbox_conversations.c.follower, inbox_conversations.c.muted)))
    assert {(p, t, bool(f), bool(m)) for p, t, f, m in index} == {
        (linda, new_id, True, False),
        (dawud, new_id, False, True),
    }
