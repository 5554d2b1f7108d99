"""WordPress WXR 1.2, and Disqus's WXR-based "custom XML import format", written as a stream.

One ``<item>`` per thread (one query each, so memory follows the largest thread, not the
site), one ``<wp:comment>`` per comment, with ``comment_parent`` pointing at the parent's
``comment_id`` (Porch's comment ids). In WXR every comment is written: ``comment_approved``
1 published, 0 pending, ``spam``, ``trash`` for deleted (a tombstone: empty content), and
``comment_type`` pingback/trackback (mentions as ``mention``). Disqus's import format
knows only approved (1) and pending (0): spam and deleted comments are left out and their
replies hang from the nearest ancestor that is written. Pages stored as paths get the
site's first origin (Disqus and WordPress want absolute links).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from xml.sax.saxutils import escape

from porch.domain.sites import Site
from porch.storage.repositories.exports import ExportedComment, ExportedThread

WP_12 = "http://wordpress.org/export/1.2/"
WP_10 = "http://wordpress.org/export/1.0/"
DISQUS_IMPORT_NS = "http://www.disqus.com/"
APPROVED = {"published": "1", "pending": "0", "spam": "spam", "deleted": "trash"}
TYPES = {"comment": "", "pingback": "pingback", "trackback": "trackback", "mention": "mention"}


@dataclass
class ExportCounts:
    threads: int = 0
    comments: int = 0
    left_out: int = 0  # comments the format cannot hold (Disqus: spam, deleted)


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def sql_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "0000-00-00 00:00:00"


def absolute(site: Site, uri: str) -> str:
    if uri.startswith("/") and not uri.startswith("//") and site.primary_origin:
        return site.primary_origin + uri
    return uri


def write_wxr(
    out: IO[str], site: Site, *, threads: Iterable[ExportedThread],
    comments_of: Callable[[int], Iterable[ExportedComment]], disqus: bool = False,
) -> ExportCounts:
    """Write the WXR document (``disqus=True``: Disqus's import flavour); returns counts."""
    counts = ExportCounts()
    wp = WP_10 if disqus else WP_12
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
        f' xmlns:excerpt="{wp}excerpt/" xmlns:wp="{wp}"'
        + (f' xmlns:dsq="{DISQUS_IMPORT_NS}"' if disqus else "") + ">\n<channel>\n"
    )
    out.write(f"<title>{escape(site.name)}</title>\n<link>{escape(site.primary_origin or '')}</link>\n")
    if not disqus:
        out.write(f"<wp:wxr_version>1.2</wp:wxr_version>\n<wp:base_site_url>{escape(site.primary_origin or '')}"
                  f"</wp:base_site_url>\n")
    for thread in threads:
        counts.threads += 1
        _item(out, site, thread, comments_of(thread.id), disqus, counts)
    out.write("</channel>\n</rss>\n")
    return counts


def _item(out: IO[str], site: Site, thread: ExportedThread, comments: Iterable[ExportedComment], disqus: bool,
          counts: ExportCounts) -> None:
    out.write(f"<item>\n<title>{escape(thread.title)}</title>\n<link>{escape(absolute(site, thread.uri))}</link>\n")
    out.write(f"<content:encoded>{cdata('')}</content:encoded>\n")
    if disqus:
        out.write(f"<dsq:thread_identifier>{escape(thread.key)}</dsq:thread_identifier>\n")
    out.write(f"<wp:post_id>{thread.id}</wp:post_id>\n<wp:post_date_gmt>{sql_time(thread.created_at)}"
              f"</wp:post_date_gmt>\n<wp:comment_status>{'closed' if thread.closed else 'open'}</wp:comment_status>\n")
    if not disqus:
        out.write("<wp:post_type>post</wp:post_type>\n<wp:status>publish</wp:status>\n")
    written_parent: dict[int, int] = {}  # Disqus: comment id -> the id its replies hang from
    for comment in comments:
        parent = comment.parent_id or 0
        if disqus:
            parent = written_parent.get(parent, 0) if parent else 0
            if comment.status not in ("published", "pending"):
                written_parent[comment.id] = parent
                counts.left_out += 1
                continue
            written_parent[comment.id] = comment.id
        _comment(out, comment, parent, disqus)
        counts.comments += 1
    out.write("</item>\n")


def _comment(out: IO[str], comment: ExportedComment, parent: int, disqus: bool) -> None:
    when = sql_time(comment.created_at)
    fields = [
        ("comment_id", str(comment.id)),
        ("comment_author", cdata(comment.author_name)),
        ("comment_author_email", escape(comment.author_email or "")),
        ("comment_author_url", escape(comment.author_website or "")),
        ("comment_author_IP", escape(comment.remote_addr or "")),
        ("comment_date", when),
        ("comment_date_gmt", when),
        ("comment_content", cdata(comment.body_html)),
        ("comment_approved", APPROVED.get(comment.status, "0")),
        ("comment_type", TYPES.get(comment.kind, "")),
        ("comment_parent", str(parent)),
        ("comment_user_id", "0"),
    ]
    out.write("<wp:comment>\n")
    for name, value in fields:
        if disqus and name in ("comment_date", "comment_type", "comment_user_id"):
            continue
        out.write(f"<wp:{name}>{value}</wp:{name}>\n")
    out.write("</wp:comment>\n")

