"""Isso's database read directly; format detection; Porch's own export read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from porch.domain.comments import CommentStatus
from porch.errors import InvalidImport
from porch.importers import detect_format, read_records
from porch.importers.isso import read_isso
from porch.importers.porch_json import read_porch
from porch.importers.records import CommentRecord, PersonRecord, ThreadRecord

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "imports"

# Isso's schema (isso/db/__init__.py, comments.py, threads.py), as its comments.db holds it.
ISSO_SCHEMA = [
    "CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256))",
    "CREATE TABLE comments (tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,"
    " created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR, text VARCHAR,"
    " author VARCHAR, email VARCHAR, website VARCHAR, likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0,"
    " voters BLOB NOT NULL, notification INTEGER DEFAULT 0)",
]


def make_isso_db(path: Path) -> Path:
    engine = create_engine(f"sqlite+pysqlite:///{path}")
    with engine.begin() as connection:
        for statement in ISSO_SCHEMA:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO threads VALUES (1, '/2014/test/', 'Hello, World…'),"
                                " (2, '/about/', NULL)"))
        rows = [
            (1, 1, None, 1389720732.5, None, 1, "127.0.0.0", "First *post*", "Linda", "linda@example.org", None, 3, 1),
            (1, 2, 1, 1389720800.0, 1389720900.0, 1, "127.0.0.0", "A reply", "Dawud", None, "https://d.example", 0, 0),
            (1, 3, None, 1389720999.0, None, 4, "127.0.0.0", "", None, None, None, 0, 0),
            (1, 4, 3, 1389721999.0, None, 1, "127.0.0.0", "Reply to a deleted one", "Carma", None, None, 0, 0),
            (2, 5, None, 1389722999.0, None, 2, "127.0.0.0", "Waiting <script>x</script>", "William", None, None, 0, 0),
        ]
        for row in rows:
            connection.execute(
                text("INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text, author,"
                     " email, website, likes, dislikes, voters) VALUES (:t, :i, :p, :c, :m, :mode, :ip, :text,"
                     " :a, :e, :w, :l, :d, x'00')"),
                dict(zip(["t", "i", "p", "c", "m", "mode", "ip", "text", "a", "e", "w", "l", "d"], row, strict=True)),
            )
    engine.dispose()
    return path


def test_isso_database_threads_comments_states_and_markdown(tmp_path: Path) -> None:
    records = list(read_isso(make_isso_db(tmp_path / "comments.db")))
    threads = [r for r in records if isinstance(r, ThreadRecord)]
    comments = {r.ref: r for r in records if isinstance(r, CommentRecord)}
    assert [(t.ref, t.uri, t.title) for t in threads] == [
        ("isso-thread:1", "/2014/test/", "Hello, World…"), ("isso-thread:2", "/about/", ""),
    ]
    first = comments["isso:1"]
    assert first.body_source == "First *post*" and first.body_html == "<p>First <em>post</em></p>"
    assert (first.upvotes, first.downvotes) == (3, 1)
    assert comments["isso:2"].parent_ref == "isso:1" and comments["isso:2"].edited_at is not None
    assert comments["isso:3"].status == CommentStatus.DELETED and comments["isso:3"].body_html == ""
    assert comments["isso:4"].parent_ref == "isso:3"
    assert comments["isso:5"].status == CommentStatus.PENDING
    assert "<script>" not in comments["isso:5"].body_html


def test_a_file_that_is_not_an_isso_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidImport, match="not an SQLite database"):
        list(read_isso(SHARED / "isso" / "disqus.xml"))
    other = tmp_path / "other.db"
    engine = create_engine(f"sqlite+pysqlite:///{other}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    with pytest.raises(InvalidImport, match="not an Isso database"):
        list(read_isso(other))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (SHARED / "isso" / "disqus.xml", "disqus"),
        (SHARED / "remark42" / "disqus.xml", "disqus"),  # leading junk
        (SHARED / "isso" / "wordpress.xml", "wxr"),
        (SHARED / "wordpress-importer" / "theme-unit-test-data.xml", "wxr"),
        (SHARED / "wordpress-importer" / "valid-wxr-1.0.xml", "wxr"),
        (OWN / "blogger-classic.xml", "blogger"),
        (OWN / "blogger-takeout-feed.atom", "blogger"),
        (OWN / "billion-laughs-disqus.xml", "disqus"),  # detected, then refused by the reader
    ],
)
def test_format_is_detected_from_the_first_bytes(path: Path, expected: str) -> None:
    assert detect_format(path) == expected


def test_detection_of_isso_porch_and_unknown(tmp_path: Path) -> None:
    assert detect_format(make_isso_db(tmp_path / "comments.db")) == "isso"
    porch = tmp_path / "site.jsonl"
    porch.write_text('{"format": "porch", "version": 1, "site": {}}\n')
    assert detect_format(porch) == "porch"
    html = tmp_path / "page.html"
    html.write_text("<!DOCTYPE html><html><body>hi</body></html>")
    with pytest.raises(InvalidImport, match="root element is <html>"):
        detect_format(html)
    with pytest.raises(InvalidImport, match="unknown format 'csv'"):
        read_records(porch, "csv")


def test_porch_export_lines_become_records_and_errors_name_the_line(tmp_path: Path) -> None:
    lines = [
        {"format": "porch", "version": 1, "site": {}},
        {"type": "person", "ref": "p1", "display_name": "Linda", "emails": ["linda@example.org"],
         "created_at": "2026-01-01T00:00:00Z"},
        {"type": "thread", "ref": "t1", "uri": "https://blog.example/a", "title": "A"},
        {"type": "comment", "ref": "c1", "thread": "t1", "parent": None, "person": "p1", "author_name": "Linda",
         "body_html": "<p>hi</p>", "body_source": "hi", "status": "published", "kind": "comment",
         "created_at": "2026-01-01T00:00:00Z", "votes": [{"person": "p1", "value": 1,
                                                           "updated_at": "2026-01-02T00:00:00Z"}]},
    ]
    path = tmp_path / "site.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    person, thread, comment = read_porch(path)
    assert isinstance(person, PersonRecord) and person.emails == ("linda@example.org",)
    assert isinstance(thread, ThreadRecord) and thread.uri == "https://blog.example/a"
    assert isinstance(comment, CommentRecord) and comment.votes[0].value == 1
    path.write_text(path.read_text() + '{"type": "comment", "ref": "c2"\n')
    with pytest.raises(InvalidImport) as failure:
        list(read_porch(path))
    assert failure.value.line == 5
    path.write_text('{"format": "porch", "version": 99}\n')
    with pytest.raises(InvalidImport, match="version 99 is not supported"):
        list(read_porch(path))
