"""The lossless export as a property: any generated site → Porch export → import into an empty
database → export gives the same document (on SQLite and PostgreSQL as the source).

Sites are generated as importer records (threads, people with addresses and websites, comments
nested to any depth with every status and kind, votes), stored by ``import_site`` like any import.
Native comments (``porch:<site>:<id>`` refs) are covered by the example-based round trip in
test_imports.py.
"""

from __future__ import annotations

import io
import itertools
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from porch.domain.comments import CommentStatus
from porch.importers import read_records
from porch.importers.records import (
    AuthorRecord,
    CommentKind,
    CommentRecord,
    ImportRecord,
    PersonRecord,
    ThreadRecord,
    VoteRecord,
)
from porch.services.context import Context
from porch.services.exports import export_site
from porch.services.imports import import_site
from porch.storage.engine import create_database_engine
from porch.storage.unit_of_work import UnitOfWork
from tests.factories import make_site

START = datetime(2015, 3, 1, tzinfo=UTC)
_examples = itertools.count()

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30)
bodies = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80),
    st.sampled_from(["<p>kept <em>markup</em></p>", "<script>alert(1)</script>x", "a & b < c", "line\n\nbreak"]),
)


@st.composite
def sites(draw: st.DrawFn) -> dict[str, Any]:
    """A site as plain data: people, threads, and comments pointing at earlier ones."""
    people = [
        {
            "name": draw(names),
            "email": draw(st.sampled_from([None, f"p{i}@example.org", f"P{i}@Example.ORG"])),
            "website": draw(st.sampled_from([None, f"https://p{i}.example/", "javascript:alert(1)"])),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    threads = [
        {"uri": f"/{draw(st.sampled_from(['post', 'p', '2015/03']))}/{i}/", "title": draw(names),
         "closed": draw(st.booleans())}
        for i in range(draw(st.integers(1, 3)))
    ]
    comments: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 14))):
        thread = draw(st.integers(0, len(threads) - 1))
        earlier = [j for j, c in enumerate(comments) if c["thread"] == thread]
        comments.append({
            "thread": thread,
            "parent": draw(st.one_of(st.none(), st.sampled_from(earlier))) if earlier else None,
            "author": draw(st.one_of(st.none(), st.integers(0, len(people) - 1))) if people else None,
            "name": draw(names),
            "body": draw(bodies),
            "status": draw(st.sampled_from(list(CommentStatus))),
            "kind": draw(st.sampled_from(list(CommentKind))),
            "minutes": i * 7 + draw(st.integers(0, 5)),
            "edited": draw(st.booleans()),
            "votes": draw(st.dictionaries(st.integers(0, max(len(people) - 1, 0)), st.sampled_from([-1, 1]),
                                          max_size=len(people))) if people else {},
        })
    return {"people": people, "threads": threads, "comments": comments}


def site_records(site: dict[str, Any], tag: str) -> Iterator[ImportRecord]:
    """The generated site as importer records; ``tag`` keeps each example's refs and addresses apart."""
    for i, person in enumerate(site["people"]):
        email = person["email"] and f"{tag}-{person['email']}"
        yield PersonRecord(ref=f"gen:{tag}:person:{i}", display_name=person["name"], website=person["website"],
                           emails=(email,) if email else (), created_at=START)
    for i, thread in enumerate(site["threads"]):
        yield ThreadRecord(ref=f"gen:{tag}:thread:{i}", uri=thread["uri"], title=thread["title"],
                           created_at=START, closed=thread["closed"])
    for i, comment in enumerate(site["comments"]):
        created = START + timedelta(minutes=comment["minutes"])
        author = comment["author"]
        person = site["people"][author] if author is not None else None
        email = person["email"] and f"{tag}-{person['email']}" if person else None
        votes = comment["votes"]
        yield CommentRecord(
            ref=f"gen:{tag}:{i}", thread_ref=f"gen:{tag}:thread:{comment['thread']}",
            parent_ref=f"gen:{tag}:{comment['parent']}" if comment["parent"] is not None else None,
            author=AuthorRecord(name=comment["name"], email=email,
                                ref=f"gen:{tag}:person:{author}" if author is not None else None),
            body_html=comment["body"], body_source=comment["body"], status=comment["status"],
            kind=comment["kind"], created_at=created,
            edited_at=created + timedelta(minutes=1) if comment["edited"] else None,
            upvotes=sum(1 for v in votes.values() if v > 0), downvotes=sum(1 for v in votes.values() if v < 0),
            votes=tuple(VoteRecord(f"gen:{tag}:person:{p}", v, created) for p, v in sorted(votes.items())),
        )


def export_lines(ctx: Context, site: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    export_site(ctx, site, out, format_name="porch")
    return [json.loads(line) for line in out.getvalue().splitlines()]


def without_local_ids(document: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Everything but the header (site key and name, export time) and local comment ids."""
    return [{k: v for k, v in line.items() if k != "id"} for line in document[1:]]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(site=sites())
def test_any_site_exported_imported_into_an_empty_database_and_exported_again_is_the_same_document(
    ctx: Context, sqlite_template: Path, tmp_path: Path, site: dict[str, Any]
) -> None:
    tag = f"e{next(_examples)}"
    make_site(ctx, tag, origins=["https://blog.example"])
    import_site(ctx, tag, site_records(site, tag))
    original = export_lines(ctx, tag)

    database = tmp_path / f"{tag}.db"
    shutil.copyfile(sqlite_template, database)
    engine = create_database_engine(f"sqlite:///{database}")
    try:
        empty = Context(uow=lambda write=False: UnitOfWork(engine, write=write), mail=None,  # type: ignore[arg-type]
                        base_url="http://porch.test")
        make_site(empty, "copy", origins=["https://blog.example"])
        document = tmp_path / f"{tag}.jsonl"
        document.write_text("".join(json.dumps(line) + "\n" for line in original))
        summary = import_site(empty, "copy", read_records(document))
        assert summary.skipped == []
        assert without_local_ids(export_lines(empty, "copy")) == without_local_ids(original)
    finally:
        engine.dispose()


def test_nul_characters_in_imported_text_are_dropped_on_both_databases(ctx: Context) -> None:
    """Found by the property above: PostgreSQL refuses NUL in text, and an Isso database or a
    JSON export may carry one."""
    make_site(ctx, "nul", origins=["https://blog.example"])
    site = {
        "people": [{"name": "Nu\x00l", "email": None, "website": "https://x.example/\x00"}],
        "threads": [{"uri": "/p/0/", "title": "Ti\x00tle", "closed": False}],
        "comments": [{"thread": 0, "parent": None, "author": 0, "name": "A\x00da", "body": "be\x00fore",
                      "status": CommentStatus.PUBLISHED, "kind": CommentKind.COMMENT, "minutes": 0,
                      "edited": False, "votes": {}}],
    }
    summary = import_site(ctx, "nul", site_records(site, "nul"))
    assert summary.comments_imported == 1
    lines = export_lines(ctx, "nul")
    comment = next(line for line in lines if line.get("type") == "comment")
    person = next(line for line in lines if line.get("type") == "person")
    assert (comment["body_source"], comment["author_name"], person["display_name"]) == ("before", "Ada", "Nul")
    assert person["website"] is None
