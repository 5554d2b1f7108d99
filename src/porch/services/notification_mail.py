"""What notification mails say: plain text and HTML parts, the site's name, unsubscribe headers.

Everything a person typed (names, titles, comment text) is made single-line before it goes near
a header and HTML-escaped before it goes into the HTML part; comment bodies in HTML are the
stored, already sanitised ``body_html``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from typing import Any

CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
SUBJECT_PART_LENGTH = 80


def one_line(text: str, limit: int = SUBJECT_PART_LENGTH) -> str:
    """A value safe for a header: control characters (CR, LF, …) become spaces; long text is cut."""
    flat = CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class MailContent:
    to: str
    subject: str
    text: str
    html: str
    site_name: str
    unsubscribe_url: str | None = None

    def payload(self, now: datetime) -> dict[str, Any]:
        """The outbox payload: the whole message, so a retry sends the very same mail."""
        headers = [["Date", format_datetime(now)]]
        if self.unsubscribe_url:
            headers += [
                ["List-Unsubscribe", f"<{self.unsubscribe_url}>"],
                ["List-Unsubscribe-Post", "List-Unsubscribe=One-Click"],  # RFC 8058
            ]
        return {
            "to": self.to, "subject": self.subject, "text": self.text, "html": self.html,
            "from_name": one_line(self.site_name), "headers": headers,
        }


def _html(site_name: str, title: str, paragraphs: list[str], footer: str) -> str:
    body = "\n".join(paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f'<body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem">'
        f"<p style=\"color:#646c7c\">{escape(site_name)}</p>\n{body}\n"
        f'<hr><p style="color:#646c7c;font-size:13px">{footer}</p></body></html>'
    )


def _footer(reason: str, unsubscribe_url: str | None) -> tuple[str, str]:
    if not unsubscribe_url:
        return f"--\n{reason}\n", escape(reason)
    return (
        f"--\n{reason}\nStop these mails: {unsubscribe_url}\n",
        f'{escape(reason)} <a href="{escape(unsubscribe_url)}">Stop these mails</a>.',
    )


def comment_mail(
    *, to: str, site_name: str, why: str, author: str, thread_title: str, comment_url: str, body_source: str,
    body_html: str, unsubscribe_url: str,
) -> MailContent:
    """A new comment: a reply to the reader's comment, on a followed thread, or for the site owner."""
    author_line, title_line = one_line(author or "Someone"), one_line(thread_title)
    headline = {
        "reply": f"{author_line} replied to your comment on “{title_line}”",
        "follow": f"{author_line} commented on “{title_line}”",
        "owner": f"New comment by {author_line} on “{title_line}”",
    }[why]
    reason = {
        "reply": "You asked to hear about replies to your comment.",
        "follow": "You follow this conversation.",
        "owner": f"You own {one_line(site_name)} on Porch.",
    }[why]
    text_footer, html_footer = _footer(reason, unsubscribe_url)
    text = f"{headline}:\n\n{body_source}\n\nRead it in the conversation: {comment_url}\n\n{text_footer}"
    html = _html(site_name, headline, [
        f"<p><strong>{escape(headline)}</strong></p>",
        f'<blockquote style="border-left:3px solid #e2e5eb;margin:0;padding-left:1rem">{body_html}</blockquote>',
        f'<p><a href="{escape(comment_url)}">Read it in the conversation</a></p>',
    ], html_footer)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, unsubscribe_url)


def moderation_mail(
    *, to: str, site_name: str, author: str, thread_title: str, body_source: str, body_html: str,
    approve_url: str, reject_url: str, unsubscribe_url: str,
) -> MailContent:
    """A held comment, with signed approve and reject links for the site's moderators."""
    headline = f"{one_line(author or 'Someone')} wrote on “{one_line(thread_title)}”: waiting for you"
    reason = f"You moderate {one_line(site_name)} on Porch."
    text_footer, html_footer = _footer(reason, unsubscribe_url)
    text = (
        f"{headline}\n\n{body_source}\n\nApprove: {approve_url}\nReject:  {reject_url}\n\n{text_footer}"
    )
    html = _html(site_name, headline, [
        f"<p><strong>{escape(headline)}</strong></p>",
        f'<blockquote style="border-left:3px solid #e2e5eb;margin:0;padding-left:1rem">{body_html}</blockquote>',
        f'<p><a href="{escape(approve_url)}">Approve</a> · <a href="{escape(reject_url)}">Reject</a></p>',
    ], html_footer)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, unsubscribe_url)


def confirmation_mail(*, to: str, site_name: str, confirm_url: str) -> MailContent:
    """The one mail an unconfirmed address gets: a link to confirm it wants notifications."""
    headline = "Confirm that you want notifications"
    text = (
        f"Someone (you, we hope) asked {one_line(site_name)} to mail this address when there is news in a "
        f"conversation.\n\nConfirm: {confirm_url}\n\nIf it was not you, ignore this mail: we will not write again.\n"
    )
    html = _html(site_name, headline, [
        f"<p>Someone (you, we hope) asked {escape(site_name)} to mail this address when there is news in a "
        "conversation.</p>",
        f'<p><a href="{escape(confirm_url)}">Confirm</a></p>',
        "<p>If it was not you, ignore this mail: we will not write again.</p>",
    ], "")
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, None)


def digest_mail(
    *, to: str, site_name: str, scope_title: str, frequency: str, items: list[Any], unsubscribe_url: str,
) -> MailContent:
    """Daily or weekly: the comments published in what the reader follows since the last digest."""
    headline = f"{len(items)} new comment{'s' if len(items) != 1 else ''} on “{one_line(scope_title)}”"
    reason = f"You chose a {frequency} digest."
    text_footer, html_footer = _footer(reason, unsubscribe_url)
    lines = [f"{one_line(item.author_name or 'Someone')} on “{one_line(item.title)}” ({item.uri}):\n"
             f"{item.body_source}\n" for item in items]
    text = f"{headline}\n\n" + "\n".join(lines) + f"\n{text_footer}"
    html_items = "".join(
        f'<li><strong>{escape(item.author_name or "Someone")}</strong> on '
        f'<a href="{escape(item.uri)}">{escape(item.title)}</a>: {escape(item.body_source[:500])}</li>'
        for item in items
    )
    html = _html(site_name, headline, [f"<p><strong>{escape(headline)}</strong></p>", f"<ul>{html_items}</ul>"],
                 html_footer)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, unsubscribe_url)
