"""Comment text: Markdown in, safe HTML out, once, at write time.

markdown-it-py renders CommonMark with raw HTML switched off (a ``<script>`` typed by a
commenter is shown as text), then nh3 (ammonia) is the last word: only the tags and
attributes below survive, links may only point to http(s)/mailto, and every link gets
``rel="nofollow ugc noopener"`` so comment links pass no ranking and cannot reach the
opener. Images are not rendered (a comment must not load third-party trackers into every
reader's browser): ``![alt](url)`` becomes a link.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "em", "strong", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "hr",
     "h1", "h2", "h3", "h4", "h5", "h6"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


def _build_renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["linkify", "strikethrough"])
    md.disable("image")
    # markdown-it's own validateLink already refuses javascript:/vbscript:/file:/data: links;
    # nh3 below enforces the allow-list again, whatever the renderer does.
    return md


_renderer = _build_renderer()


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def _drop_disguised_urls(tag: str, attribute: str, value: str) -> str | None:
    # nh3 reads ``java&#1;&#2;script:…`` as a relative URL and keeps it; a browser that skips
    # control characters (as old ones did) would read javascript:. Judge the scheme with every
    # control and space character removed, and drop the URL when that scheme is not allowed.
    if attribute == "href":
        scheme, colon, _ = "".join(ch for ch in value if ord(ch) > 0x20 and ord(ch) != 0x7F).partition(":")
        if colon and _SCHEME.fullmatch(scheme) and scheme.lower() not in ALLOWED_URL_SCHEMES:
            return None
    return value


def sanitise_html(html: str) -> str:
    """Reduce any HTML to the comment allow-list (also used for imported HTML)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_drop_disguised_urls,
    )


def render_markdown(source: str) -> str:
    """Render a comment's Markdown source to sanitised HTML."""
    return sanitise_html(_renderer.render(source)).strip()


def html_contains_link(html: str) -> bool:
    """Whether rendered, sanitised comment HTML holds a link (hold-links moderation)."""
    return "<a " in html


def contains_link(source: str) -> bool:
    """Whether the comment's Markdown would render a link."""
    return html_contains_link(render_markdown(source))
