"""Importing a site's history: importer records in, threads, people and comments stored.

:func:`import_site` is all-or-nothing: the whole file goes in one transaction, so a file
that turns out malformed on its last line, or any failure mid-way, leaves nothing behind;
``dry_run`` runs everything, reports the same summary, and rolls back.

It is idempotent: each imported comment keeps its ref (``disqus:123``) per thread, and a
ref stored already is counted as *already imported* and left alone, so the same file twice
changes nothing and a newer export adds only what is new (a changed status in the newer
file is not applied: imports add, moderators decide).

Faithful, as the issue asks:
- threads are keyed by :func:`porch.domain.threads.thread_key` (two source threads on one
  page become one conversation);
- deleted comments are stored as tombstones, so replies to them keep their place (and a
  reply arriving in a later export still finds its parent); spam and trashed comments
  are kept but never published; pending stays pending; pingbacks and trackbacks keep
  their ``kind``;
- authors become people: same email, same person (also across sites and with people who
  commented natively); else the source's stable user id (a Disqus username); an author
  with neither keeps their name on the comment but belongs to no person. Imported
  addresses are never marked verified;
- imported HTML is sanitised with the same allow-list as rendered Markdown;
- anything not imported is reported by ref with the reason, and a reply whose parent is
  missing is kept at the top level and reported.

Memory stays flat: comments are written in batches as they stream in; parents are joined
in SQL at the end (a reply may precede its parent in the file). The source's thread
records wait in a staging table (a temporary one, gone with the transaction); only a batch,
and comments waiting for a thread that has not appeared yet, are held in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from porch.domain.markup import sanitise_html
from porch.domain.people import (
    EMAIL_PATTERN,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    MAX_WEBSITE_LENGTH,
    normalise_email,
)
from porch.domain.sites import Site
from porch.domain.threads import MAX_TITLE_LENGTH, MAX_URI_LENGTH, thread_key
from porch.errors import InvalidInput, NotFound
from porch.importers.records import (
    CommentRecord,
    ImportRecord,
    NoticeRecord,
    PersonRecord,
    SkippedRecord,
    ThreadRecord,
)
from porch.services.analytics_rollups import enqueue_rollup_job
from porch.services.context import Context
from porch.services.inbox_index import note_site_imported
from porch.storage.repositories.imports import ImportRepository, ThreadStaging
from porch.storage.unit_of_work import UnitOfWork

BATCH_SIZE = 1000
MAX_REPORTED = 1000  # skipped items listed one by one; beyond that only counted


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do)."""

    site: str
    dry_run: bool
    threads_created: int = 0
    threads_touched: int = 0
    comments: Counter[str] = field(default_factory=Counter)  # new comments by status
    kinds: Counter[str] = field(default_factory=Counter)  # new comments by kind
    already_imported: int = 0
    people_created: int = 0
    people_matched: set[int] = field(default_factory=set)  # existing people new comments were given
    skipped: list[SkippedRecord] = field(default_factory=list)
    skipped_count: int = 0
    notices: list[str] = field(default_factory=list)

    @property
    def comments_imported(self) -> int:
        return sum(self.comments.values())

    def skip(self, record: SkippedRecord) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_REPORTED:
            self.skipped.append(record)


@dataclass(frozen=True)
class ImportProgress:
    comments_read: int
    comments_imported: int


def import_site(
    ctx: Context,
    site_name_or_key: str,
    records: Iterable[ImportRecord],
    *,
    dry_run: bool = False,
    progress: Callable[[ImportProgress], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Store what an importer read into a site, all or nothing (docs/subsystems/imports.md)."""
    with ctx.uow(write=True) as uow:
        site = uow.sites.get_by_name(site_name_or_key) or uow.sites.get_by_key(site_name_or_key)
        if site is None:
            raise NotFound(f"there is no site named {site_name_or_key!r}", code="unknown_site")
        run = _ImportRun(uow, site, ctx.clock(), ImportSummary(site=site.name, dry_run=dry_run), progress, batch_size)
        for record in records:
            run.take(record)
        run.finish()
        if not dry_run:
            note_site_imported(uow, site.id)  # imported replies and mentions reach the inboxes
            if run.summary.comments_imported:
                enqueue_rollup_job(uow, site.id, ctx.clock())  # the dashboard's rollups, by the worker
            uow.commit()
    return run.summary


class _ImportRun:
    """The state of one import: the source's thread map, a batch, people seen."""

    def __init__(
        self,
        uow: UnitOfWork,
        site: Site,
        now: datetime,
        summary: ImportSummary,
        progress: Callable[[ImportProgress], None] | None,
        batch_size: int,
    ):
        self.uow = uow
        self.repo = ImportRepository(uow.connection)
        self.site = site
        self.now = now
        self.summary = summary
        self.progress = progress
        self.batch_size = batch_size
        # The source's threads go to a staging table (storage/repositories/imports.py): only a
        # batch of them, and of comments, is held here, whatever the file's size.
        self.staging = ThreadStaging(uow.connection)
        self.staging.create()
        self.thread_records: dict[str, ThreadRecord] = {}  # read, not yet staged (at most a batch)
        self.waiting: list[CommentRecord] = []  # comments whose thread has not appeared yet
        self.batch: list[CommentRecord] = []
        self.person_refs: dict[str, int] = {}  # Porch export person ref -> person id (Porch files only)
        # People with a larger id were created by this import: "matched" counts only those before it.
        self.first_new_person = self.staging.max_person_id() + 1
        self.read = 0

    # records ------------------------------------------------------------------------------
    def take(self, record: ImportRecord) -> None:
        if isinstance(record, CommentRecord):
            self.read += 1
            self._comment(record)
        elif isinstance(record, ThreadRecord):
            self._thread(record)
        elif isinstance(record, PersonRecord):
            self._person(record)
        elif isinstance(record, SkippedRecord):
            self.summary.skip(record)
        elif isinstance(record, NoticeRecord):
            self.summary.notices.append(record.message)

    def _thread(self, record: ThreadRecord) -> None:
        # Placed on the page when its first comment arrives: a post nobody commented on
        # makes no conversation.
        # The first record of a thread wins (a Blogger comment repeats its post's page).
        self.thread_records.setdefault(record.ref, record)
        if len(self.thread_records) >= self.batch_size:
            self._stage_threads()

    def _stage_threads(self) -> None:
        records, self.thread_records = self.thread_records, {}
        self.staging.add(
            [
                {
                    "ref": r.ref, "uri": _text(r.uri), "title": _text(r.title), "created_at": r.created_at,
                    "closed": r.closed,
                    "deleted": r.deleted, "thread_id": None, "reason": None,
                }
                for r in records.values()
            ]
        )

    def _place_all(self, staged: list[Any]) -> tuple[dict[str, int], dict[str, str]]:
        """Create (or find) the pages of a batch's new source threads in a few statements: their
        ids by ref, and why the others cannot be placed."""
        keyed: dict[str, tuple[str, Any]] = {}
        refused: dict[str, str] = {}
        for record in staged:
            if record.deleted:
                refused[record.ref] = self._unplaceable(record.ref, "thread deleted in the source")
            elif not record.uri.strip():
                refused[record.ref] = self._unplaceable(record.ref, "thread has no page URL")
            else:
                try:
                    keyed[record.ref] = (thread_key(record.uri, self.site.primary_origin), record)
                except InvalidInput as exc:
                    reason = f"page {record.uri!r}: {exc.detail.removeprefix('uri: ')}"
                    refused[record.ref] = self._unplaceable(record.ref, reason)
        self.staging.refuse(refused)
        if not keyed:
            return {}, refused
        ids = self.repo.threads_by_key(self.site.id, {key for key, _ in keyed.values()})
        new: dict[str, dict[str, Any]] = {}
        for key, record in keyed.values():
            if key not in ids and key not in new:
                new[key] = {
                    "site_id": self.site.id,
                    "key": key,
                    "uri": record.uri.strip()[:MAX_URI_LENGTH],
                    "title": _clip(record.title, MAX_TITLE_LENGTH) or record.uri.strip()[:MAX_TITLE_LENGTH],
                    "created_at": record.created_at or self.now,
                    "comment_count": 0,
                    "closed": record.closed,
                }
        ids.update(self.repo.add_threads(list(new.values())))
        self.summary.threads_created += len(new)
        placed = {thread_ref: ids[key] for thread_ref, (key, _) in keyed.items()}
        self.staging.place(placed)
        return placed, refused

    def _unplaceable(self, thread_ref: str, reason: str) -> str:
        self.summary.skip(SkippedRecord(thread_ref, reason))
        return f"its thread {thread_ref} was skipped: {reason}"

    def _is_native(self, ref: str, kind: str = "") -> bool:
        prefix = f"porch:{self.site.key}:{kind}"
        return ref.startswith(prefix) and ref[len(prefix) :].isdigit()

    def _person(self, record: PersonRecord) -> None:
        emails = [email for email in (_clean_email(e) for e in record.emails) if email]
        by_email = self.repo.people_by_email(emails)
        person_id = next((by_email[e] for e in emails if e in by_email), None)
        if person_id is None and self._is_native(record.ref, "person:"):
            native_id = int(record.ref.rsplit(":", 1)[1])
            person_id = native_id if self.repo.person_exists(native_id) else None
        if person_id is None:
            person_id = self.repo.people_by_ref([record.ref]).get(record.ref)
        if person_id is None:
            person_id = self.repo.add_person(
                display_name=_clip(record.display_name, MAX_NAME_LENGTH) or "Anonymous",
                website=_clean_website(record.website),
                avatar_url=_clean_website(record.avatar_url),
                import_ref=record.ref,
                created_at=record.created_at or self.now,
            )
            self.summary.people_created += 1
        elif person_id < self.first_new_person:
            self.summary.people_matched.add(person_id)
        for email in emails:
            if email not in by_email:
                self.repo.add_email(person_id, email)
        self.person_refs[record.ref] = person_id

    def _comment(self, record: CommentRecord) -> None:
        self.batch.append(record)
        if len(self.batch) >= self.batch_size:
            self._flush()

    # batches ------------------------------------------------------------------------------
    def _flush(self, *, final: bool = False) -> None:
        records, self.batch = self.batch, []
        if not records:
            return
        self._stage_threads()
        staged = self.staging.get(r.thread_ref for r in records)
        # first come, first created: thread ids follow the file
        unplaced = {r.thread_ref: staged[r.thread_ref] for r in records if r.thread_ref in staged}
        placed, refused = self._place_all(
            [row for row in unplaced.values() if row.thread_id is None and row.reason is None]
        )
        batch: list[tuple[CommentRecord, int]] = []
        for record in records:
            row = staged.get(record.thread_ref)
            if row is None:
                if final:
                    self.summary.skip(SkippedRecord(record.ref, f"thread {record.thread_ref} is not in the file"))
                else:
                    self.waiting.append(record)  # its thread may come later in the file
            elif row.thread_id is not None or record.thread_ref in placed:
                batch.append((record, row.thread_id or placed[record.thread_ref]))
            else:
                self.summary.skip(SkippedRecord(record.ref, row.reason or refused[record.thread_ref]))
        existing = self.repo.existing_comment_refs((thread_id, record.ref) for record, thread_id in batch)
        # Porch's own export of this very site names comments born here by their id.
        native = {r.ref: int(r.ref.rsplit(":", 1)[1]) for r, _ in batch if self._is_native(r.ref)}
        if native:
            here = self.repo.comment_ids_in_site(self.site.id, native.values())
            existing.update((t, r.ref) for r, t in batch if native.get(r.ref) in here)
        fresh: list[tuple[CommentRecord, int]] = []
        seen: set[tuple[int, str]] = set()
        for record, thread_id in batch:
            key = (thread_id, record.ref)
            if key in existing:
                self.summary.already_imported += 1
            elif key in seen:
                self.summary.skip(SkippedRecord(record.ref, "appears twice in the file; the first is kept"))
            else:
                seen.add(key)
                fresh.append((record, thread_id))
        people = self._people_for(record for record, _ in fresh)
        rows = [
            self._row(record, thread_id, person_id)
            for (record, thread_id), person_id in zip(fresh, people, strict=True)
        ]
        with_votes = any(record.votes for record, _ in fresh)
        inserted = self.repo.add_comments(rows, returning=with_votes)
        if with_votes:
            self._add_votes(fresh, inserted)
        for record, _ in fresh:
            self.summary.comments[record.status.value] += 1
            self.summary.kinds[record.kind.value] += 1
        if self.progress:
            self.progress(ImportProgress(self.read, self.summary.comments_imported))

    def _people_for(self, records: Iterable[CommentRecord]) -> list[int | None]:
        """The person behind each comment, created when new: by email, then by source ref."""
        records = list(records)
        emails = [_clean_email(r.author.email) for r in records]
        by_email = self.repo.people_by_email(e for e in emails if e)
        wanted_refs = [r.author.ref for r in records if r.author.ref and r.author.ref not in self.person_refs]
        by_ref = {**self.repo.people_by_ref(wanted_refs), **self.person_refs}
        result: list[int | None] = []
        for record, email in zip(records, emails, strict=True):
            ref = record.author.ref
            person_id = by_email.get(email) if email else None
            if person_id is None and ref:
                person_id = by_ref.get(ref)
                if person_id is not None and email:
                    self.repo.add_email(person_id, email)
                    by_email[email] = person_id
            if person_id is None and (email or ref):
                person_id = self.repo.add_person(
                    display_name=_clip(record.author.name, MAX_NAME_LENGTH) or "Anonymous",
                    website=_clean_website(record.author.website),
                    avatar_url=None,
                    import_ref=ref,
                    created_at=record.created_at,
                )
                self.summary.people_created += 1
                if email:
                    self.repo.add_email(person_id, email)
                    by_email[email] = person_id
                if ref:
                    by_ref[ref] = person_id
            elif person_id is not None and person_id < self.first_new_person:
                self.summary.people_matched.add(person_id)
            result.append(person_id)
        return result

    def _row(self, record: CommentRecord, thread_id: int, person_id: int | None) -> dict[str, Any]:
        return {
            "thread_id": thread_id,
            "parent_id": None,
            "person_id": person_id,
            "author_name": _clip(record.author.name, MAX_NAME_LENGTH),
            "author_website": _clean_website(record.author.website),
            "body_source": _text(record.body_source if record.body_source is not None else record.body_html),
            "body_html": sanitise_html(_text(record.body_html)).strip() if record.body_html else "",
            "status": record.status.value,
            "created_at": record.created_at,
            "edited_at": record.edited_at,
            "upvotes": max(record.upvotes, 0),
            "downvotes": max(record.downvotes, 0),
            "edit_token_hash": None,
            "remote_addr": record.remote_addr,
            "kind": record.kind.value,
            "import_ref": record.ref,
            "import_parent_ref": record.parent_ref,
        }

    def _add_votes(self, fresh: list[tuple[CommentRecord, int]], inserted: list[tuple[int, int, str]]) -> None:
        ids = {(thread_id, ref): comment_id for comment_id, thread_id, ref in inserted}
        refs = {vote.person_ref for record, _ in fresh for vote in record.votes} - set(self.person_refs)
        known = {**self.repo.people_by_ref(refs), **self.person_refs}
        rows = []
        for record, thread_id in fresh:
            for vote in record.votes:
                person_id = known.get(vote.person_ref)
                if person_id is None or vote.value not in (-1, 1):
                    self.summary.skip(
                        SkippedRecord(f"{record.ref} vote", f"voter {vote.person_ref} is not in the file")
                    )
                    continue
                rows.append(
                    {
                        "comment_id": ids[(thread_id, record.ref)],
                        "person_id": person_id,
                        "value": vote.value,
                        "updated_at": vote.updated_at,
                    }
                )
        self.repo.add_votes(rows)

    # the end of the file ------------------------------------------------------------------
    def finish(self) -> None:
        self._flush()
        waiting, self.waiting = self.waiting, []
        for start in range(0, len(waiting), self.batch_size):
            self.batch = waiting[start : start + self.batch_size]
            self._flush(final=True)
        self.staging.resolve_parents()
        orphans, orphan_count = self.staging.unresolved_parents(MAX_REPORTED)
        for ref, parent_ref in orphans:
            self.summary.notices.append(f"{ref}: its parent {parent_ref} is not in the thread; shown at the top level")
        if orphan_count > len(orphans):
            self.summary.notices.append(f"and {orphan_count - len(orphans):,} more replies whose parent is missing")
        self.staging.refresh_thread_counts()
        self.summary.threads_touched = self.staging.placed_count()
        self.staging.drop()
        if self.progress:
            self.progress(ImportProgress(self.read, self.summary.comments_imported))


def _text(text: str) -> str:
    # NUL is no character of any text we show, and PostgreSQL refuses it in text columns: an
    # Isso database or a JSON export may carry one (XML cannot).
    return text.replace("\x00", "")


def _clip(text: str | None, limit: int) -> str:
    return " ".join(_text(text or "").split())[:limit]


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email or len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        return None
    return normalise_email(email)


def _clean_website(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url or len(url) > MAX_WEBSITE_LENGTH or any(ord(ch) < 32 for ch in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None
