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

from porch.domain.mail_text import DEFAULT_LANGUAGE, MailText

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


def _html(site_name: str, title: str, paragraphs: list[str], footer: str, language: str) -> str:
    body = "\n".join(paragraphs)
    return (
        f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'</head><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem">'
        f"<p style=\"color:#646c7c\">{escape(site_name)}</p>\n{body}\n"
        f'<hr><p style="color:#646c7c;font-size:13px">{footer}</p></body></html>'
    )


def _footer(t: MailText, reason: str, unsubscribe_url: str | None) -> tuple[str, str]:
    if not unsubscribe_url:
        return f"--\n{reason}\n", escape(reason)
    stop = t("unsubscribe")
    return (
        f"--\n{reason}\n{stop}: {unsubscribe_url}\n",
        f'{escape(reason)} <a href="{escape(unsubscribe_url)}">{escape(stop)}</a>.',
    )


def _quote(body_html: str) -> str:
    return f'<blockquote style="border-left:3px solid #e2e5eb;margin:0;padding-left:1rem">{body_html}</blockquote>'


def comment_mail(
    *, to: str, site_name: str, why: str, author: str, thread_title: str, comment_url: str, body_source: str,
    body_html: str, unsubscribe_url: str, language: str = DEFAULT_LANGUAGE,
) -> MailContent:
    """A new comment: a reply to the reader's comment, on a followed thread, or for the site owner."""
    t = MailText(language)
    author_line, title_line = one_line(author or t("someone")), one_line(thread_title)
    if why not in ("reply", "follow", "owner"):
        raise ValueError(f"unknown reason for a comment mail: {why!r}")
    headline = t(f"headline.{why}", author=author_line, title=title_line)
    reason = t(f"reason.{why}", site=one_line(site_name))
    text_footer, html_footer = _footer(t, reason, unsubscribe_url)
    read_it = t("read_it")
    text = f"{headline}:\n\n{body_source}\n\n{read_it}: {comment_url}\n\n{text_footer}"
    html = _html(site_name, headline, [
        f"<p><strong>{escape(headline)}</strong></p>",
        _quote(body_html),
        f'<p><a href="{escape(comment_url)}">{escape(read_it)}</a></p>',
    ], html_footer, t.language)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, unsubscribe_url)


def moderation_mail(
    *, to: str, site_name: str, author: str, thread_title: str, body_source: str, body_html: str,
    approve_url: str, reject_url: str, unsubscribe_url: str, language: str = DEFAULT_LANGUAGE,
) -> MailContent:
    """A held comment, with signed approve and reject links for the site's moderators."""
    t = MailText(language)
    headline = t("headline.moderate", author=one_line(author or t("someone")), title=one_line(thread_title))
    reason = t("reason.moderate", site=one_line(site_name))
    text_footer, html_footer = _footer(t, reason, unsubscribe_url)
    approve, reject = t("approve"), t("reject")
    width = max(len(approve), len(reject)) + 1
    text = (
        f"{headline}\n\n{body_source}\n\n{(approve + ':').ljust(width)} {approve_url}\n"
        f"{(reject + ':').ljust(width)} {reject_url}\n\n{text_footer}"
    )
    html = _html(site_name, headline, [
        f"<p><strong>{escape(headline)}</strong></p>",
        _quote(body_html),
        f'<p><a href="{escape(approve_url)}">{escape(approve)}</a> · '
        f'<a href="{escape(reject_url)}">{escape(reject)}</a></p>',
    ], html_footer, t.language)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, unsubscribe_url)


def confirmation_mail(*, to: str, site_name: str, confirm_url: str, language: str = DEFAULT_LANGUAGE) -> MailContent:
    """The one mail an unconfirmed address gets: a link to confirm it wants notifications."""
    t = MailText(language)
    headline = t("headline.confirm")
    action = t("confirm.action")
    text = (
        f"{t('confirm.intro', site=one_line(site_name))}\n\n{action}: {confirm_url}\n\n{t('confirm.ignore')}\n"
    )
    html = _html(site_name, headline, [
        f"<p>{t.html('confirm.intro', site=site_name)}</p>",
        f'<p><a href="{escape(confirm_url)}">{escape(action)}</a></p>',
        f"<p>{t.html('confirm.ignore')}</p>",
    ], "", t.language)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, None)


def digest_mail(
    *, to: str, site_name: str, scope_title: str, frequency: str, items: list[Any], unsubscribe_url: str,
    language: str = DEFAULT_LANGUAGE,
) -> MailContent:
    """Daily or weekly: the comments published in what the reader follows since the last digest."""
    t = MailText(language)
    headline = t.plural("headline.digest", len(items), title=one_line(scope_title))
    reason = t(f"reason.{frequency}")
    text_footer, html_footer = _footer(t, reason, unsubscribe_url)
    someone = t("someone")
    lines = [
        f"{t('digest.item', author=one_line(item.author_name or someone), title=one_line(item.title))} "
        f"({item.uri}):\n{item.body_source}\n"
        for item in items
    ]
    text = f"{headline}\n\n" + "\n".join(lines) + f"\n{text_footer}"
    html_items = "".join(
        f'<li><a href="{escape(item.uri)}">'
        f'{t.html("digest.item", author=item.author_name or someone, title=item.title)}'
        f"</a>: {escape(item.body_source[:500])}</li>"
        for item in items
    )
    html = _html(site_name, headline, [f"<p><strong>{escape(headline)}</strong></p>", f"<ul>{html_items}</ul>"],
                 html_footer, t.language)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, unsubscribe_url)


def newcomers_mail(
    *, to: str, site_name: str, items: list[tuple[str, str, str, str, str]], more: int, dashboard_url: str,
    unsubscribe_url: str,
) -> MailContent:
    """The site owner's daily list of first-time commenters nobody has answered yet, oldest first.

    ``items``: (name, page title, permalink, how long they have waited, what they wrote).
    """
    count = len(items) + more
    headline = f"{count} newcomer{'s' if count != 1 else ''} waiting for an answer"
    reason = "You asked for a daily list of the newcomers nobody has answered yet."
    # in English for now: an owner's language is not known (the reader-facing mails follow the page's)
    text_footer, html_footer = _footer(MailText(DEFAULT_LANGUAGE), reason, unsubscribe_url)
    lines = [f"{one_line(name or 'Someone')}, waiting {waited}, on “{one_line(title)}” — answer: {link}\n"
             f"{excerpt}\n" for name, title, link, waited, excerpt in items]
    tail = f"…and {more} more: {dashboard_url}\n" if more else f"All of them: {dashboard_url}\n"
    text = f"{headline}\n\n" + "\n".join(lines) + f"\n{tail}\n{text_footer}"
    html_items = "".join(
        f'<li><strong>{escape(name or "Someone")}</strong>, waiting {escape(waited)}, on '
        f'<a href="{escape(link)}">{escape(title)}</a>: {escape(excerpt)}</li>'
        for name, title, link, waited, excerpt in items
    )
    html = _html(site_name, headline, [
        f"<p><strong>{escape(headline)}</strong></p>", f"<ul>{html_items}</ul>",
        f'<p><a href="{escape(dashboard_url)}">{"…and " + str(more) + " more" if more else "The dashboard"}</a></p>',
    ], html_footer, DEFAULT_LANGUAGE)
    return MailContent(to, f"[{one_line(site_name)}] {headline}", text, html, site_name, unsubscribe_url)
