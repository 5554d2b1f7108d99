"""The read model's rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from porch.domain.comments import Comment, CommentStatus
from porch.domain.conversation import SortOrder, build_tree, page_conversation

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make(
    cid: int,
    parent: int | None = None,
    status: CommentStatus = CommentStatus.PUBLISHED,
    up: int = 0,
    minutes: int | None = None,
) -> Comment:
    return Comment(
        id=cid,
        thread_id=1,
        parent_id=parent,
        person_id=None,
        author_name="a",
        author_website=None,
        body_source="b",
        body_html="<p>b</p>",
        status=status,
        created_at=T0 + timedelta(minutes=cid if minutes is None else minutes),
        edited_at=None,
        upvotes=up,
    )


def test_hidden_comment_with_shown_replies_becomes_a_tombstone() -> None:
    tree = build_tree([make(1, status=CommentStatus.DELETED), make(2, 1), make(3, status=CommentStatus.PENDING)])
    assert len(tree) == 1
    assert tree[0].tombstone and [r.comment.id for r in tree[0].replies] == [2]


def test_chain_of_hidden_comments_with_no_shown_leaf_disappears() -> None:
    tree = build_tree(
        [
            make(1, status=CommentStatus.DELETED),
            make(2, 1, status=CommentStatus.SPAM),
            make(3, 2, status=CommentStatus.DELETED),
        ]
    )
    assert tree == []


def test_nesting_deeper_than_the_recursion_limit_is_kept() -> None:
    comments = [make(1)] + [make(n, n - 1) for n in range(2, 5001)]
    tree = build_tree(comments)
    depth, node = 1, tree[0]
    while node.replies:
        node = node.replies[0]
        depth += 1
    assert depth == 5000


def test_orphans_surface_at_the_top_level() -> None:
    tree = build_tree([make(1), make(2, parent=99)])
    assert sorted(n.comment.id for n in tree) == [1, 2]


def test_best_ties_break_by_age() -> None:
    page = page_conversation([make(1, up=1), make(2, up=3), make(3, up=1)], order=SortOrder.BEST, after=None, limit=10)
    assert [n.comment.id for n in page.comments] == [2, 1, 3]


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 5)), min_size=0, max_size=40),
    st.sampled_from(list(SortOrder)),
    st.integers(1, 7),
)
def test_paging_visits_each_top_level_comment_exactly_once(
    rows: list[tuple[int, int]], order: SortOrder, limit: int
) -> None:
    comments = [make(i + 1, up=up, minutes=minute) for i, (minute, up) in enumerate(rows)]
    seen: list[int] = []
    after = None
    while True:
        page = page_conversation(comments, order=order, after=after, limit=limit)
        seen += [n.comment.id for n in page.comments]
        if page.next_key is None:
            break
        after = page.next_key
    assert sorted(seen) == [c.id for c in comments]
    assert len(seen) == len(set(seen))


@given(
    st.sets(st.integers(1, 30), min_size=1, max_size=30).flatmap(
        lambda ids: st.tuples(st.just(sorted(ids)), st.sets(st.sampled_from(sorted(ids))), st.integers(1, 7))
    ),
    st.sampled_from(list(SortOrder)),
)
def test_pinned_comments_lead_the_first_page_and_every_comment_is_shown_once(
    case: tuple[list[int], set[int], int], order: SortOrder
) -> None:
    from dataclasses import replace

    ids, pinned, limit = case
    comments = [replace(make(cid), pinned_at=T0 + timedelta(hours=cid) if cid in pinned else None) for cid in ids]
    seen: list[int] = []
    after = None
    first = True
    while True:
        page = page_conversation(comments, order=order, after=after, limit=limit)
        shown = [node.comment.id for node in page.comments]
        if first:
            assert shown[: len(pinned)] == sorted(pinned)  # pinning order, before the sort
            assert len(shown) <= len(pinned) + limit
        else:
            assert not set(shown) & pinned
        seen.extend(shown)
        first = False
        if page.next_key is None:
            break
        after = page.next_key
    assert sorted(seen) == ids and len(seen) == len(set(seen))
