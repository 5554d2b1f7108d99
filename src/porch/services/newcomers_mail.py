"""The daily "newcomers waiting" mail a site owner can ask for, through the notifications outbox.

The owner asks (:func:`mail_newcomers_daily`): a ``mail_subscriptions`` row with topic
``newcomers:SITE_ID`` and frequency ``daily`` for their account's address. The worker's digest
round (``notifications.enqueue_due_digests``) hands the due ones to :func:`enqueue_newcomers_mails`,
which reads the list from the analytics rollups and queues one ``mail`` job per owner and day —
nothing when nobody is waiting, and nothing for someone who is no longer an owner of the site.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from porch.domain.accounts import Account
from porch.services import links
from porch.services.analytics_rollups import newcomers_waiting_from_rollups
from porch.services.context import Context
from porch.services.notification_mail import newcomers_mail
from porch.services.outbox import enqueue_job
from porch.services.sites import access_site_by_account
from porch.storage.repositories.notifications import NotificationRepository, Subscription

TOPIC = "newcomers"
IN_MAIL = 20
LIST_LIMIT = 100


def topic_of(site_id: int) -> str:
    return f"{TOPIC}:{site_id}"


def mail_newcomers_daily(ctx: Context, site_key: str, account: Account, daily: bool) -> bool:
    """Turn the owner's daily newcomers mail on or off; returns whether it is on."""
    site = access_site_by_account(ctx, site_key, account, frozenset({"owner"})).site
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        repo = NotificationRepository(uow.connection)
        if daily:
            repo.subscribe(email=account.email, topic=topic_of(site.id), site_id=site.id, frequency="daily", now=now)
        else:
            repo.turn_off(email=account.email, topic=topic_of(site.id), site_id=site.id, now=now)
        uow.commit()
    return daily


def waited(seconds: float) -> str:
    hours = int(seconds // 3600)
    return f"{hours // 24} days" if hours >= 48 else f"{hours} h" if hours else f"{int(seconds // 60)} min"


def enqueue_newcomers_mails(ctx: Context, due: list[Subscription], now: datetime) -> int:
    """Queue today's newcomers mail for each due subscription whose address still belongs to an owner."""
    queued = 0
    for sub in due:
        with ctx.uow() as uow:
            site = uow.sites.get(sub.site_id)
            account = uow.accounts.get_by_email(sub.email)
            owner = site is not None and account is not None and (
                account.is_admin or uow.sites.role_of(site.id, account.id) == "owner")
        if not owner or site is None:
            continue
        waiting = newcomers_waiting_from_rollups(ctx, site.id, LIST_LIMIT)
        if not waiting:
            continue
        items = [(c.author_name, c.thread_title, f"{c.thread_uri.split('#', 1)[0]}#comment-{c.comment_id}",
                  waited((now - c.created_at).total_seconds()), c.body_source[:280]) for c in waiting[:IN_MAIL]]
        with ctx.uow(write=True) as uow:
            token = links.sign(uow, "unsubscribe", {"e": sub.email, "t": sub.topic, "s": site.id}, now=now)
            content = newcomers_mail(
                to=sub.email, site_name=site.name, items=items, more=len(waiting) - len(items),
                dashboard_url=f"{ctx.base_url}/admin/sites/{site.key}/analytics",
                unsubscribe_url=f"{ctx.base_url}/notifications/unsubscribe?token={quote(token)}",
            )
            queued += enqueue_job(uow, "mail", f"newcomers:{sub.id}:{now.date().isoformat()}",
                                  content.payload(now), now=now, site_id=site.id)
            uow.commit()
    return queued
