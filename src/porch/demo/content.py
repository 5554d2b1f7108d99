"""Loading the seed conversations into a demo site, through the same use case as the API."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from porch.domain.sites import Site
from porch.errors import Conflict
from porch.services.analytics import assign_thread_author
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.services.sites import add_site

DEMO_SITE = "demo"


@dataclass(frozen=True)
class DemoComment:
    n: int
    author: str
    website: str | None
    parent: int | None
    published: datetime
    body: str


@dataclass(frozen=True)
class DemoPost:
    slug: str
    title: str
    author: str
    published: datetime
    url: str
    paragraphs: list[str]
    comments: list[DemoComment]


def _slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.rsplit("/", 1)[-1].removesuffix(".html").lower()).strip("-")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def demo_posts() -> list[DemoPost]:
    raw: dict[str, Any] = json.loads(resources.files("porch.demo").joinpath("seed-conversations.json").read_text())
    posts = []
    for post in raw["posts"]:
        posts.append(DemoPost(
            slug=_slug(post["url"]), title=post["title"], author=post["author"],
            published=_parse_time(post["published"]), url=post["url"],
            paragraphs=[p for p in post["content"].split("\n\n") if p.strip()],
            comments=[DemoComment(n=c["n"], author=c["author"], website=c.get("website"), parent=c.get("parent"),
                                  published=_parse_time(c["published"]), body=c["body"]) for c in post["comments"]],
        ))
    return posts


def load_demo(ctx: Context, origin: str, report: Callable[[str], None] | None = None) -> Site:
    """Create the demo site and post the seed comments as they happened (idempotent: loads once).

    They go through the same checks as a reader's (services/abuse.py): the seed's double submission
    is refused the second time, the link-only drive-by waits in the queue; ``report`` is told of each.
    """
    say = report or (lambda _line: None)
    with ctx.uow() as uow:
        existing = uow.sites.get_by_name(DEMO_SITE)
    if existing is not None:
        return existing
    site = add_site(ctx, DEMO_SITE, [origin])
    for post in demo_posts():
        ids: dict[int, int] = {}
        for comment in sorted(post.comments, key=lambda c: c.published):
            # Each seed author is one anonymous person, recognised by a per-name browser token.
            requester = Requester(browser_token=f"demo:{comment.author}")
            try:
                posted = post_comment(
                    ctx,
                    NewComment(site_key=site.key, uri=post.url, body=comment.body, title=post.title,
                               parent_id=ids.get(comment.parent) if comment.parent else None,
                               author_name=comment.author, author_website=comment.website),
                    requester,
                    now=comment.published,
                )
            except Conflict as refused:  # the seed's double submission: Porch says what it says to anyone
                say(f"refused {comment.author}'s comment {comment.n} on {post.slug!r}: {refused.detail}")
                continue
            ids[comment.n] = posted.comment.id
            if posted.held_because:
                say(f"held {comment.author}'s comment {comment.n} on {post.slug!r} for a moderator: "
                    f"{posted.held_because}")
        # The post's author is a person too (Carma also comments as herself): the analytics need to know.
        assign_thread_author(ctx, site.key, post.url, name=post.author, browser_token=f"demo:{post.author}")
    return site
