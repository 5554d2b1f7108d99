"""The mail catalog: every language says every sentence, with the same placeholders."""

from __future__ import annotations

import pytest

from porch.domain.mail_text import CATALOG, LANGUAGES, MailText, placeholders, plural_category
from porch.domain.sites import SiteSettings
from porch.errors import InvalidInput
from porch.services.notification_mail import comment_mail, confirmation_mail, digest_mail, moderation_mail


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_sentence_with_the_same_placeholders(language: str) -> None:
    english = CATALOG["en"]
    assert set(CATALOG[language]) == set(english)
    for key, template in CATALOG[language].items():
        assert placeholders(template) == placeholders(english[key]), key
        assert template.strip(), key


def test_plural_categories_follow_cldr_for_french_and_german() -> None:
    assert [plural_category("fr", n) for n in (0, 1, 2)] == ["one", "one", "other"]
    assert [plural_category("de", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert MailText("de").plural("headline.digest", 1, title="T") == "1 neuer Kommentar zu „T“"
    assert MailText("fr").plural("headline.digest", 3, title="T") == "3 nouveaux commentaires sur « T »"


def test_html_sentences_escape_their_values() -> None:
    assert MailText("en").html("confirm.intro", site="<b>&").startswith("Someone (you, we hope) asked &lt;b&gt;&amp; ")


def test_an_unknown_language_reads_as_english() -> None:
    assert MailText("xx").language == "en"


def test_the_site_language_is_validated() -> None:
    assert SiteSettings().language == "en"
    assert SiteSettings().with_values({"language": "FR"}).language == "fr"
    assert SiteSettings.from_json({"language": "de"}).language == "de"
    with pytest.raises(InvalidInput, match="expected one of en, fr, de, got 'es'") as raised:
        SiteSettings().with_values({"language": "es"})
    assert raised.value.code == "unknown_language"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mail_kind_is_written_in_the_language(language: str) -> None:
    t = MailText(language)

    class Item:
        author_name, title, uri, body_source = "Dawud", "Swifts", "https://blog.example/p", "South."

    mails = [
        comment_mail(to="a@example.org", site_name="blog", why=why, author="Dawud", thread_title="Swifts",
                     comment_url="https://blog.example/p#c", body_source="hi", body_html="<p>hi</p>",
                     unsubscribe_url="https://porch.test/u", language=language)
        for why in ("reply", "follow", "owner")
    ]
    mails.append(moderation_mail(to="a@example.org", site_name="blog", author="Dawud", thread_title="Swifts",
                                 body_source="hi", body_html="<p>hi</p>", approve_url="https://porch.test/a",
                                 reject_url="https://porch.test/r", unsubscribe_url="https://porch.test/u",
                                 language=language))
    mails.append(confirmation_mail(to="a@example.org", site_name="blog", confirm_url="https://porch.test/c",
                                   language=language))
    for frequency in ("daily", "weekly"):
        mails.append(digest_mail(to="a@example.org", site_name="blog", scope_title="Swifts", frequency=frequency,
                                 items=[Item(), Item()], unsubscribe_url="https://porch.test/u", language=language))
    for mail in mails:
        assert f'<html lang="{language}">' in mail.html
        if mail.unsubscribe_url:
            assert f"{t('unsubscribe')}: https://porch.test/u" in mail.text and t("unsubscribe") in mail.html
    assert t("read_it") in mails[0].text and t("reason.reply") in mails[0].text
    assert t("approve") in mails[3].text and t("reject") in mails[3].html
    assert t("confirm.ignore") in mails[4].text
    assert mails[5].subject == f"[blog] {t.plural('headline.digest', 2, title='Swifts')}"
    assert t("reason.weekly") in mails[6].text
