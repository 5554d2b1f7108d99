"""The inbox as an Atom feed (RFC 4287): one entry per conversation, its latest comments as content."""

from __future__ import annotations

from html import escape

from porch.domain.inbox import Conversation
from porch.services.inbox import InboxPage
from porch.web.api.serialize import iso


def _entry(conversation: Conversation, base: str) -> str:
    content = "".join(f"<p><strong>{escape(c.author)}</strong>:</p>{c.body_html}" for c in conversation.latest)
    label = f"{conversation.site}: {conversation.title}"
    if conversation.unread:
        label += f" ({conversation.unread} new)"
    return (
        "<entry>"
        f"<id>{escape(base)}/inbox/{conversation.source.value}/{conversation.id}</id>"
        f"<title>{escape(label)}</title>"
        f'<link rel="alternate" href="{escape(conversation.url, quote=True)}"/>'
        f"<updated>{iso(conversation.last_activity)}</updated>"
        f'<category term="{escape(conversation.source.value)}"/>'
        f'<content type="html">{escape(content)}</content>'
        "</entry>"
    )


def inbox_atom(page: InboxPage, base: str, person_id: int) -> str:
    updated = iso(page.conversations[0].last_activity) if page.conversations else "1970-01-01T00:00:00Z"
    entries = "".join(_entry(c, base) for c in page.conversations)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(base)}/inbox/feed/{person_id}</id><title>Your Porch inbox</title>"
        f'<link rel="alternate" href="{escape(base)}/inbox"/><updated>{updated}</updated>'
        f"<author><name>Porch</name></author>{entries}</feed>\n"
    )
