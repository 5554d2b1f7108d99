"""Webhooks: per-site HTTP callbacks for comment and moderation events, signed, delivered by the outbox.

Every delivery is a POST of a JSON body with three headers:

- ``X-Porch-Event``: ``comment.created`` … (``ping`` for the admin's test button)
- ``X-Porch-Delivery``: the outbox idempotency key; retries carry the same value, so receivers dedup on it
- ``X-Porch-Signature``: ``t=UNIX_TIME,v1=HEX`` where HEX is HMAC-SHA256(secret, f"{t}.{raw body}")

The README shows the receiver's check. A response other than 2xx is retried with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from porch.domain.comments import Comment
from porch.domain.outbox import OutboxJob
from porch.domain.sites import Site
from porch.domain.threads import Thread
from porch.errors import ErrorList, NotFound
from porch.services.context import Context
from porch.services.outbox import enqueue_job, outbox
from porch.ssrf_guard import AddressPolicy, RefusedAddress
from porch.storage.repositories.webhooks import Webhook, WebhookRepository
from porch.storage.unit_of_work import UnitOfWork

EVENTS = (
    "comment.created", "comment.edited", "comment.deleted", "comment.approved", "comment.rejected", "person.banned",
)
SIGNATURE_HEADER = "X-Porch-Signature"
TIMEOUT_SECONDS = 10.0


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def comment_data(comment: Comment, thread: Thread, site: Site) -> dict[str, Any]:
    """A comment as webhook receivers see it (no email, no address: what a reader could see, plus status)."""
    return {
        "site": site.key,
        "thread": {"id": thread.id, "uri": thread.uri, "title": thread.title},
        "comment": {
            "id": comment.id, "parent": comment.parent_id, "status": comment.status.value,
            "author": {"name": comment.author_name, "website": comment.author_website, "person": comment.person_id},
            "body": comment.body_source, "body_html": comment.body_html,
            "created_at": comment.created_at.isoformat(),
            "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        },
    }


def _policy(ctx: Context) -> AddressPolicy:
    return AddressPolicy(allow_private=ctx.allow_private_webhooks)


def _refusal(ctx: Context, url: str) -> str | None:
    """Checked when the hook is saved (a clear 422) and again before every delivery (DNS rebinding)."""
    try:
        _policy(ctx).check(url)
    except RefusedAddress as exc:
        return str(exc)
    return None


def _repo(uow: UnitOfWork) -> WebhookRepository:
    return WebhookRepository(uow.connection)


def add_webhook(ctx: Context, site_id: int, url: str, events: list[str]) -> Webhook:
    """Register ``url`` for ``events`` on a site; its secret is generated here and shown to the owner."""
    errors = ErrorList()
    url = url.strip()
    if not (url.startswith("https://") or url.startswith("http://")) or len(url) > 2000 or any(
        ch.isspace() or ord(ch) < 32 for ch in url
    ):
        errors.add("url", "an http(s) URL of at most 2000 characters")
    elif reason := _refusal(ctx, url):
        errors.add("url", reason if "resolved" in reason else f"{reason}; webhooks go to public addresses only")
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        errors.add("events", f"one or more of {', '.join(EVENTS)}")
    errors.raise_if_any()
    with ctx.uow(write=True) as uow:
        hook = _repo(uow).add(site_id=site_id, url=url, secret=secrets.token_hex(24), events=chosen, now=ctx.clock())
        uow.commit()
    return hook


def list_webhooks(ctx: Context, site_id: int) -> list[Webhook]:
    with ctx.uow() as uow:
        return _repo(uow).for_site(site_id)


def remove_webhook(ctx: Context, site_id: int, webhook_id: int) -> None:
    with ctx.uow(write=True) as uow:
        if not _repo(uow).remove(site_id, webhook_id):
            raise NotFound(f"there is no webhook {webhook_id} on this site", code="unknown_webhook")
        uow.commit()


def enqueue_webhook_events(
    uow: UnitOfWork, site_id: int, event: str, data: dict[str, Any], *, source_key: str, now: datetime
) -> int:
    """One ``webhook`` job per hook of the site that wants ``event``, in the caller's transaction."""
    queued = 0
    for hook in _repo(uow).for_site(site_id):
        if event not in hook.events:
            continue
        body = {"event": event, "created_at": now.isoformat(), "data": data}
        queued += enqueue_job(
            uow, "webhook", f"webhook:{hook.id}:{source_key}", {"webhook_id": hook.id, "event": event, "body": body},
            now=now, site_id=site_id,
        )
    return queued


def send_test_delivery(ctx: Context, site_id: int, webhook_id: int) -> str:
    """The admin's test button: queue a ``ping`` to one hook; returns its delivery key."""
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        hook = _repo(uow).get(webhook_id)
        if hook is None or hook.site_id != site_id:
            raise NotFound(f"there is no webhook {webhook_id} on this site", code="unknown_webhook")
        key = f"webhook:{hook.id}:ping:{now.isoformat()}:{secrets.token_hex(4)}"
        body = {"event": "ping", "created_at": now.isoformat(), "data": {"webhook": hook.id}}
        enqueue_job(uow, "webhook", key, {"webhook_id": hook.id, "event": "ping", "body": body}, now=now,
                    site_id=site_id)
        uow.commit()
    return key


class WebhookRefused(Exception):
    """The receiver answered, but not with 2xx: retried with backoff."""


def deliver_webhook(ctx: Context, job: OutboxJob, http: httpx.Client) -> str:
    """POST one webhook job; raises (and so is retried) unless the receiver answers 2xx."""
    with ctx.uow() as uow:
        hook = _repo(uow).get(int(job.payload["webhook_id"]))
    if hook is None:
        return "webhook removed; not sent"
    body = json.dumps(job.payload["body"], separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(ctx.clock().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Porch-Webhooks/1",
        "X-Porch-Event": str(job.payload["event"]),
        "X-Porch-Delivery": job.idempotency_key,
        SIGNATURE_HEADER: sign_body(hook.secret, timestamp, body),
    }
    # Through the SSRF guard: the address is checked now (not only when the hook was saved) and the
    # POST goes to that address. Redirects are not followed: a 3xx is a failed delivery.
    policy = _policy(ctx)
    with policy.stream(http, "POST", hook.url, content=body, timeout=TIMEOUT_SECONDS, headers=headers) as response:
        status = response.status_code
    if not 200 <= status < 300:
        raise WebhookRefused(f"HTTP {status} from {hook.url}")
    return f"HTTP {status}"


@dataclass(frozen=True)
class DeliveryRecord:
    job: OutboxJob
    attempts: list[Any]


def delivery_log(ctx: Context, site_id: int, limit: int = 50) -> list[DeliveryRecord]:
    """The site's newest webhook deliveries, each with its attempts (for the admin)."""
    with ctx.uow() as uow:
        return [DeliveryRecord(job, attempts) for job, attempts in outbox(uow).list_for_site(
            site_id, kind="webhook", limit=limit)]
