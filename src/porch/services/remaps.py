"""Remapping thread URLs after a permalink change (``porch remap``; docs/subsystems/imports.md).

A blog that moves ``/2012/05/post.html`` to ``/post/`` keeps its conversations by telling Porch
which old page is which new one. Both sides are keyed like the core keys every page
(:func:`porch.domain.threads.thread_key`), so ``http://www.blog.example/a/`` and
``https://blog.example/a`` name the same thread.

- When no thread exists under the new key, the old thread is renamed: same id, same comments,
  new key and URL.
- When the new page has a conversation already (someone commented there after the move, or a
  newer export was imported under the new URL), the old thread is **merged** into it: its
  comments move over keeping their ids, times and replies, the merged thread keeps the new
  page's title and closed flag and starts when the older of the two did, its published count
  is recounted from the rows, and the old thread is deleted. A comment imported into both
  (same import ref, e.g. the same Disqus post in an export before and after the move) is one
  comment: the new thread's copy stays, replies to the old copy move to it.
- All or nothing: every pair is checked first (both URLs valid, the old thread exists), then
  all pairs are applied in order in one transaction, so a CSV with one bad line changes
  nothing, and chains (a→b, then b→c) work.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from porch.domain.threads import MAX_URI_LENGTH, thread_key
from porch.errors import ErrorList, InvalidInput, NotFound
from porch.services.context import Context
from porch.services.inbox_index import note_thread_changed
from porch.storage.repositories.remaps import RemapRepository

MAX_CSV_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Remap:
    """One old page → new page pair; ``line`` is where it came from (1 for the command line)."""

    old: str
    new: str
    line: int = 1


@dataclass
class RemapSummary:
    """What a remap did: threads renamed, merged into an existing one, or already in place."""

    site: str
    renamed: int = 0
    merged: int = 0
    unchanged: int = 0
    comments_moved: int = 0
    duplicates_dropped: int = 0
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (old key, new key, what happened)


def parse_remap_csv(text: str) -> list[Remap]:
    """``old,new`` rows (an ``old,new`` header line is allowed; blank lines are skipped)."""
    pairs: list[Remap] = []
    problems = ErrorList()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells] == ["old", "new"]:
            continue
        if len(cells) != 2 or not all(cells):
            problems.add(f"line {number}", f"expected two columns, old,new; got {len(cells)} value(s)")
            continue
        pairs.append(Remap(cells[0], cells[1], number))
    problems.raise_if_any()
    if not pairs:
        raise InvalidInput("the CSV holds no old,new rows", code="empty_remap")
    return pairs


def remap_threads(ctx: Context, site_name_or_key: str, pairs: Iterable[Remap]) -> RemapSummary:
    """Move conversations from old page URLs to new ones, merging into existing threads; all or nothing."""
    pairs = list(pairs)
    with ctx.uow(write=True) as uow:
        site = uow.sites.get_by_name(site_name_or_key) or uow.sites.get_by_key(site_name_or_key)
        if site is None:
            raise NotFound(f"there is no site named {site_name_or_key!r}", code="unknown_site")
        origin = site.primary_origin
        keyed: list[tuple[Remap, str, str]] = []
        problems = ErrorList()
        for pair in pairs:
            where = f"line {pair.line}" if len(pairs) > 1 or pair.line != 1 else ""
            keys: list[str] = []
            for side, uri in (("old", pair.old), ("new", pair.new)):
                try:
                    keys.append(thread_key(uri, origin))
                except InvalidInput as exc:
                    problems.add(f"{where} {side}".strip(), f"{uri!r}: {exc.detail.removeprefix('uri: ')}")
            if len(keys) == 2:
                keyed.append((pair, keys[0], keys[1]))
        problems.raise_if_any()
        repo = RemapRepository(uow.connection)
        summary = RemapSummary(site=site.name)
        for pair, old_key, new_key in keyed:
            if old_key == new_key:
                summary.unchanged += 1
                summary.changes.append((old_key, new_key, "unchanged"))
                continue
            source = repo.thread_by_key(site.id, old_key)
            if source is None:
                where = f" (line {pair.line})" if pair.line != 1 or len(pairs) > 1 else ""
                raise NotFound(
                    f"no conversation on {pair.old!r}{where} in {site.name}",
                    code="unknown_thread",
                )
            target = repo.thread_by_key(site.id, new_key)
            if target is None:
                repo.rename_thread(source.id, new_key, pair.new.strip()[:MAX_URI_LENGTH])
                summary.renamed += 1
                summary.changes.append((old_key, new_key, "renamed"))
                continue
            summary.duplicates_dropped += repo.drop_duplicates(source.id, target.id)
            summary.comments_moved += repo.move_comments(source.id, target.id)
            repo.move_followers(source.id, target.id)
            repo.keep_earliest_start(target.id, source.id)
            repo.delete_thread(source.id)
            repo.refresh_count(target.id)
            note_thread_changed(uow, target.id)  # the source's inbox rows went with it: the merged ones
            summary.merged += 1
            summary.changes.append((old_key, new_key, "merged"))
        uow.commit()
    return summary
