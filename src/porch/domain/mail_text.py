"""What notification mails (and the pages their links open) say, in each language a site can choose
(``porch site set NAME language=fr``).

A small catalog rather than gettext/Babel: about twenty sentences in three languages, looked up by
key, with ``{name}`` placeholders filled by :meth:`MailText.__call__`. It needs no compile step
and no ``.mo`` files in the package, and ``tests/unit/test_mail_text.py`` checks that every
language has every key with the same placeholders. When the sentences grow into the hundreds,
or translators want ``.po`` files, this is the module to swap for Babel catalogs.

Values are inserted as given: callers escape them for HTML (``MailText.html``) and flatten them
for headers (``notification_mail.one_line``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from html import escape
from typing import Any

LANGUAGES = ("en", "fr", "de")
DEFAULT_LANGUAGE = "en"

CATALOG: dict[str, dict[str, str]] = {
    "en": {
        "someone": "Someone",
        "headline.reply": "{author} replied to your comment on “{title}”",
        "headline.follow": "{author} commented on “{title}”",
        "headline.owner": "New comment by {author} on “{title}”",
        "headline.moderate": "{author} wrote on “{title}”: waiting for you",
        "headline.confirm": "Confirm that you want notifications",
        "headline.digest.one": "{count} new comment on “{title}”",
        "headline.digest.other": "{count} new comments on “{title}”",
        "reason.reply": "You asked to hear about replies to your comment.",
        "reason.follow": "You follow this conversation.",
        "reason.owner": "You own {site} on Porch.",
        "reason.moderate": "You moderate {site} on Porch.",
        "reason.daily": "You chose a daily digest.",
        "reason.weekly": "You chose a weekly digest.",
        "read_it": "Read it in the conversation",
        "unsubscribe": "Stop these mails",
        "approve": "Approve",
        "reject": "Reject",
        "confirm.intro": "Someone (you, we hope) asked {site} to mail this address when there is news in a "
        "conversation.",
        "confirm.action": "Confirm",
        "confirm.ignore": "If it was not you, ignore this mail: we will not write again.",
        "digest.item": "{author} on “{title}”",
        "page.confirm.title": "Confirm notifications",
        "page.confirm.ask": "Confirm that this address wants the notifications it asked for.",
        "page.confirmed.title": "Address confirmed",
        "page.confirmed": "{email} will now get the notifications it asked for.",
        "page.unsubscribe.title": "Unsubscribe",
        "page.unsubscribe.ask": "Stop these mails?",
        "page.unsubscribed.title": "Unsubscribed",
        "page.unsubscribed": "{email} will get no more mails about {what}.",
        "topic.replies": "replies to your comment",
        "topic.thread": "new comments in this conversation",
        "topic.site": "new comments on this site",
        "topic.owner": "every new comment (as the site's owner)",
        "topic.moderate": "comments waiting for moderation",
        "topic.newcomers": "the daily list of newcomers waiting for an answer",
        "topic.other": "these mails",
    },
    "fr": {
        "someone": "Quelqu’un",
        "headline.reply": "{author} a répondu à votre commentaire sur « {title} »",
        "headline.follow": "{author} a commenté « {title} »",
        "headline.owner": "Nouveau commentaire de {author} sur « {title} »",
        "headline.moderate": "{author} a écrit sur « {title} » : en attente de votre décision",
        "headline.confirm": "Confirmez que vous souhaitez recevoir des notifications",
        "headline.digest.one": "{count} nouveau commentaire sur « {title} »",
        "headline.digest.other": "{count} nouveaux commentaires sur « {title} »",
        "reason.reply": "Vous avez demandé à être averti des réponses à votre commentaire.",
        "reason.follow": "Vous suivez cette conversation.",
        "reason.owner": "Vous êtes propriétaire de {site} sur Porch.",
        "reason.moderate": "Vous modérez {site} sur Porch.",
        "reason.daily": "Vous avez choisi un résumé quotidien.",
        "reason.weekly": "Vous avez choisi un résumé hebdomadaire.",
        "read_it": "Le lire dans la conversation",
        "unsubscribe": "Ne plus recevoir ces messages",
        "approve": "Approuver",
        "reject": "Rejeter",
        "confirm.intro": "Quelqu’un (vous, nous l’espérons) a demandé à {site} d’écrire à cette adresse quand une "
        "conversation avance.",
        "confirm.action": "Confirmer",
        "confirm.ignore": "Si ce n’était pas vous, ignorez ce message : nous ne vous écrirons plus.",
        "digest.item": "{author} sur « {title} »",
        "page.confirm.title": "Confirmer les notifications",
        "page.confirm.ask": "Confirmez que cette adresse souhaite recevoir les notifications demandées.",
        "page.confirmed.title": "Adresse confirmée",
        "page.confirmed": "{email} recevra désormais les notifications demandées.",
        "page.unsubscribe.title": "Se désabonner",
        "page.unsubscribe.ask": "Ne plus recevoir ces messages ?",
        "page.unsubscribed.title": "Désabonnement effectué",
        "page.unsubscribed": "{email} ne recevra plus de messages concernant {what}.",
        "topic.replies": "les réponses à votre commentaire",
        "topic.thread": "les nouveaux commentaires de cette conversation",
        "topic.site": "les nouveaux commentaires de ce site",
        "topic.owner": "chaque nouveau commentaire (en tant que propriétaire du site)",
        "topic.moderate": "les commentaires en attente de modération",
        "topic.newcomers": "la liste quotidienne des nouveaux venus qui attendent une réponse",
        "topic.other": "ces messages",
    },
    "de": {
        "someone": "Jemand",
        "headline.reply": "{author} hat auf Ihren Kommentar zu „{title}“ geantwortet",
        "headline.follow": "{author} hat „{title}“ kommentiert",
        "headline.owner": "Neuer Kommentar von {author} zu „{title}“",
        "headline.moderate": "{author} hat zu „{title}“ geschrieben: wartet auf Sie",
        "headline.confirm": "Bestätigen Sie, dass Sie Benachrichtigungen erhalten möchten",
        "headline.digest.one": "{count} neuer Kommentar zu „{title}“",
        "headline.digest.other": "{count} neue Kommentare zu „{title}“",
        "reason.reply": "Sie wollten über Antworten auf Ihren Kommentar informiert werden.",
        "reason.follow": "Sie folgen dieser Unterhaltung.",
        "reason.owner": "Sie sind Inhaber von {site} auf Porch.",
        "reason.moderate": "Sie moderieren {site} auf Porch.",
        "reason.daily": "Sie haben eine tägliche Zusammenfassung gewählt.",
        "reason.weekly": "Sie haben eine wöchentliche Zusammenfassung gewählt.",
        "read_it": "Im Gespräch lesen",
        "unsubscribe": "Diese E-Mails abbestellen",
        "approve": "Freigeben",
        "reject": "Ablehnen",
        "confirm.intro": "Jemand (hoffentlich Sie) hat {site} gebeten, an diese Adresse zu schreiben, wenn es in "
        "einer Unterhaltung Neues gibt.",
        "confirm.action": "Bestätigen",
        "confirm.ignore": "Wenn Sie es nicht waren, ignorieren Sie diese E-Mail: Wir schreiben nicht noch einmal.",
        "digest.item": "{author} zu „{title}“",
        "page.confirm.title": "Benachrichtigungen bestätigen",
        "page.confirm.ask": "Bestätigen Sie, dass diese Adresse die angeforderten Benachrichtigungen erhalten möchte.",
        "page.confirmed.title": "Adresse bestätigt",
        "page.confirmed": "{email} erhält nun die angeforderten Benachrichtigungen.",
        "page.unsubscribe.title": "Abbestellen",
        "page.unsubscribe.ask": "Diese E-Mails abbestellen?",
        "page.unsubscribed.title": "Abbestellt",
        "page.unsubscribed": "{email} erhält keine E-Mails mehr über {what}.",
        "topic.replies": "Antworten auf Ihren Kommentar",
        "topic.thread": "neue Kommentare in dieser Unterhaltung",
        "topic.site": "neue Kommentare auf dieser Website",
        "topic.owner": "jeden neuen Kommentar (als Inhaber der Website)",
        "topic.moderate": "Kommentare, die auf Moderation warten",
        "topic.newcomers": "die tägliche Liste der Neuen, die auf eine Antwort warten",
        "topic.other": "diese E-Mails",
    },
}


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template expects."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def plural_category(language: str, count: int) -> str:
    """CLDR's categories for the languages Porch speaks: French counts 0 and 1 as singular."""
    if language == "fr":
        return "one" if count in (0, 1) else "other"
    return "one" if count == 1 else "other"


@dataclass(frozen=True)
class MailText:
    """The sentences of one language: ``text("headline.reply", author=..., title=...)``."""

    language: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        if self.language not in CATALOG:
            object.__setattr__(self, "language", DEFAULT_LANGUAGE)  # an unknown language reads as English

    def __call__(self, key: str, **values: Any) -> str:
        return CATALOG[self.language][key].format(**values)

    def html(self, key: str, **values: Any) -> str:
        """The sentence with its values (and itself) HTML-escaped."""
        return escape(CATALOG[self.language][key]).format(**{k: escape(str(v)) for k, v in values.items()})

    def plural(self, key: str, count: int, **values: Any) -> str:
        return self(f"{key}.{plural_category(self.language, count)}", count=count, **values)
