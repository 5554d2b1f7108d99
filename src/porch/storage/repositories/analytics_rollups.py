"""The analytics rollups: per thread, per person and per day sums the whole-site dashboard reads.

Every number here is the one ``storage/repositories/analytics.py`` computes from scratch, kept in
pieces that can be recomputed alone (definitions: docs/subsystems/analytics.md, "Rollups"):

* **per thread** (``analytics_rollup_threads``, ``…_thread_people``, ``…_thread_days``, the waits in
  ``…_waits``): rewritten for the threads whose ``version`` moved since they were rolled — the
  database triggers of ``storage/thread_versions.py`` move it on every insert, update or delete of
  the thread's comments, so nothing on the comment post path has to remember the rollups;
* **per person** (``…_people``, ``…_person_days``, ``…_person_months``, ``…_edges`` by replier):
  rewritten for the people a rewritten thread's change touched: ``…_comments`` keeps each thread's
  published comments as last rolled (who, replying to which comment, on which day), and the
  comments that differ now name them — their writers, the writers of their parents (replies
  received) and of their replies (reply-graph edges). A vote or an edit touches nobody;
* **per day** (``…_days``): rewritten for the days those threads and people touch.

The same statements serve a site's first build (every thread, person and day: set-based, one pass
each) and a catch-up (a list of ids). Plain rows in, plain rows out; no clock, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, text

from porch.domain.metrics import RETURN_GAP_SECONDS, WAIT_BUCKETS
from porch.storage.repositories.analytics import SqlDialect, WaitingComment
from porch.storage.schema import UTCDateTime

# IN-lists are sent in pieces no database refuses (SQLite's default limit is 32,766 variables).
CHUNK = 2000

# Every table with per-thread rows, and its thread column's name.
_THREAD_TABLES = ("analytics_rollup_threads", "analytics_rollup_comments", "analytics_rollup_thread_days",
                  "analytics_rollup_waits")
_PERSON_TABLES = ("analytics_rollup_people", "analytics_rollup_person_days", "analytics_rollup_person_months")
_SITE_TABLES = (*_THREAD_TABLES, *_PERSON_TABLES, "analytics_rollup_edges", "analytics_rollup_days")

# Each person's months with a comment, beside the month of their first.
_MONTHS = """INSERT INTO analytics_rollup_person_months (site_id, person_id, month, cohort_month)
SELECT DISTINCT :site_id, d.person_id, substr(d.day, 1, 7), substr(p.first_day, 1, 7)
FROM analytics_rollup_person_days d
JOIN analytics_rollup_people p ON p.site_id = d.site_id AND p.person_id = d.person_id
WHERE d.site_id = :site_id"""
# Each WAIT_BUCKET as [lower, upper) in seconds (the waits are never negative: replies come later).
_BUCKET_BOUNDS = [(lower, upper if upper != float("inf") else 1e18) for lower, upper in zip(
    [-1e18, *(upper for _label, upper in WAIT_BUCKETS[:-1])], [upper for _label, upper in WAIT_BUCKETS], strict=True)]
# What a new person's row holds until refresh_people sets it.
_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)

# A reply "from someone else" (as in analytics.py): answering yourself is not being answered.
_OTHER = "(r.person_id IS NULL OR c.person_id IS NULL OR r.person_id <> c.person_id)"


@dataclass(frozen=True)
class CommentFact:
    """One published comment as the rollups saw it."""

    thread_id: int
    person_id: int | None
    parent_id: int | None
    day: str


@dataclass
class PersonDeltas:
    """What changed comments add to (or, negative, take from) the per-person rollups."""

    comments: dict[int, int] = field(default_factory=dict)  # person -> comments
    received: dict[int, int] = field(default_factory=dict)  # person -> replies from someone else
    days: dict[tuple[int, str], int] = field(default_factory=dict)  # (person, day) -> comments
    edges: dict[tuple[int, int], int] = field(default_factory=dict)  # (replier, replied-to) -> replies


@dataclass(frozen=True)
class DirtyThreads:
    """Threads to roll again: ``changed`` (version or author moved, or never rolled), ``vanished`` (deleted)."""

    changed: list[int]
    vanished: list[int]
    total: int  # the site's threads, rolled or not

    def __bool__(self) -> bool:
        return bool(self.changed or self.vanished)


@dataclass(frozen=True)
class RolledTotals:
    comments: int
    threads: int
    threads_with_conversation: int
    votes: int
    replies: int
    top_level: int
    answered: int
    back_and_forth: int
    max_depth: int
    mean_depth: float | None
    author_pairs: int
    author_answered: int
    threads_with_known_author: int


@dataclass(frozen=True)
class RolledPerson:
    person_id: int
    comments: int
    replies_received: int
    first_at: datetime


@dataclass(frozen=True)
class RolledCohort:
    month: str
    size: int
    returned: dict[int, int]
    eligible: dict[int, int]
    returned_eligible: dict[int, int]


def _chunks(ids: Sequence[Any]) -> Iterable[list[Any]]:
    for begin in range(0, len(ids), CHUNK):
        yield list(ids[begin:begin + CHUNK])


class AnalyticsRollupRepository:
    def __init__(self, connection: Connection):
        self._db = connection
        self._sql = SqlDialect(connection.dialect.name)

    # state ---------------------------------------------------------------------------------------
    def lock_site(self, site_id: int) -> None:
        """Serialise catch-ups of one site (SQLite's write transaction already does)."""
        if self._db.dialect.name == "postgresql":
            self._db.execute(text("SELECT pg_advisory_xact_lock(9, CAST(:site_id AS integer))"), {"site_id": site_id})

    def owners(self, site_id: int) -> str:
        """The persons of the site's owners, who are the authors of threads without a named one."""
        rows = self._db.execute(text("""
SELECT DISTINCT a.person_id FROM site_roles r JOIN accounts a ON a.id = r.account_id
WHERE r.site_id = :site_id AND r.role = 'owner' AND a.person_id IS NOT NULL ORDER BY a.person_id"""),
            {"site_id": site_id}).scalars()
        return ",".join(str(person) for person in rows)

    def rolled_owners(self, site_id: int) -> str | None:
        """The owners the rollups were made with, or None when the site was never rolled."""
        return self._db.execute(text("SELECT owners FROM analytics_rollup_sites WHERE site_id = :site_id"),
                                {"site_id": site_id}).scalar()

    def dirty_threads(self, site_id: int) -> DirtyThreads:
        """One pass over the site's threads against their rollups (a few thousand rows, both indexed)."""
        changed = self._db.execute(text("""
SELECT t.id FROM threads t LEFT JOIN analytics_rollup_threads r ON r.thread_id = t.id
WHERE t.site_id = :site_id
  AND (r.thread_id IS NULL OR r.rolled_version <> t.version
       OR COALESCE(r.author_person_id, 0) <> COALESCE(t.author_person_id, 0))
ORDER BY t.id"""), {"site_id": site_id}).scalars().all()
        vanished = self._db.execute(text("""
SELECT r.thread_id FROM analytics_rollup_threads r LEFT JOIN threads t ON t.id = r.thread_id
WHERE r.site_id = :site_id AND t.id IS NULL ORDER BY r.thread_id"""), {"site_id": site_id}).scalars().all()
        total = self._db.execute(text("SELECT COUNT(*) FROM threads WHERE site_id = :site_id"),
                                 {"site_id": site_id}).scalar_one()
        return DirtyThreads([int(i) for i in changed], [int(i) for i in vanished], int(total))

    def mark_rolled(self, site_id: int, owners: str, now: datetime) -> None:
        self._db.execute(text("DELETE FROM analytics_rollup_sites WHERE site_id = :site_id"), {"site_id": site_id})
        self._db.execute(
            text("INSERT INTO analytics_rollup_sites (site_id, owners, rolled_at) VALUES (:site_id, :owners, :now)")
            .bindparams(bindparam("now", now, type_=UTCDateTime)),
            {"site_id": site_id, "owners": owners},
        )

    def forget_site(self, site_id: int) -> None:
        for table in _SITE_TABLES:
            self._db.execute(text(f"DELETE FROM {table} WHERE site_id = :site_id"), {"site_id": site_id})

    # what a rewrite touches ----------------------------------------------------------------------
    def comment_facts(self, thread_ids: Sequence[int]) -> dict[int, CommentFact]:
        """The threads' published comments as last rolled: what a person's numbers depend on."""
        found: dict[int, CommentFact] = {}
        for chunk in _chunks(thread_ids):
            rows = self._db.execute(text(
                "SELECT comment_id, thread_id, person_id, parent_id, day FROM analytics_rollup_comments "
                "WHERE thread_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)), {"ids": chunk})
            found.update((int(r.comment_id), CommentFact(int(r.thread_id), r.person_id, r.parent_id, r.day))
                         for r in rows)
        return found

    def thread_days(self, thread_ids: Sequence[int]) -> dict[tuple[int, str], int]:
        """Published comments per (thread, UTC day) as last rolled."""
        found: dict[tuple[int, str], int] = {}
        for chunk in _chunks(thread_ids):
            rows = self._db.execute(text(
                "SELECT thread_id, day, comments FROM analytics_rollup_thread_days WHERE thread_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)), {"ids": chunk})
            found.update(((int(r.thread_id), r.day), int(r.comments)) for r in rows)
        return found

    def first_days(self, site_id: int, person_ids: Sequence[int]) -> set[str]:
        """The days of these people's first comments, as rolled."""
        return self._collect(
            "SELECT first_day FROM analytics_rollup_people WHERE site_id = :site_id AND person_id IN :ids",
            person_ids, site_id=site_id) - {""}

    def _collect(self, sql: str, ids: Sequence[Any], **params: Any) -> set[Any]:
        found: set[Any] = set()
        for chunk in _chunks(ids):
            clause = text(sql).bindparams(bindparam("ids", expanding=True))
            found.update(self._db.execute(clause, {"ids": chunk, **params}).scalars())
        return found

    # rewriting threads -------------------------------------------------------------------------
    def forget_threads(self, thread_ids: Sequence[int]) -> None:
        for table in _THREAD_TABLES:
            for chunk in _chunks(thread_ids):
                clause = text(f"DELETE FROM {table} WHERE thread_id IN :ids").bindparams(
                    bindparam("ids", expanding=True))
                self._db.execute(clause, {"ids": chunk})

    def roll_threads(self, site_id: int, thread_ids: Sequence[int] | None) -> None:
        """Write the per-thread rows of ``thread_ids`` (None: every thread of the site)."""
        for chunk in ([None] if thread_ids is None else _chunks(thread_ids)):
            self._roll_threads(site_id, chunk)

    def _roll_threads(self, site_id: int, ids: list[int] | None) -> None:
        where = "t.site_id = :site_id" + ("" if ids is None else " AND t.id IN :ids")
        tc = f"""tc AS (
    SELECT c.id, c.thread_id, c.parent_id, c.person_id, c.created_at
    FROM comments c JOIN threads t ON t.id = c.thread_id
    WHERE {where} AND c.status = 'published'
)"""
        authors = f"""thread_authors AS (
    SELECT t.id AS thread_id, t.author_person_id AS person_id
    FROM threads t WHERE {where} AND t.author_person_id IS NOT NULL
    UNION
    SELECT t.id, a.person_id
    FROM threads t
    JOIN site_roles r ON r.site_id = t.site_id AND r.role = 'owner'
    JOIN accounts a ON a.id = r.account_id
    WHERE {where} AND t.author_person_id IS NULL
)"""
        pairs = """pairs AS (
    SELECT p.thread_id, p.person_id, MIN(p.created_at) AS first_at FROM tc p
    WHERE p.person_id IS NOT NULL
      AND p.thread_id IN (SELECT thread_id FROM thread_authors)
      AND NOT EXISTS (SELECT 1 FROM thread_authors ta
                      WHERE ta.thread_id = p.thread_id AND ta.person_id = p.person_id)
    GROUP BY p.thread_id, p.person_id
), answers AS (
    -- from the authors' own comments in their threads, to the comments they answer; by the thread index
    -- only (COALESCE keeps PostgreSQL from ANDing in the author's person index: 400,000 entries)
    SELECT c.thread_id, c.person_id, MIN(r.created_at) AS answered_at
    FROM thread_authors ta
    JOIN comments r ON r.thread_id = ta.thread_id AND COALESCE(r.person_id, 0) = ta.person_id
                   AND r.status = 'published'
    JOIN comments c ON c.id = r.parent_id AND c.status = 'published'
    WHERE c.person_id IS NOT NULL
    GROUP BY c.thread_id, c.person_id
)"""
        epoch = self._sql.epoch

        def run(sql: str) -> Any:
            clause = text(sql)
            if ids is not None:
                clause = clause.bindparams(bindparam("ids", expanding=True))
            return self._db.execute(clause, {"site_id": site_id, **({} if ids is None else {"ids": ids})})

        # 1. the counts (and the thread's version first: a later statement may only see newer comments)
        rows: dict[int, dict[str, Any]] = {}
        for r in run(f"""
SELECT t.id, t.version, t.author_person_id,
       COUNT(c.id) AS comments,
       COALESCE(SUM(CASE WHEN c.id IS NOT NULL AND c.parent_id IS NULL THEN 1 ELSE 0 END), 0) AS top_level,
       COUNT(c.parent_id) AS replies,
       COALESCE(SUM(c.upvotes + c.downvotes), 0) AS votes
FROM threads t LEFT JOIN comments c ON c.thread_id = t.id AND c.status = 'published'
WHERE {where}
GROUP BY t.id, t.version, t.author_person_id"""):
            rows[int(r.id)] = {
                "thread_id": int(r.id), "site_id": site_id, "rolled_version": int(r.version),
                "author_person_id": r.author_person_id,
                "comments": int(r.comments), "top_level": int(r.top_level), "replies": int(r.replies),
                "votes": int(r.votes), "answered": 0, "back_and_forth": 0, "depth": 0,
                "author_pairs": 0, "author_answered": 0, **{f"wait_bucket_{i}": 0 for i in range(len(WAIT_BUCKETS))},
            }
        if not rows:
            return
        # 2. who replied to whom and when, for the people and the days
        run(f"""WITH {tc}
INSERT INTO analytics_rollup_comments (comment_id, thread_id, site_id, person_id, parent_id, day)
SELECT id, thread_id, :site_id, person_id, parent_id, {self._sql.day('created_at')} FROM tc""")
        run(f"""WITH {tc}
INSERT INTO analytics_rollup_thread_days (thread_id, day, site_id, comments)
SELECT thread_id, {self._sql.day('created_at')}, :site_id, COUNT(*) FROM tc GROUP BY 1, 2""")
        # 3. waits for a first reply from someone else, per answered comment
        run(f"""WITH {tc}
INSERT INTO analytics_rollup_waits (kind, thread_id, ref, site_id, seconds)
SELECT 'reply', c.thread_id, c.id, :site_id, {epoch('MIN(r.created_at)')} - {epoch('c.created_at')}
FROM tc c JOIN comments r ON r.parent_id = c.id AND r.status = 'published'
WHERE {_OTHER}
GROUP BY c.thread_id, c.id, c.created_at""")
        # 4. the author's answers, per (thread, commenter)
        run(f"""WITH {tc}, {authors}, {pairs}
INSERT INTO analytics_rollup_waits (kind, thread_id, ref, site_id, seconds)
SELECT 'author', pairs.thread_id, pairs.person_id, :site_id,
       CASE WHEN {epoch('a.answered_at')} > {epoch('pairs.first_at')}
            THEN {epoch('a.answered_at')} - {epoch('pairs.first_at')} ELSE 0 END
FROM pairs JOIN answers a ON a.thread_id = pairs.thread_id AND a.person_id = pairs.person_id""")
        for r in run(f"WITH {tc}, {authors}, {pairs} "
                     "SELECT thread_id, COUNT(*) AS n FROM pairs GROUP BY thread_id"):
            rows[int(r.thread_id)]["author_pairs"] = int(r.n)
        waits_of = "site_id = :site_id" if ids is None else "thread_id IN :ids"
        for column, sql in (
            *((f"wait_bucket_{i}", f"SELECT thread_id, COUNT(*) AS n FROM analytics_rollup_waits WHERE kind = 'reply' "
               f"AND {waits_of} AND seconds >= {lower} AND seconds < {upper} GROUP BY thread_id")
              for i, (lower, upper) in enumerate(_BUCKET_BOUNDS)),
            # (by the waits' primary key (kind, thread_id, …) for a few threads)
            ("answered", f"SELECT thread_id, COUNT(*) AS n FROM analytics_rollup_waits WHERE kind = 'reply' AND "
                         f"{waits_of} GROUP BY thread_id"),
            ("author_answered", f"SELECT thread_id, COUNT(*) AS n FROM analytics_rollup_waits WHERE kind = 'author' "
                                f"AND {waits_of} GROUP BY thread_id"),
            ("back_and_forth", f"""WITH {tc}
SELECT r.thread_id, COUNT(*) AS n FROM tc r
JOIN comments c ON c.id = r.parent_id AND c.status = 'published'
JOIN comments g ON g.id = c.parent_id AND g.status = 'published'
WHERE r.person_id = g.person_id AND r.person_id <> c.person_id
GROUP BY r.thread_id"""),
            # a comment's level counts every ancestor, published or not (the tree's shape)
            # (the roots are found by thread, not by the parent_id index that would list every root;
            # thread and status ride along so the levels need no join back to the comments)
            ("depth", f"""WITH RECURSIVE levels(id, thread_id, level, status) AS (
    SELECT c.id, c.thread_id, 1, c.status FROM comments c JOIN threads t ON t.id = c.thread_id
    WHERE {where} AND COALESCE(c.parent_id, 0) = 0
    UNION ALL
    SELECT c.id, c.thread_id, l.level + 1, c.status FROM comments c JOIN levels l ON c.parent_id = l.id
)
SELECT thread_id, MAX(level) AS n FROM levels WHERE status = 'published' GROUP BY thread_id"""),
        ):
            for r in run(sql):
                rows[int(r.thread_id)][column] = int(r.n)
        self._db.execute(text("""
INSERT INTO analytics_rollup_threads (thread_id, site_id, rolled_version, author_person_id, comments,
    top_level, replies, answered, votes, back_and_forth, depth, author_pairs, author_answered,
    wait_bucket_0, wait_bucket_1, wait_bucket_2, wait_bucket_3, wait_bucket_4, wait_bucket_5)
VALUES (:thread_id, :site_id, :rolled_version, :author_person_id, :comments,
    :top_level, :replies, :answered, :votes, :back_and_forth, :depth, :author_pairs, :author_answered,
    :wait_bucket_0, :wait_bucket_1, :wait_bucket_2, :wait_bucket_3, :wait_bucket_4, :wait_bucket_5)"""),
            list(rows.values()))

    # rewriting people ----------------------------------------------------------------------------
    def roll_people(self, site_id: int) -> None:
        """Write the per-person rows of everyone who commented on the site, set-based (a site's first roll)."""
        pc = """pc AS (
    SELECT c.id, c.parent_id, c.person_id, c.created_at
    FROM comments c JOIN threads t ON t.id = c.thread_id
    WHERE t.site_id = :site_id AND c.status = 'published' AND c.person_id IS NOT NULL
)"""
        site_comment = ("JOIN threads tt ON tt.id = c.thread_id AND tt.site_id = :site_id "
                        "WHERE c.status = 'published'")
        epoch = self._sql.epoch

        def run(sql: str) -> None:
            self._db.execute(text(sql), {"site_id": site_id})

        # One window pass for counts, first and last comments; then each person's return, first answer and
        # replies received by indexed seeks from their row (correlated subqueries: no join between
        # estimated-small CTEs, which PostgreSQL would nest-loop over 90,000 people).
        run(f"""WITH {pc},
ranked AS (
    SELECT person_id, id, created_at,
           ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY created_at, id) AS nth,
           COUNT(*) OVER (PARTITION BY person_id) AS n,
           MAX(created_at) OVER (PARTITION BY person_id) AS last_at
    FROM pc
)
INSERT INTO analytics_rollup_people (site_id, person_id, comments, first_at, first_day, first_comment_id,
    first_answered, last_at, came_back_seconds, replies_received)
SELECT :site_id, person_id, n, created_at, {self._sql.day('created_at')}, id, {self._sql.false}, last_at, NULL, 0
FROM ranked WHERE nth = 1""")
        p = "analytics_rollup_people"
        back_gap = self._sql.round_ms(f"{epoch('c.created_at')} - {epoch(f'{p}.first_at')}")
        near = self._sql.plus_seconds(f"{p}.first_at", RETURN_GAP_SECONDS - 1)
        run(f"""UPDATE {p} SET
    came_back_seconds = (
        SELECT {back_gap} FROM comments c {site_comment}
          AND c.person_id = {p}.person_id AND c.created_at >= {near}
          AND {back_gap} >= {RETURN_GAP_SECONDS}
        ORDER BY c.created_at LIMIT 1),
    first_answered = EXISTS (
        SELECT 1 FROM comments r JOIN comments c ON c.id = r.parent_id
        WHERE r.parent_id = {p}.first_comment_id AND r.status = 'published' AND {_OTHER}),
    replies_received = (
        SELECT COUNT(*) FROM comments c JOIN comments r ON r.parent_id = c.id AND r.status = 'published'
        {site_comment} AND c.person_id = {p}.person_id AND {_OTHER})
WHERE site_id = :site_id""")
        run(f"""WITH {pc}
INSERT INTO analytics_rollup_person_days (site_id, day, person_id, comments)
SELECT :site_id, {self._sql.day('created_at')}, person_id, COUNT(*) FROM pc GROUP BY 2, 3""")
        run(_MONTHS)
        run(f"""WITH {pc}
INSERT INTO analytics_rollup_edges (site_id, source, target, replies)
SELECT :site_id, r.person_id, c.person_id, COUNT(*)
FROM pc r JOIN comments c ON c.id = r.parent_id AND c.status = 'published'
WHERE c.person_id IS NOT NULL AND r.person_id <> c.person_id
GROUP BY r.person_id, c.person_id""")

    # bringing people up to date ------------------------------------------------------------------
    def add_to_people(self, site_id: int, deltas: PersonDeltas) -> None:
        """Add the changes' counts: comments and replies received per person, per person and day, per edge.

        A new person's row gets placeholder moments, which :meth:`refresh_people` sets right after.
        """
        upserts = (
            ("analytics_rollup_people", "person_id", ("comments", "replies_received"),
             [{"person_id": p, "comments": deltas.comments.get(p, 0), "replies_received": deltas.received.get(p, 0)}
              for p in sorted(deltas.comments.keys() | deltas.received.keys())],
             ", first_at, first_day, first_comment_id, first_answered, last_at",
             ", :placeholder, '', 0, :no, :placeholder"),
            ("analytics_rollup_person_days", "day, person_id", ("comments",),
             [{"person_id": p, "day": d, "comments": n} for (p, d), n in sorted(deltas.days.items())], "", ""),
            ("analytics_rollup_edges", "source, target", ("replies",),
             [{"source": s, "target": t, "replies": n} for (s, t), n in sorted(deltas.edges.items())], "", ""),
        )
        for table, key, counts, rows, more_columns, more_values in upserts:
            rows = [row for row in rows if any(row[c] for c in counts)]
            if not rows:
                continue
            columns = [c for c in rows[0] if c not in counts]
            clause = text(f"""
INSERT INTO {table} (site_id, {', '.join(columns)}, {', '.join(counts)}{more_columns})
VALUES (:site_id, {', '.join(':' + c for c in columns)}, {', '.join(':' + c for c in counts)}{more_values})
ON CONFLICT (site_id, {key}) DO UPDATE SET {', '.join(f'{c} = {table}.{c} + excluded.{c}' for c in counts)}""")
            if more_columns:
                clause = clause.bindparams(bindparam("placeholder", type_=UTCDateTime), bindparam("no", False))
            self._db.execute(clause, [{"site_id": site_id, "placeholder": _PLACEHOLDER, **row} for row in rows])
        for table, who, count, keys in (
            ("analytics_rollup_person_days", "person_id", "comments", {p for p, _day in deltas.days}),
            ("analytics_rollup_edges", "source", "replies", {source for source, _target in deltas.edges}),
        ):
            for chunk in _chunks(sorted(keys)):
                self._db.execute(
                    text(f"DELETE FROM {table} WHERE site_id = :site_id AND {who} IN :ids AND {count} <= 0")
                    .bindparams(bindparam("ids", expanding=True)), {"site_id": site_id, "ids": chunk})

    def refresh_people(self, site_id: int, person_ids: Sequence[int]) -> None:
        """Set each person's first and last comment, their return and their first answer by indexed seeks
        (their ``(person_id, created_at)`` index), and their months; drop those left without a comment."""
        epoch, sql = self._sql.epoch, self._sql
        on_site = ("FROM comments c JOIN threads t ON t.id = c.thread_id "
                   "WHERE c.person_id = :person_id AND c.status = 'published' AND t.site_id = :site_id")
        first_q = text(f"SELECT c.id, c.created_at {on_site} ORDER BY c.created_at, c.id LIMIT 1").columns(
            created_at=UTCDateTime)
        last_q = text(f"SELECT c.created_at {on_site} ORDER BY c.created_at DESC LIMIT 1").columns(
            created_at=UTCDateTime)
        first_at = ":first_at" if self._db.dialect.name == "sqlite" else "CAST(:first_at AS timestamptz)"
        gap = sql.round_ms(f"{epoch('c.created_at')} - {epoch(first_at)}")
        back_q = text(f"""SELECT {gap} AS seconds {on_site} AND c.created_at >= :near AND {gap} >= {RETURN_GAP_SECONDS}
ORDER BY c.created_at LIMIT 1""").bindparams(
            bindparam("first_at", type_=UTCDateTime), bindparam("near", type_=UTCDateTime))
        answered_q = text(f"""SELECT EXISTS (SELECT 1 FROM comments r JOIN comments c ON c.id = r.parent_id
WHERE r.parent_id = :comment_id AND r.status = 'published' AND {_OTHER})""")
        update_q = text("""UPDATE analytics_rollup_people SET first_at = :first_at, first_day = :first_day,
    first_comment_id = :first_id, first_answered = :answered, last_at = :last_at, came_back_seconds = :back
WHERE site_id = :site_id AND person_id = :person_id""").bindparams(
            bindparam("first_at", type_=UTCDateTime), bindparam("last_at", type_=UTCDateTime))
        gone = []
        for person_id in person_ids:
            where = {"site_id": site_id, "person_id": person_id}
            first = self._db.execute(first_q, where).first()
            if first is None:
                gone.append(person_id)
                continue
            last = self._db.execute(last_q, where).scalar_one()
            back = self._db.execute(back_q, {
                **where, "first_at": first.created_at,
                "near": first.created_at + timedelta(seconds=RETURN_GAP_SECONDS - 1),
            }).scalar()
            answered = bool(self._db.execute(answered_q, {"comment_id": first.id}).scalar())
            self._db.execute(update_q, {
                **where, "first_at": first.created_at, "first_day": first.created_at.date().isoformat(),
                "first_id": first.id, "answered": answered, "last_at": last,
                "back": float(back) if back is not None else None,
            })
        for table in _PERSON_TABLES:
            for chunk in _chunks(gone):
                self._db.execute(text(f"DELETE FROM {table} WHERE site_id = :site_id AND person_id IN :ids")
                                 .bindparams(bindparam("ids", expanding=True)), {"site_id": site_id, "ids": chunk})
        for chunk in _chunks([p for p in person_ids if p not in set(gone)]):
            params = {"site_id": site_id, "ids": chunk}
            self._db.execute(text("DELETE FROM analytics_rollup_person_months WHERE site_id = :site_id "
                                  "AND person_id IN :ids").bindparams(bindparam("ids", expanding=True)), params)
            self._db.execute(text(_MONTHS + " AND d.person_id IN :ids").bindparams(
                bindparam("ids", expanding=True)), params)

    # rewriting days ----------------------------------------------------------------------------
    def roll_days(self, site_id: int, days: Sequence[str] | None) -> None:
        """Rewrite the per-day rows of ``days`` (None: all) from the thread-day and person rollups."""
        for chunk in ([None] if days is None else _chunks(sorted(days))):
            which = "" if chunk is None else " AND day IN :ids"
            first = "" if chunk is None else " AND first_day IN :ids"
            clause = text(f"DELETE FROM analytics_rollup_days WHERE site_id = :site_id{which}")
            insert = text(f"""
INSERT INTO analytics_rollup_days (site_id, day, comments, commenters, new_commenters)
SELECT :site_id, d.day, d.comments, COALESCE(pd.n, 0), COALESCE(nc.n, 0)
FROM (SELECT day, SUM(comments) AS comments FROM analytics_rollup_thread_days
      WHERE site_id = :site_id{which} GROUP BY day) d
LEFT JOIN (SELECT day, COUNT(*) AS n FROM analytics_rollup_person_days
           WHERE site_id = :site_id{which} GROUP BY day) pd ON pd.day = d.day
LEFT JOIN (SELECT first_day, COUNT(*) AS n FROM analytics_rollup_people
           WHERE site_id = :site_id{first} GROUP BY first_day) nc ON nc.first_day = d.day""")
            params: dict[str, Any] = {"site_id": site_id}
            if chunk is not None:
                clause = clause.bindparams(bindparam("ids", expanding=True))
                insert = insert.bindparams(bindparam("ids", expanding=True))
                params["ids"] = chunk
            self._db.execute(clause, params)
            self._db.execute(insert, params)

    # reading -----------------------------------------------------------------------------------
    def _rows(self, sql: str, site_id: int, **more: Any) -> Any:
        return self._db.execute(text(sql), {"site_id": site_id, **more})

    def totals(self, site_id: int) -> RolledTotals:
        r = self._rows("""
SELECT COALESCE(SUM(comments), 0) AS comments,
       COALESCE(SUM(CASE WHEN comments > 0 THEN 1 ELSE 0 END), 0) AS threads,
       COALESCE(SUM(CASE WHEN replies > 0 THEN 1 ELSE 0 END), 0) AS threads_with_conversation,
       COALESCE(SUM(votes), 0) AS votes, COALESCE(SUM(replies), 0) AS replies,
       COALESCE(SUM(top_level), 0) AS top_level, COALESCE(SUM(answered), 0) AS answered,
       COALESCE(SUM(back_and_forth), 0) AS back_and_forth, COALESCE(MAX(depth), 0) AS max_depth,
       AVG(CASE WHEN comments > 0 THEN depth * 1.0 END) AS mean_depth,
       COALESCE(SUM(author_pairs), 0) AS author_pairs, COALESCE(SUM(author_answered), 0) AS author_answered,
       COALESCE(SUM(CASE WHEN author_pairs > 0 THEN 1 ELSE 0 END), 0) AS with_author
FROM analytics_rollup_threads WHERE site_id = :site_id""", site_id).one()
        return RolledTotals(
            comments=int(r.comments), threads=int(r.threads),
            threads_with_conversation=int(r.threads_with_conversation),
            votes=int(r.votes), replies=int(r.replies), top_level=int(r.top_level), answered=int(r.answered),
            back_and_forth=int(r.back_and_forth), max_depth=int(r.max_depth),
            mean_depth=float(r.mean_depth) if r.mean_depth is not None else None,
            author_pairs=int(r.author_pairs), author_answered=int(r.author_answered),
            threads_with_known_author=int(r.with_author),
        )

    def median_wait(self, site_id: int, kind: str, n: int) -> float | None:
        """The median of the ``n`` kept waits of a kind by one indexed offset read."""
        if not n:
            return None
        middle = self._rows("""SELECT seconds FROM analytics_rollup_waits WHERE site_id = :site_id AND kind = :kind
ORDER BY seconds LIMIT :take OFFSET :skip""", site_id, kind=kind, take=2 - n % 2, skip=(n - 1) // 2).scalars().all()
        # julianday carries ~0.1 ms of float noise: milliseconds are all a wait is told in
        return round(sum(float(s) for s in middle) / len(middle), 3)

    def wait_buckets(self, site_id: int) -> list[int]:
        sums = ", ".join(f"COALESCE(SUM(wait_bucket_{i}), 0)" for i in range(len(WAIT_BUCKETS)))
        return [int(n) for n in self._rows(
            f"SELECT {sums} FROM analytics_rollup_threads WHERE site_id = :site_id", site_id).one()]

    def people_counts(self, site_id: int) -> tuple[dict[int, int], int, int]:
        """How many commenters wrote how many comments, how many came back, and the comments those wrote."""
        histogram = {int(r.comments): int(r.people) for r in self._rows(
            "SELECT comments, COUNT(*) AS people FROM analytics_rollup_people WHERE site_id = :site_id "
            "GROUP BY comments", site_id)}
        r = self._rows("""SELECT COUNT(*) AS people, COALESCE(SUM(comments), 0) AS comments
FROM analytics_rollup_people WHERE site_id = :site_id AND came_back_seconds IS NOT NULL""", site_id).one()
        return histogram, int(r.people), int(r.comments)

    def top_people(self, site_id: int, limit: int) -> list[RolledPerson]:
        clause = text("""SELECT person_id, comments, replies_received, first_at FROM analytics_rollup_people
WHERE site_id = :site_id ORDER BY comments DESC, first_at, person_id LIMIT :limit""").columns(first_at=UTCDateTime)
        return [RolledPerson(int(r.person_id), int(r.comments), int(r.replies_received), r.first_at)
                for r in self._db.execute(clause, {"site_id": site_id, "limit": limit})]

    def cohorts(self, site_id: int, now: datetime, windows_days: Sequence[int]) -> list[RolledCohort]:
        """Per month of first comment: size, and per window who came back, whose window passed, and both."""
        columns = []
        params: list[Any] = []
        for days in windows_days:
            columns.append(f"""
       SUM(CASE WHEN came_back_seconds <= {days * 86400} THEN 1 ELSE 0 END) AS returned_{days},
       SUM(CASE WHEN first_at <= :passed_{days} THEN 1 ELSE 0 END) AS eligible_{days},
       SUM(CASE WHEN first_at <= :passed_{days} AND came_back_seconds <= {days * 86400} THEN 1 ELSE 0 END)
           AS both_{days}""")
            params.append(bindparam(f"passed_{days}", now - timedelta(days=days), type_=UTCDateTime))
        clause = text(f"""SELECT substr(first_day, 1, 7) AS month, COUNT(*) AS size,{','.join(columns)}
FROM analytics_rollup_people WHERE site_id = :site_id GROUP BY 1 ORDER BY 1""").bindparams(*params)
        found = []
        for r in self._db.execute(clause, {"site_id": site_id}):
            m = r._mapping
            found.append(RolledCohort(
                month=r.month, size=int(r.size),
                returned={d: int(m[f"returned_{d}"]) for d in windows_days if m[f"returned_{d}"]},
                eligible={d: int(m[f"eligible_{d}"]) for d in windows_days if m[f"eligible_{d}"]},
                returned_eligible={d: int(m[f"both_{d}"]) for d in windows_days if m[f"both_{d}"]},
            ))
        return found

    def cohort_activity(self, site_id: int) -> list[tuple[str, str, int]]:
        return [(r.cohort_month, r.month, int(r.n)) for r in self._rows("""
SELECT cohort_month, month, COUNT(*) AS n FROM analytics_rollup_person_months WHERE site_id = :site_id
GROUP BY cohort_month, month""", site_id)]

    def activity(self, site_id: int) -> list[tuple[str, int, int, int]]:
        return [(r.day, int(r.comments), int(r.commenters), int(r.new_commenters)) for r in self._rows(
            "SELECT day, comments, commenters, new_commenters FROM analytics_rollup_days "
            "WHERE site_id = :site_id ORDER BY day", site_id)]

    def edges(self, site_id: int, limit: int) -> list[tuple[int, int, int]]:
        return [(int(r.source), int(r.target), int(r.replies)) for r in self._rows("""
SELECT source, target, replies FROM analytics_rollup_edges WHERE site_id = :site_id
ORDER BY replies DESC, source, target LIMIT :limit""", site_id, limit=limit)]

    def newcomers_waiting(self, site_id: int, owners: Sequence[int], limit: int) -> list[WaitingComment]:
        """First comments nobody else has answered, oldest first, leaving out the threads' own authors."""
        owner_clause = "" if not owners else (
            " AND NOT (t.author_person_id IS NULL AND c.person_id IN :owners)")
        clause = text(f"""
SELECT c.id, c.person_id, c.author_name, c.body_source, c.created_at, t.uri, t.title
FROM analytics_rollup_people p
JOIN comments c ON c.id = p.first_comment_id
JOIN threads t ON t.id = c.thread_id
WHERE p.site_id = :site_id AND p.first_answered = :no
  AND (t.author_person_id IS NULL OR t.author_person_id <> c.person_id){owner_clause}
ORDER BY p.first_at, c.id
LIMIT :limit""").bindparams(bindparam("no", False)).columns(created_at=UTCDateTime)
        params: dict[str, Any] = {"site_id": site_id, "limit": limit}
        if owners:
            clause = clause.bindparams(bindparam("owners", expanding=True))
            params["owners"] = list(owners)
        return [WaitingComment(r.id, r.person_id, r.author_name, r.body_source, r.created_at, r.uri, r.title)
                for r in self._db.execute(clause, params)]

