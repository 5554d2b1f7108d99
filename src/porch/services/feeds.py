"""Atom feeds (RFC 4287) of published comments, with RFC 4685 threading: per site, per thread,
and per person ("replies to me"). Built once per request from one page of entries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote, urlencode, urlsplit

from porch.domain.threads import check_page_uri, thread_key
from porch.errors import NotFound
from porch.services.context import Context
from porch.storage.repositories.feeds import FeedEntry, FeedRepository

PAGE_SIZE = 50
THREADING_NS = "http://purl.org/syndication/thread/1.0"


@dataclass(frozen=True)
class Feed:
    xml: str
    etag: str  # strong: a hash of the document
    last_modified: datetime | None


def _tag(ctx: Context, what: str) -> str:
    return f"tag:{urlsplit(ctx.base_url).hostname or 'porch.invalid'},2026:{what}"


def _page_url(entry: FeedEntry) -> str:
    uri = entry.thread_uri
    return f"{entry.site_origin or ''}{uri}" if uri.startswith("/") else uri


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _render(ctx: Context, *, feed_id: str, title: str, self_url: str, alternate: str | None,
            entries: list[FeedEntry], has_more: bool, fallback_updated: datetime) -> Feed:
    updated = max((entry.updated_at for entry in entries), default=fallback_updated)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="{THREADING_NS}">',
        f"<id>{escape(feed_id)}</id>",
        f"<title>{escape(title)}</title>",
        f"<updated>{_iso(updated)}</updated>",
        '<generator uri="https://github.com/porch">Porch</generator>',
        f'<link rel="self" type="application/atom+xml" href="{escape(self_url)}"/>',
    ]
    if alternate:
        parts.append(f'<link rel="alternate" type="text/html" href="{escape(alternate)}"/>')
    if has_more and entries:
        separator = "&" if "?" in self_url else "?"
        next_url = self_url + separator + urlencode({"before": entries[-1].id})
        parts.append(f'<link rel="next" href="{escape(next_url)}"/>')
    for entry in entries:
        page = _page_url(entry)
        author = f"<name>{escape(entry.author_name or 'Anonymous')}</name>"
        if entry.author_website:
            author += f"<uri>{escape(entry.author_website)}</uri>"
        parts += [
            "<entry>",
            f"<id>{_tag(ctx, f'comment-{entry.id}')}</id>",
            f"<title>{escape((entry.author_name or 'Anonymous') + ' on ' + entry.thread_title)}</title>",
            f"<author>{author}</author>",
            f"<published>{_iso(entry.created_at)}</published>",
            f"<updated>{_iso(entry.updated_at)}</updated>",
            f'<link rel="alternate" type="text/html" href="{escape(page)}#comment-{entry.id}"/>',
            f'<content type="html">{escape(entry.body_html)}</content>',
        ]
        if entry.parent_id is not None:
            ref = _tag(ctx, f"comment-{entry.parent_id}")
            parts.append(f'<thr:in-reply-to ref="{ref}" href="{escape(page)}#comment-{entry.parent_id}"/>')
        parts.append("</entry>")
    parts.append("</feed>")
    xml = "\n".join(parts) + "\n"
    etag = '"' + hashlib.sha256(xml.encode()).hexdigest()[:32] + '"'
    return Feed(xml, etag, updated if entries else None)


def _page(entries: list[FeedEntry]) -> tuple[list[FeedEntry], bool]:
    return entries[:PAGE_SIZE], len(entries) > PAGE_SIZE


def site_feed(ctx: Context, site_key: str, *, before: int | None = None) -> Feed:
    """The newest published comments on a site."""
    with ctx.uow() as uow:
        site = uow.sites.get_by_key(site_key)
        if site is None:
            raise NotFound(f"site: there is no site with key {site_key!r}", code="unknown_site")
        entries, more = _page(FeedRepository(uow.connection).site_entries(site.id, before=before, limit=PAGE_SIZE + 1))
    self_url = f"{ctx.base_url}/feeds/site.atom?site={quote(site.key)}"
    return _render(ctx, feed_id=_tag(ctx, f"site-{site.id}"), title=f"Comments on {site.name}", self_url=self_url,
                   alternate=site.primary_origin, entries=entries, has_more=more, fallback_updated=site.created_at)


def thread_feed(ctx: Context, site_key: str, uri: str, *, before: int | None = None) -> Feed:
    """The newest published comments of one page's conversation."""
    page = check_page_uri(uri)
    with ctx.uow() as uow:
        site = uow.sites.get_by_key(site_key)
        if site is None:
            raise NotFound(f"site: there is no site with key {site_key!r}", code="unknown_site")
        thread = uow.threads.get_by_key(site.id, thread_key(page, site.primary_origin))
        if thread is None:
            raise NotFound("there is no conversation on this page yet", code="unknown_thread")
        entries, more = _page(
            FeedRepository(uow.connection).thread_entries(thread.id, before=before, limit=PAGE_SIZE + 1)
        )
    self_url = f"{ctx.base_url}/feeds/thread.atom?{urlencode({'site': site.key, 'uri': uri})}"
    alternate = f"{site.primary_origin or ''}{thread.uri}" if thread.uri.startswith("/") else thread.uri
    return _render(ctx, feed_id=_tag(ctx, f"thread-{thread.id}"), title=f"Comments on {thread.title}",
                   self_url=self_url, alternate=alternate, entries=entries, has_more=more,
                   fallback_updated=thread.created_at)


def person_feed(ctx: Context, person_id: int, *, before: int | None = None) -> Feed:
    """Replies to a person's comments, on every site ("replies to me")."""
    with ctx.uow() as uow:
        person = uow.people.get(person_id)
        if person is None:
            raise NotFound(f"there is no person {person_id}", code="unknown_person")
        entries, more = _page(
            FeedRepository(uow.connection).replies_to_person(person_id, before=before, limit=PAGE_SIZE + 1)
        )
    return _render(ctx, feed_id=_tag(ctx, f"person-{person.id}"), title=f"Replies to {person.display_name}",
                   self_url=f"{ctx.base_url}/feeds/person/{person.id}.atom", alternate=None, entries=entries,
                   has_more=more, fallback_updated=person.created_at)
