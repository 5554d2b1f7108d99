"""The Disqus reader against Isso's and remark42's real fixtures (read in place)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from porch.domain.comments import CommentStatus
from porch.errors import InvalidImport, UnsafeImport
from porch.importers.disqus import read_disqus
from porch.importers.records import CommentRecord, NoticeRecord, ThreadRecord

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def comments_of(records: list[object]) -> dict[str, CommentRecord]:
    return {r.ref: r for r in records if isinstance(r, CommentRecord)}


def test_isso_fixture_gives_five_comments_with_the_deleted_one_kept_for_its_reply() -> None:
    records = list(read_disqus(SHARED / "isso" / "disqus.xml"))
    comments = comments_of(records)
    # Isso imports 5 with --empty-id: posts 4, 5, 8, 9, 11; post 6 points at thread 1337 (orphan)
    placed = {ref for ref, c in comments.items() if c.thread_ref != "disqus-thread:1337"}
    assert placed == {"disqus:4", "disqus:5", "disqus:8", "disqus:9", "disqus:11"}
    assert comments["disqus:6"].thread_ref == "disqus-thread:1337"
    first = comments["disqus:4"]
    assert (first.author.name, first.author.email) == ("peter", "foo@bar.com")
    assert comments["disqus:5"].parent_ref == "disqus:4"
    deleted = comments["disqus:9"]
    assert deleted.status == CommentStatus.DELETED
    assert deleted.body_html == "" and deleted.author.name == ""
    assert comments["disqus:11"].parent_ref == "disqus:9"
    assert comments["disqus:11"].status == CommentStatus.PUBLISHED


def test_threads_with_empty_id_and_title_are_read_and_one_without_link_has_no_page() -> None:
    threads = {r.ref: r for r in read_disqus(SHARED / "isso" / "disqus.xml") if isinstance(r, ThreadRecord)}
    assert threads["disqus-thread:7"].uri == "http://localhost:4000/blog/2013/02/12/redacted/index.html"
    assert threads["disqus-thread:7"].title == ""
    assert threads["disqus-thread:3"].uri == ""  # <id/> only: its comments will be reported, not placed


def test_registered_authors_get_their_disqus_username_as_identity_guests_do_not() -> None:
    comments = comments_of(list(read_disqus(SHARED / "isso" / "disqus.xml")))
    assert comments["disqus:5"].author.ref == "disqus-user:user"
    assert comments["disqus:4"].author.ref is None  # isAnonymous=true


def test_remark42_leading_junk_is_repaired_and_reported_then_the_broken_post_stops_with_its_position() -> None:
    records = read_disqus(SHARED / "remark42" / "disqus.xml")
    read: list[object] = []
    with pytest.raises(InvalidImport) as failure:
        for record in records:
            read.append(record)
    assert failure.value.line == 147 and failure.value.column == 24  # <thread dsq:id=247937687/>
    assert "line 147, column 24" in failure.value.detail
    assert isinstance(read[0], NoticeRecord) and "'`'" in read[0].message
    comments = comments_of(read)
    # everything before the broken post was read: 4 comments and the spam one
    assert len(comments) == 5
    assert comments["disqus:299986073"].status == CommentStatus.SPAM
    assert "disqus-id:12345678890" in comments  # a <post> without dsq:id keyed by its <id>
    assert comments["disqus:299619020"].author.email is None  # <email/>
    assert "Microsoft" in comments["disqus:299744309"].body_html


def test_remark42_deleted_post_and_deleted_thread_variants() -> None:
    def read_until_broken(name: str) -> list[object]:
        out: list[object] = []
        with pytest.raises(InvalidImport):
            for record in read_disqus(SHARED / "remark42" / name):
                out.append(record)
        return out

    post = comments_of(read_until_broken("disqus-deleted-post.xml"))["disqus:299619020"]
    assert post.status == CommentStatus.DELETED and post.body_html == ""
    threads = {r.ref: r for r in read_until_broken("disqus-deleted-thread.xml") if isinstance(r, ThreadRecord)}
    assert threads["disqus-thread:247937687"].deleted is True
    assert threads["disqus-thread:247918464"].deleted is False


def test_gzipped_export_reads_the_same(tmp_path: Path) -> None:
    packed = tmp_path / "export.xml.gz"
    with (SHARED / "isso" / "disqus.xml").open("rb") as raw, gzip.open(packed, "wb") as out:
        shutil.copyfileobj(raw, out)
    assert list(read_disqus(packed)) == list(read_disqus(SHARED / "isso" / "disqus.xml"))


@pytest.mark.parametrize("name", ["billion-laughs-disqus.xml", "xxe-parameter-entity-disqus.xml"])
def test_dtds_are_refused_before_anything_is_read(name: str) -> None:
    records = read_disqus(OWN / name)
    with pytest.raises(UnsafeImport) as refused:
        next(records)
    assert "DOCTYPE disqus" in refused.value.detail
    assert refused.value.code == "unsafe_import"


def test_a_file_that_is_not_disqus_says_what_it_is() -> None:
    with pytest.raises(InvalidImport, match="root element is <rss>, expected <disqus>"):
        list(read_disqus(SHARED / "isso" / "wordpress.xml"))
