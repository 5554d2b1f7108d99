"""The community measures' queries: plain rows out, the same SQL on SQLite and PostgreSQL.

Every query starts from the same two relations (see ``docs/subsystems/analytics.md``):
``site_pc`` — the site's published comments, all time — and ``p`` — those of the requested page
and period. Replies, first comments and answers are looked up in ``site_pc`` because they may lie
outside the period. The few expressions the two databases spell differently (seconds since the
epoch, day and month of a timestamp) come from :class:`SqlDialect`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text
from sqlalchemy.sql.elements import TextClause

from porch.domain.metrics import RETURN_GAP_SECONDS, WAIT_BUCKETS
from porch.storage.schema import UTCDateTime, analytics_snapshots, threads


@dataclass(frozen=True)
class Scope:
    """Which comments a measure looks at: one site, optionally one thread, optionally a period [start, end)."""

    site_id: int
    thread_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class Totals:
    comments: int
    threads: int
    threads_with_conversation: int
    commenters: int
    votes: int
    replies: int
    top_level: int
    answered: int
    back_and_forth: int
    max_depth: int
    mean_depth: float | None


@dataclass(frozen=True)
class CommenterRow:
    person_id: int
    comments: int
    first_at: datetime  # first comment on the site, ever
    last_at: datetime  # last comment in the scope


@dataclass(frozen=True)
class AuthorPresence:
    pairs: int
    answered: int
    median_seconds: float | None
    threads_with_known_author: int


@dataclass(frozen=True)
class WaitingComment:
    comment_id: int
    person_id: int
    author_name: str
    body_source: str
    created_at: datetime
    thread_uri: str
    thread_title: str


class SqlDialect:
    def __init__(self, name: str):
        self.name = name

    def epoch(self, column: str) -> str:
        if self.name == "sqlite":
            # SQLite keeps UTC timestamps as ISO text; julianday reads them (to ~0.1 ms).
            return f"((julianday({column}) - 2440587.5) * 86400.0)"
        return f"EXTRACT(EPOCH FROM {column})"

    def round_ms(self, expression: str) -> str:
        """Seconds rounded to milliseconds (julianday's float noise off; PostgreSQL rounds only numerics)."""
        if self.name == "sqlite":
            return f"ROUND({expression}, 3)"
        return f"ROUND(CAST({expression} AS numeric), 3)"

    @property
    def false(self) -> str:
        return "0" if self.name == "sqlite" else "false"

    def plus_seconds(self, column: str, seconds: float) -> str:
        """A moment ``seconds`` after ``column``, comparable with the column's type (a lower bound, to the ms)."""
        if self.name == "sqlite":
            return f"strftime('%Y-%m-%d %H:%M:%f', {column}, '+{seconds} seconds')"
        return f"({column} + interval '{seconds} seconds')"

    def day(self, column: str) -> str:
        if self.name == "sqlite":
            return f"substr({column}, 1, 10)"
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

    def month(self, column: str) -> str:
        if self.name == "sqlite":
            return f"substr({column}, 1, 7)"
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"


# The authors of each thread of the site: its named author, else the persons of the site's owners.
_THREAD_AUTHORS = """
thread_authors AS (
    SELECT t.id AS thread_id, t.author_person_id AS person_id
    FROM threads t WHERE t.site_id = :site_id AND t.author_person_id IS NOT NULL
    UNION
    SELECT t.id, a.person_id
    FROM threads t
    JOIN site_roles r ON r.site_id = t.site_id AND r.role = 'owner'
    JOIN accounts a ON a.id = r.account_id
    WHERE t.site_id = :site_id AND t.author_person_id IS NULL
)"""

# A reply "from someone else": a comment answering yourself is not an answer.
_OTHER = "(r.person_id IS NULL OR c.person_id IS NULL OR r.person_id <> c.person_id)"


class AnalyticsRepository:
    def __init__(self, connection: Connection):
        self._db = connection
        self._sql = SqlDialect(connection.dialect.name)

    # building blocks ---------------------------------------------------------------------------
    def _with(self, scope: Scope, *more: str) -> str:
        conditions = self._conditions(scope)
        where = " AND ".join(conditions) or "1 = 1"
        ctes = [
            """site_pc AS (
    SELECT c.id, c.thread_id, c.parent_id, c.person_id, c.created_at, c.upvotes, c.downvotes
    FROM comments c JOIN threads t ON t.id = c.thread_id
    WHERE t.site_id = :site_id AND c.status = 'published'
)""",
            f"p AS (SELECT * FROM site_pc WHERE {where})",
            *more,
        ]
        return "WITH " + ",\n".join(ctes) + "\n"

    def _conditions(self, scope: Scope) -> list[str]:
        conditions = []
        if scope.thread_id is not None:
            conditions.append("thread_id = :thread_id")
        if scope.start is not None:
            conditions.append("created_at >= :start")
        if scope.end is not None:
            conditions.append("created_at < :end")
        return conditions

    def _first_replies(self) -> str:
        # Per comment, its earliest published reply from someone else.
        return f"""first_replies AS (
    SELECT c.id AS comment_id, MIN(r.created_at) AS first_reply_at
    FROM p c JOIN comments r ON r.parent_id = c.id AND r.status = 'published'
    WHERE {_OTHER}
    GROUP BY c.id
)"""

    def _query(self, sql: str, scope: Scope, **columns: Any) -> TextClause:
        params = [bindparam("site_id", scope.site_id)]
        if scope.thread_id is not None:
            params.append(bindparam("thread_id", scope.thread_id))
        if scope.start is not None:
            params.append(bindparam("start", scope.start, type_=UTCDateTime))
        if scope.end is not None:
            params.append(bindparam("end", scope.end, type_=UTCDateTime))
        clause = text(sql).bindparams(*params)
        return clause.columns(**columns) if columns else clause

    def _median(self, scope: Scope, *ctes: str, waits: str) -> float | None:
        # The median by ranks, as both databases lack a common percentile function:
        # rows (n+1)/2 and (n+2)/2 are the one middle row (n odd) or the two (n even).
        sql = self._with(
            scope, *ctes, f"waits AS ({waits})",
            "ranked AS (SELECT s, ROW_NUMBER() OVER (ORDER BY s) AS rn, COUNT(*) OVER () AS n FROM waits)",
        ) + "SELECT AVG(s) FROM ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2)"
        value = self._db.execute(self._query(sql, scope)).scalar()
        # julianday carries ~0.1 ms of float noise: milliseconds are all a wait is told in
        return round(float(value), 3) if value is not None else None

    # measures ----------------------------------------------------------------------------------
    def thread_id_for_key(self, site_id: int, key: str) -> int | None:
        row = self._db.execute(
            threads.select().with_only_columns(threads.c.id).where(threads.c.site_id == site_id, threads.c.key == key)
        ).first()
        return int(row.id) if row else None

    def totals(self, scope: Scope) -> Totals:
        """Volume and conversation counts over the scope's comments."""
        sql = self._with(scope, self._first_replies()) + """
SELECT COUNT(*) AS comments,
       COUNT(DISTINCT p.thread_id) AS threads,
       COUNT(DISTINCT CASE WHEN p.parent_id IS NOT NULL THEN p.thread_id END) AS threads_with_conversation,
       COUNT(DISTINCT p.person_id) AS commenters,
       COALESCE(SUM(p.upvotes + p.downvotes), 0) AS votes,
       COUNT(p.parent_id) AS replies,
       COALESCE(SUM(CASE WHEN p.parent_id IS NULL THEN 1 ELSE 0 END), 0) AS top_level,
       (SELECT COUNT(*) FROM first_replies) AS answered
FROM p"""
        row = self._db.execute(self._query(sql, scope)).one()
        back_and_forth = self._db.execute(self._query(self._with(scope) + """
SELECT COUNT(*) FROM p r
JOIN comments c ON c.id = r.parent_id AND c.status = 'published'
JOIN comments g ON g.id = c.parent_id AND g.status = 'published'
WHERE r.person_id = g.person_id AND r.person_id <> c.person_id""", scope)).scalar_one()
        max_depth, mean_depth = self._depth(scope)
        return Totals(
            comments=row.comments, threads=row.threads, threads_with_conversation=row.threads_with_conversation,
            commenters=row.commenters, votes=int(row.votes), replies=row.replies, top_level=int(row.top_level),
            answered=row.answered, back_and_forth=back_and_forth, max_depth=max_depth, mean_depth=mean_depth,
        )

    def _depth(self, scope: Scope) -> tuple[int, float | None]:
        # A comment's level counts every ancestor, published or not: it is the tree's shape. The walk
        # starts from the roots of the page's thread (or of the site's threads) — found by thread, not
        # through the parent_id index that lists every root of every site — and carries the thread,
        # status and time along, so the levels are never joined back to the comments.
        in_scope = " AND ".join(["status = 'published'", *self._conditions(scope)])
        roots = "t.site_id = :site_id" + (" AND c.thread_id = :thread_id" if scope.thread_id is not None else "")
        sql = self._with(scope, f"""levels(id, thread_id, level, status, created_at) AS (
    SELECT c.id, c.thread_id, 1, c.status, c.created_at FROM comments c JOIN threads t ON t.id = c.thread_id
    WHERE {roots} AND COALESCE(c.parent_id, 0) = 0
    UNION ALL
    SELECT c.id, c.thread_id, l.level + 1, c.status, c.created_at FROM comments c JOIN levels l ON c.parent_id = l.id
)""", f"""deepest AS (
    SELECT thread_id, MAX(level) AS depth FROM levels WHERE {in_scope} GROUP BY thread_id
)""").replace("WITH ", "WITH RECURSIVE ", 1)
        sql += "SELECT MAX(depth) AS max_depth, AVG(depth * 1.0) AS mean_depth FROM deepest"
        row = self._db.execute(self._query(sql, scope)).one()
        return int(row.max_depth or 0), (float(row.mean_depth) if row.mean_depth is not None else None)

    def first_reply_waits(self, scope: Scope) -> tuple[float | None, list[int]]:
        """The median wait for a first reply from someone else, and the waits counted per WAIT_BUCKET."""
        waits = (
            f"SELECT {self._sql.epoch('fr.first_reply_at')} - {self._sql.epoch('p.created_at')} AS s "
            "FROM first_replies fr JOIN comments p ON p.id = fr.comment_id"
        )
        median = self._median(scope, self._first_replies(), waits=waits)
        cases = " ".join(
            f"WHEN s < {upper} THEN {index}" for index, (_label, upper) in enumerate(WAIT_BUCKETS[:-1])
        )
        buckets_sql = self._with(scope, self._first_replies(), f"waits AS ({waits})") + (
            f"SELECT CASE {cases} ELSE {len(WAIT_BUCKETS) - 1} END AS bucket, COUNT(*) AS n FROM waits GROUP BY 1"
        )
        counts = [0] * len(WAIT_BUCKETS)
        for bucket, n in self._db.execute(self._query(buckets_sql, scope)):
            counts[int(bucket)] = int(n)
        return median, counts

    def author_presence(self, scope: Scope) -> AuthorPresence:
        """Pairs (thread, commenter) under a known author, how many the author answered, and how fast."""
        ctes = (
            _THREAD_AUTHORS,
            """pairs AS (
    SELECT p.thread_id, p.person_id, MIN(p.created_at) AS first_at FROM p
    WHERE p.person_id IS NOT NULL
      AND p.thread_id IN (SELECT thread_id FROM thread_authors)
      AND NOT EXISTS (SELECT 1 FROM thread_authors ta
                      WHERE ta.thread_id = p.thread_id AND ta.person_id = p.person_id)
    GROUP BY p.thread_id, p.person_id
)""",
            """answers AS (
    SELECT c.thread_id, c.person_id, MIN(r.created_at) AS answered_at
    FROM comments c
    JOIN comments r ON r.parent_id = c.id AND r.status = 'published'
    JOIN thread_authors ta ON ta.thread_id = r.thread_id AND ta.person_id = r.person_id
    WHERE c.status = 'published' AND c.person_id IS NOT NULL
      AND c.thread_id IN (SELECT thread_id FROM pairs)
    GROUP BY c.thread_id, c.person_id
)""",
        )
        row = self._db.execute(self._query(self._with(scope, *ctes) + """
SELECT COUNT(*) AS pairs, COUNT(a.answered_at) AS answered, COUNT(DISTINCT pairs.thread_id) AS threads
FROM pairs LEFT JOIN answers a ON a.thread_id = pairs.thread_id AND a.person_id = pairs.person_id""", scope)).one()
        waits = (
            f"SELECT CASE WHEN {self._sql.epoch('a.answered_at')} > {self._sql.epoch('pairs.first_at')} "
            f"THEN {self._sql.epoch('a.answered_at')} - {self._sql.epoch('pairs.first_at')} ELSE 0 END AS s "
            "FROM pairs JOIN answers a ON a.thread_id = pairs.thread_id AND a.person_id = pairs.person_id"
        )
        median = self._median(scope, *ctes, waits=waits)
        return AuthorPresence(
            pairs=row.pairs, answered=row.answered, threads_with_known_author=row.threads,
            median_seconds=median,
        )

    def commenters(self, scope: Scope) -> list[CommenterRow]:
        """Each commenter of the scope: comments in it, first comment on the site, last in the scope."""
        sql = self._with(scope, """firsts AS (
    SELECT person_id, MIN(created_at) AS first_at FROM site_pc
    WHERE person_id IS NOT NULL AND person_id IN (SELECT person_id FROM p)
    GROUP BY person_id
)""") + """
SELECT p.person_id, COUNT(*) AS comments, f.first_at, MAX(p.created_at) AS last_at
FROM p JOIN firsts f ON f.person_id = p.person_id
GROUP BY p.person_id, f.first_at"""
        rows = self._db.execute(
            self._query(sql, scope, first_at=UTCDateTime, last_at=UTCDateTime)
        )
        return [CommenterRow(r.person_id, r.comments, r.first_at, r.last_at) for r in rows]

    def newcomers(self, scope: Scope) -> list[tuple[int, datetime, datetime | None]]:
        """People whose first comment on the site is in the scope, with their first comment ≥ a day later."""
        epoch = self._sql.epoch
        sql = self._with(scope, self._firsts_in_scope()) + f"""
SELECT f.person_id, f.first_at, MIN(c.created_at) AS came_back_at
FROM firsts f LEFT JOIN site_pc c
  ON c.person_id = f.person_id
  AND {self._sql.round_ms(f"{epoch('c.created_at')} - {epoch('f.first_at')}")} >= {RETURN_GAP_SECONDS}
GROUP BY f.person_id, f.first_at"""
        rows = self._db.execute(
            self._query(sql, scope, first_at=UTCDateTime, came_back_at=UTCDateTime)
        )
        return [(r.person_id, r.first_at, r.came_back_at) for r in rows]

    def _firsts_in_scope(self) -> str:
        # The people first seen in the scope: their first comment on the site is one of p's.
        return """firsts AS (
    SELECT f.person_id, f.first_at FROM (
        SELECT person_id, MIN(created_at) AS first_at FROM site_pc
        WHERE person_id IS NOT NULL AND person_id IN (SELECT person_id FROM p)
        GROUP BY person_id
    ) f
    WHERE EXISTS (SELECT 1 FROM p WHERE p.person_id = f.person_id AND p.created_at = f.first_at)
)"""

    def cohort_activity(self, scope: Scope) -> list[tuple[str, str, int]]:
        """(cohort month, month with a comment, people) for the people first seen in the scope."""
        month = self._sql.month
        sql = self._with(scope, self._firsts_in_scope()) + f"""
SELECT {month('f.first_at')} AS cohort, {month('c.created_at')} AS active, COUNT(DISTINCT c.person_id) AS people
FROM firsts f JOIN site_pc c ON c.person_id = f.person_id
GROUP BY 1, 2"""
        return [(r.cohort, r.active, int(r.people)) for r in self._db.execute(self._query(sql, scope))]

    def activity(self, scope: Scope) -> list[tuple[str, int, int]]:
        """(UTC day, comments, commenters) for each day of the scope with comments."""
        day = self._sql.day("created_at")
        sql = self._with(scope) + (
            f"SELECT {day} AS day, COUNT(*) AS comments, COUNT(DISTINCT person_id) AS commenters "
            "FROM p GROUP BY 1 ORDER BY 1"
        )
        return [(r.day, int(r.comments), int(r.commenters)) for r in self._db.execute(self._query(sql, scope))]

    def replies_received(self, scope: Scope, person_ids: list[int]) -> dict[int, int]:
        """Replies from someone else to each person's comments in the scope."""
        if not person_ids:
            return {}
        sql = self._with(scope) + f"""
SELECT c.person_id, COUNT(*) AS n FROM p c JOIN comments r ON r.parent_id = c.id AND r.status = 'published'
WHERE c.person_id IN :people AND {_OTHER}
GROUP BY c.person_id"""
        clause = self._query(sql, scope).bindparams(bindparam("people", person_ids, expanding=True))
        return {int(r.person_id): int(r.n) for r in self._db.execute(clause)}

    def reply_edges(self, scope: Scope, limit: int) -> list[tuple[int, int, int]]:
        """(replier, replied-to, replies) for the scope's replies to someone else, heaviest first."""
        sql = self._with(scope) + """
SELECT r.person_id AS source, c.person_id AS target, COUNT(*) AS n
FROM p r JOIN comments c ON c.id = r.parent_id AND c.status = 'published'
WHERE r.person_id IS NOT NULL AND c.person_id IS NOT NULL AND r.person_id <> c.person_id
GROUP BY r.person_id, c.person_id
ORDER BY n DESC, source, target
LIMIT :limit"""
        clause = self._query(sql, scope).bindparams(bindparam("limit", limit))
        return [(int(r.source), int(r.target), int(r.n)) for r in self._db.execute(clause)]

    def names(self, person_ids: set[int]) -> dict[int, str]:
        if not person_ids:
            return {}
        clause = text("SELECT id, display_name FROM people WHERE id IN :ids").bindparams(
            bindparam("ids", sorted(person_ids), expanding=True)
        )
        return {int(r.id): r.display_name for r in self._db.execute(clause)}

    def newcomers_waiting(self, site_id: int, limit: int) -> list[WaitingComment]:
        """People's first comments on the site that nobody else has replied to yet, oldest first."""
        scope = Scope(site_id=site_id)
        sql = self._with(scope, _THREAD_AUTHORS, """ranked AS (
    SELECT id, person_id, created_at,
           ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY created_at, id) AS nth
    FROM site_pc WHERE person_id IS NOT NULL
)""") + f"""
SELECT c.id, c.person_id, c.author_name, c.body_source, c.created_at, t.uri, t.title
FROM ranked f
JOIN comments c ON c.id = f.id
JOIN threads t ON t.id = c.thread_id
WHERE f.nth = 1
  AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = c.id AND r.status = 'published' AND {_OTHER})
  AND NOT EXISTS (SELECT 1 FROM thread_authors ta WHERE ta.thread_id = c.thread_id AND ta.person_id = c.person_id)
ORDER BY c.created_at, c.id
LIMIT :limit"""
        clause = self._query(sql, scope, created_at=UTCDateTime).bindparams(bindparam("limit", limit))
        return [
            WaitingComment(r.id, r.person_id, r.author_name, r.body_source, r.created_at, r.uri, r.title)
            for r in self._db.execute(clause)
        ]

    def set_thread_author(self, thread_id: int, person_id: int | None) -> None:
        self._db.execute(threads.update().where(threads.c.id == thread_id).values(author_person_id=person_id))

    # snapshots ---------------------------------------------------------------------------------
    def fingerprint(self, site_id: int) -> str:
        """What a computed dashboard depends on, in one cheap query: every change to a comment moves its
        thread's ``version`` (database triggers, storage/thread_versions.py); authors and owners are added."""
        row = self._db.execute(text("""
SELECT (SELECT COUNT(*) FROM threads WHERE site_id = :site_id) AS threads,
       (SELECT COALESCE(SUM(version), 0) FROM threads WHERE site_id = :site_id) AS versions,
       (SELECT COALESCE(SUM(author_person_id), 0) FROM threads WHERE site_id = :site_id) AS authors,
       (SELECT COUNT(*) FROM site_roles WHERE site_id = :site_id AND role = 'owner') AS owners,
       (SELECT COALESCE(SUM(account_id), 0) FROM site_roles WHERE site_id = :site_id AND role = 'owner') AS owner_ids
""").bindparams(site_id=site_id)).one()
        return f"t{row.threads}:v{row.versions}:a{row.authors}:o{row.owners}/{row.owner_ids}"

    def snapshot(self, site_id: int, scope_key: str) -> tuple[str, datetime, dict[str, Any]] | None:
        row = self._db.execute(
            select(analytics_snapshots.c.fingerprint, analytics_snapshots.c.computed_at, analytics_snapshots.c.payload)
            .where(analytics_snapshots.c.site_id == site_id, analytics_snapshots.c.scope_key == scope_key)
        ).first()
        return (row.fingerprint, row.computed_at, row.payload) if row else None

    def keep_snapshot(
        self, site_id: int, scope_key: str, fingerprint: str, computed_at: datetime, payload: dict[str, Any]
    ) -> None:
        self._db.execute(
            delete(analytics_snapshots).where(
                analytics_snapshots.c.site_id == site_id, analytics_snapshots.c.scope_key == scope_key
            )
        )
        self._db.execute(insert(analytics_snapshots).values(
            site_id=site_id, scope_key=scope_key, fingerprint=fingerprint, computed_at=computed_at, payload=payload
        ))
