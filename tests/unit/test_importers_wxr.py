"""The WXR reader against WordPress's own importer fixtures and Isso's (read in place)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from porch.domain.comments import CommentStatus
from porch.errors import InvalidImport, UnsafeImport
from porch.importers.records import CommentKind, CommentRecord, NoticeRecord, ThreadRecord
from porch.importers.wxr import read_wxr

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
WP = SHARED / "wordpress-importer"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def comments_in(path: Path) -> list[CommentRecord]:
    return [r for r in read_wxr(path) if isinstance(r, CommentRecord)]


def depth(comment: CommentRecord, by_ref: dict[str, CommentRecord]) -> int:
    level = 1
    while comment.parent_ref is not None:
        comment = by_ref[comment.parent_ref]
        level += 1
    return level


def test_theme_unit_test_data_has_33_comments_10_levels_3_pending_and_pings() -> None:
    comments = comments_in(WP / "theme-unit-test-data.xml")  # wp bound to https://…/export/1.2/
    assert len(comments) == 33
    statuses = Counter(c.status for c in comments)
    assert statuses[CommentStatus.PENDING] == 3
    kinds = Counter(c.kind for c in comments)
    assert kinds[CommentKind.PINGBACK] == 2 and kinds[CommentKind.TRACKBACK] == 2
    by_ref = {c.ref: c for c in comments}
    deepest = max(comments, key=lambda c: depth(c, by_ref))
    chain = [deepest.ref.rsplit(":", 1)[1]]
    while deepest.parent_ref is not None:
        deepest = by_ref[deepest.parent_ref]
        chain.insert(0, deepest.ref.rsplit(":", 1)[1])
    assert chain == ["904", "905", "906", "907", "910", "911", "912", "913", "914", "915"]


def test_values_in_cdata_and_plain_text_read_alike() -> None:
    comments = comments_in(WP / "theme-unit-test-data.xml")
    assert all(c.author.name for c in comments)
    assert all(c.created_at.tzinfo is not None for c in comments)


def test_isso_wordpress_fixture_two_threads_eight_comments_threaded() -> None:
    records = list(read_wxr(SHARED / "isso" / "wordpress.xml"))
    threads = [r for r in records if isinstance(r, ThreadRecord)]
    comments = {r.ref: r for r in records if isinstance(r, CommentRecord)}
    assert [(t.uri, t.title) for t in threads] == [
        ("http://example.tld/2014/test/", "Hello, World…"), ("http://example.tld/?p=4", "..."),
    ]
    assert len(comments) == 8
    assert comments["wxr:18:7"].parent_ref == "wxr:18:6"
    assert comments["wxr:18:8"].parent_ref == comments["wxr:18:9"].parent_ref == "wxr:18:7"
    # comment ids are per item: 11 appears in both posts and both are kept
    assert {"wxr:18:11", "wxr:http://example.tld/?p=4:11"} <= set(comments)
    first = comments["wxr:18:2"]
    assert first.author.email == "test@example.org"  # the newline inside the element is stripped
    assert first.remote_addr == "82.119.20.0"  # ::ffff:82.119.20.0
    multiline = comments["wxr:18:10"]
    assert "multiple lines:<br>\nWordPress" in multiline.body_html
    assert multiline.body_source.startswith("When you have a comment with multiple lines:\n")


@pytest.mark.parametrize(
    ("name", "namespace"),
    [("valid-wxr-1.0.xml", "1.0"), ("valid-wxr-1.1.xml", "1.1"), ("wxr-comprehensive.xml", "1.2"),
     ("small-export.xml", "1.1"), ("test-serialized-comment-meta.xml", "1.0")],
)
def test_every_wxr_version_gives_its_comment(name: str, namespace: str) -> None:
    comments = comments_in(WP / name)
    assert len(comments) == 1
    assert comments[0].status == CommentStatus.PUBLISHED
    assert f"export/{namespace}/" in (WP / name).read_text()


def test_serialized_comment_meta_is_never_interpreted() -> None:
    (comment,) = comments_in(WP / "test-serialized-comment-meta.xml")
    assert "a:" not in comment.body_html and comment.author.email == "wapuu@wordpress.example"


def test_backslashes_and_unicode_survive() -> None:
    (comment,) = comments_in(WP / "slashes.xml")
    assert "\\o/ ¯\\_(ツ)_/¯" in comment.body_source


def test_redeclared_wp_prefixes_are_not_the_wp_namespace() -> None:
    records = list(read_wxr(WP / "namespace-edge-cases.xml"))
    assert not [r for r in records if isinstance(r, CommentRecord | ThreadRecord)]
    assert list(read_wxr(WP / "wxr-utf-8-challenges.xml")) == []


def test_invalid_version_is_refused_and_a_missing_one_is_a_notice() -> None:
    with pytest.raises(InvalidImport, match="wp:wxr_version is 'abc'"):
        list(read_wxr(WP / "invalid-version-tag.xml"))
    (notice,) = read_wxr(WP / "missing-version-tag.xml")
    assert isinstance(notice, NoticeRecord) and "no wp:wxr_version" in notice.message


def test_malformed_file_reports_line_and_column() -> None:
    with pytest.raises(InvalidImport) as failure:
        list(read_wxr(WP / "malformed.xml"))
    assert (failure.value.line, failure.value.column) == (90, 3)
    assert "mismatched tag" in failure.value.detail


def test_external_entity_is_refused_at_the_doctype() -> None:
    with pytest.raises(UnsafeImport, match="DOCTYPE rss"):
        next(read_wxr(OWN / "xxe-wxr.xml"))


def test_spam_and_trash_are_kept_with_their_state(tmp_path: Path) -> None:
    source = (WP / "valid-wxr-1.1.xml").read_text()
    one = source.index("<wp:comment>")
    block = source[one:source.index("</wp:comment>", one) + len("</wp:comment>")]
    variants = [block.replace("<wp:comment_id>1<", f"<wp:comment_id>{n}<").replace(
        "<wp:comment_approved>1<", f"<wp:comment_approved>{state}<") for n, state in
        [(2, "spam"), (3, "trash"), (4, "post-trashed"), (5, "bogus")]]
    path = tmp_path / "states.xml"
    path.write_text(source.replace(block, block + "".join(variants)))
    records = list(read_wxr(path))
    states = {r.ref.rsplit(":", 1)[1]: r.status for r in records if isinstance(r, CommentRecord)}
    assert states == {"1": CommentStatus.PUBLISHED, "2": CommentStatus.SPAM, "3": CommentStatus.DELETED,
                      "4": CommentStatus.DELETED}
    skipped = [r for r in records if getattr(r, "reason", None)]
    assert len(skipped) == 1 and "bogus" in skipped[0].reason
