"""Two more opinions on a new comment, after Porch's own rules: the site's learned classifier and,
when configured, an Akismet-compatible service. Either can hold a comment; neither refuses one.

**The classifier** (``domain/spam_classifier.py``) is trained from the site's comments moderators
marked spam and its published ones. Each worker keeps one model per site (``services/spam_cache.py``),
tagged with ``sites.spam_model_version``; moderators' decisions move that number
(``services/moderation.py``) and the pipeline reads it on the site row it loads anyway, so a post
costs no query for it. The first post after a decision retrains (two queries, up to
:data:`TRAINING_LIMIT` texts of each class, inside that post's transaction); every other post only
scores (a dictionary lookup per word). A model with fewer than ``MIN_EXAMPLES`` of either class
says nothing.

**Akismet** is asked only when the server is configured (``PORCH_AKISMET_URL`` and
``PORCH_AKISMET_KEY``), the site has not turned it off (``akismet=off``) and the comment came
over the network (the service needs the sender's address). It is asked *before* the comment's
write transaction opens, so a slow service never holds the database's write lock; the timeout is
``PORCH_AKISMET_TIMEOUT_SECONDS`` (2 s). Policy when it gives no usable answer (timeout, error,
invalid key): the comment is kept and held with the reason "akismet unavailable" — never lost,
never published unchecked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from porch.akismet import AkismetComment, AkismetUnavailable
from porch.domain import abuse
from porch.domain.sites import Site
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.services.spam_cache import SpamModels
from porch.storage.repositories.moderation import ModerationRepository

log = logging.getLogger("porch.abuse")

TRAINING_LIMIT = 5000  # of each class: the newest decisions say most about today's spam


class AkismetVerdict(StrEnum):
    SPAM = "spam"
    HAM = "ham"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class SpamOpinions:
    """What the pipeline consults after its own rules (``services/abuse.py``)."""

    models: SpamModels
    akismet: AkismetVerdict | None = None  # None: not asked

    def hold_reason(self, repo: ModerationRepository, site: Site, body: str) -> str | None:
        """Why the comment should wait for a moderator, in the queue's words; None: no objection."""
        if self.akismet == AkismetVerdict.SPAM:
            return abuse.AKISMET_SPAM
        if self.akismet == AkismetVerdict.UNAVAILABLE:
            return abuse.AKISMET_UNAVAILABLE
        model = self.models.model_for(
            site.id, site.spam_model_version, lambda: repo.labelled_texts(site.id, TRAINING_LIMIT)
        )
        if not model.ready:
            return None
        return abuse.classifier_hold(model.probability(body))


def ask_akismet(ctx: Context, site_key: str, body: str, author: tuple[str | None, str | None, str | None],
                uri: str, requester: Requester) -> AkismetVerdict | None:  # fmt: skip
    """Akismet's verdict on a comment about to be posted (None: not configured, not wanted, not asked).

    Runs before the write transaction: one read of the site, then the HTTP call.
    """
    if ctx.akismet is None or requester.remote_addr is None:
        return None
    with ctx.uow() as uow:
        site = uow.sites.get_by_key(site_key)
    if site is None or not site.settings.akismet:
        return None  # an unknown site is post_comment's to refuse
    name, email, website = author
    comment = AkismetComment(
        blog=site.primary_origin or ctx.base_url,
        user_ip=requester.remote_addr,
        content=body,
        author=name or (requester.account.email if requester.account else None),
        author_email=email or (requester.account.email if requester.account else None),
        author_url=website,
        permalink=uri,
    )
    try:
        return AkismetVerdict.SPAM if ctx.akismet.is_spam(comment) else AkismetVerdict.HAM
    except AkismetUnavailable as exc:
        log.warning("akismet unavailable, holding the comment: %s (site %s)", exc, site.key)
        return AkismetVerdict.UNAVAILABLE
