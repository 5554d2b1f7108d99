"""A generated community, written with bulk SQL: for the analytics benchmark and dashboard screenshots.

Not a use case — it bypasses ``post_comment`` on purpose (a million comments through the full
write path would take an hour) and writes rows the way an import of a long-lived blog would look:
posts published over time, each drawing comments for a few days; a few regulars carrying much of the
conversation (people are picked in proportion to how much they already wrote, so activity follows a
power law), newcomers arriving all along, about half of the comments being replies, and the author
answering some of them. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from porch.storage.schema import comments, people, threads

CHUNK = 20_000


@dataclass(frozen=True)
class GeneratedCommunity:
    threads: int
    people: int
    comments: int
    author_person_id: int


def _next_id(db: Connection, table: Any) -> int:
    return int(db.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _insert(db: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if db.dialect.name == "postgresql":
        # COPY is some twenty times faster than batched INSERTs for a million rows.
        columns = list(rows[0])
        cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
        return
    for start in range(0, len(rows), CHUNK):
        db.execute(insert(table), rows[start:start + CHUNK])


def generate_community(
    db: Connection, site_id: int, *, comments_total: int, start: datetime, days: int = 365, seed: int = 7,
    origin: str = "https://blog.example",
) -> GeneratedCommunity:
    """Write a site's worth of threads, people and published comments in ``db``'s transaction."""
    rng = random.Random(seed)
    thread_count = max(2, comments_total // 150)
    first_thread, first_person, first_comment = _next_id(db, threads), _next_id(db, people), _next_id(db, comments)

    author_id = first_person
    person_rows: list[dict[str, Any]] = [
        {"id": author_id, "display_name": "The Author", "created_at": start}
    ]
    writers: list[int] = []  # one entry per comment written: choosing from it favours the prolific
    thread_rows = []
    for n in range(thread_count):
        published = start + timedelta(days=days * n / thread_count)
        thread_rows.append({
            "id": first_thread + n, "site_id": site_id, "key": f"{origin.split('://', 1)[1]}/posts/{n}",
            "uri": f"{origin}/posts/{n}", "title": f"Post number {n}", "created_at": published,
            "comment_count": 0, "closed": False, "author_person_id": author_id,
        })

    comment_rows: list[dict[str, Any]] = []
    per_thread = [comments_total // thread_count] * thread_count
    for n in range(comments_total - sum(per_thread)):
        per_thread[n] += 1
    next_comment = first_comment
    for n, thread in enumerate(thread_rows):
        published: datetime = thread["created_at"]
        times = sorted(rng.expovariate(1 / 30.0) for _ in range(per_thread[n]))  # hours after publication
        in_thread: list[tuple[int, int]] = []  # (comment id, person id)
        for hours in times:
            created = published + timedelta(hours=hours)
            parent_id = None
            if in_thread and rng.random() < 0.5:
                # replies go mostly to recent comments
                parent_id, parent_person = in_thread[max(0, len(in_thread) - 1 - int(rng.expovariate(1 / 4.0)))]
                if rng.random() < 0.25 and parent_person != author_id:
                    person = author_id
                else:
                    person = _commenter(rng, writers, person_rows, created, n / thread_count)
            else:
                person = _commenter(rng, writers, person_rows, created, n / thread_count)
            writers.append(person)
            in_thread.append((next_comment, person))
            comment_rows.append({
                "id": next_comment, "thread_id": thread["id"], "parent_id": parent_id, "person_id": person,
                "author_name": "", "body_source": "A thought.", "body_html": "<p>A thought.</p>",
                "status": "published", "created_at": created, "upvotes": rng.choice((0, 0, 0, 1, 2)),
                "downvotes": 0,
            })
            next_comment += 1
        thread["comment_count"] = per_thread[n]
        thread["last_comment_at"] = comment_rows[-1]["created_at"] if per_thread[n] else None

    names = {row["id"]: row["display_name"] for row in person_rows}
    for row in comment_rows:
        row["author_name"] = names[row["person_id"]]
    _insert(db, people, person_rows)
    _insert(db, threads, thread_rows)
    _insert(db, comments, comment_rows)
    if db.dialect.name == "postgresql":
        for table in ("people", "threads", "comments"):
            db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
    return GeneratedCommunity(len(thread_rows), len(person_rows), len(comment_rows), author_id)


FIRST = ("Ada", "Bea", "Cal", "Dev", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Mo", "Nia", "Oz", "Pia")
LAST = ("Reed", "Shaw", "Tan", "Ueda", "Voss", "Wren", "Xu", "Yates", "Zorn", "Abe", "Brook", "Cole")


def _commenter(
    rng: random.Random, writers: list[int], person_rows: list[dict[str, Any]], now: datetime, progress: float
) -> int:
    # Newcomers arrive all along (more of them early on, when the blog is young).
    if not writers or rng.random() < 0.12 - 0.05 * progress:
        person_id = person_rows[-1]["id"] + 1
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        person_rows.append({"id": person_id, "display_name": name, "created_at": now})
        return person_id
    return writers[rng.randrange(len(writers))]
