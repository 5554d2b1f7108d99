"""Training a site's spam classifier from its moderators' decisions (spam vs published)."""

from __future__ import annotations

from porch.domain.accounts import Account
from porch.domain.spam_classifier import SpamModel, train
from porch.services.context import Context
from porch.services.moderation import _site_by_key, check_moderator
from porch.services.spam_opinions import TRAINING_LIMIT
from porch.storage.repositories.moderation import ModerationRepository


def train_site_spam_model(ctx: Context, site_key: str, account: Account) -> SpamModel:
    """A classifier learned from the comments moderators marked spam and those published on the site."""
    with ctx.uow() as uow:
        site = _site_by_key(uow, site_key)
        check_moderator(uow, site, account)
        examples = ModerationRepository(uow.connection).labelled_texts(site.id, TRAINING_LIMIT)
    return train(examples)
