"""The Blogger reader: the classic backup and Takeout's feed.atom (our synthetic fixtures)."""

from __future__ import annotations

from pathlib import Path

from porch.domain.comments import CommentStatus
from porch.importers.blogger import read_blogger
from porch.importers.records import CommentRecord, ThreadRecord

OWN = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
BLOG = "7412345678901234567"


def split(name: str) -> tuple[dict[str, ThreadRecord], dict[str, CommentRecord]]:
    threads: dict[str, ThreadRecord] = {}
    comments: dict[str, CommentRecord] = {}
    for record in read_blogger(OWN / name):
        if isinstance(record, ThreadRecord):
            threads.setdefault(record.ref, record)
        elif isinstance(record, CommentRecord):
            comments[record.ref.rsplit(":", 1)[1][-1]] = record
    return threads, comments


def test_classic_backup_reads_posts_and_threaded_comments_ignoring_settings_and_template() -> None:
    threads, comments = split("blogger-classic.xml")
    post = threads[f"blogger-post:{BLOG}:3311111111111111111"]
    assert post.uri == "https://gardennotes.blogspot.com/2019/04/tomatoes-in-april.html"
    assert post.title == "Tomatoes in April"
    assert threads[f"blogger-post:{BLOG}:3322222222222222222"].uri == ""  # a draft has no page
    assert len(comments) == 4
    assert all(c.status == CommentStatus.PUBLISHED for c in comments.values())
    assert comments["1"].parent_ref is None
    assert comments["2"].parent_ref == f"blogger:{BLOG}:5500000000000000001"  # link rel='related'
    assert comments["3"].parent_ref == f"blogger:{BLOG}:5500000000000000002"
    assert comments["1"].thread_ref == post.ref


def test_blogger_hidden_address_is_no_email_and_profiles_identify_people() -> None:
    _, comments = split("blogger-classic.xml")
    dawud = comments["1"].author
    assert dawud.email is None
    assert dawud.ref == "blogger-profile:https://www.blogger.com/profile/11112222333344445555"
    anonymous = comments["4"].author
    assert (anonymous.name, anonymous.email, anonymous.ref) == ("Anonymous", None, None)


def test_takeout_statuses_parents_and_pages() -> None:
    threads, comments = split("blogger-takeout-feed.atom")
    assert threads[f"blogger-post:{BLOG}:3311111111111111111"].uri == "/2019/04/tomatoes-in-april.html"
    assert threads[f"blogger-post:{BLOG}:7700000000000000001"].uri == "/p/about.html"  # a PAGE
    assert threads[f"blogger-post:{BLOG}:3322222222222222222"].uri == ""  # DRAFT
    assert {k: c.status for k, c in comments.items()} == {
        "1": CommentStatus.PUBLISHED, "2": CommentStatus.PUBLISHED, "3": CommentStatus.DELETED,
        "5": CommentStatus.PUBLISHED, "4": CommentStatus.SPAM, "6": CommentStatus.PENDING,
    }
    emptied = comments["3"]
    assert emptied.body_html == "" and emptied.author.name == ""
    assert comments["5"].parent_ref == emptied.ref  # a reply to a removed comment keeps its place
    assert comments["2"].parent_ref == f"blogger:{BLOG}:5500000000000000001"
    assert comments["4"].author.ref is None  # ANONYMOUS


def test_both_generations_name_the_same_comments_alike() -> None:
    _, classic = split("blogger-classic.xml")
    _, takeout = split("blogger-takeout-feed.atom")
    assert classic["1"].ref == takeout["1"].ref and classic["1"].thread_ref == takeout["1"].thread_ref
