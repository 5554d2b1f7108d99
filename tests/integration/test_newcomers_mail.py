"""The site owner's daily "newcomers waiting" mail: API → mail_subscriptions → worker's digest round → outbox
→ a real SMTP server on loopback. The worker runs in the test's thread; nothing waits or sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from porch.mail.senders import SmtpSender
from porch.services.accounts import add_user, grant_site_role, log_in
from porch.services.context import Context
from porch.worker.outbox import OutboxWorker, WorkerOptions
from tests.conftest import Clock
from tests.factories import make_site, post_comment
from tests.mail_sink import Received, SmtpSink

PASSWORD = "correct horse battery"


@pytest.fixture
def mail(sink: SmtpSink) -> SmtpSender:
    return SmtpSender(sink.url, "Porch <porch@test>")


@pytest.fixture
def worker(ctx: Context) -> Iterator[OutboxWorker]:
    worker = OutboxWorker(ctx, name="test-worker", options=WorkerOptions(digest_check_seconds=0))
    yield worker
    worker.close()


def _daily(sink: SmtpSink) -> list[Received]:
    """The owner's newcomers mails (she also gets a mail per new comment, as owners do)."""
    return [m for m in sink.received
            if m.rcpt_tos == ("olive@example.org",) and "waiting for an answer" in m.message["Subject"]]


def _bearer(ctx: Context, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {log_in(ctx, email, PASSWORD).session_token}"}


def test_an_owner_gets_a_daily_list_of_newcomers_nobody_answered(
    client: TestClient, ctx: Context, clock: Clock, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx)
    add_user(ctx, "olive@example.org", PASSWORD, is_admin=False, name="Olive")
    grant_site_role(ctx, site.id, "olive@example.org", "owner")
    add_user(ctx, "mo@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, site.id, "mo@example.org", "moderator")
    url = f"/api/v1/sites/{site.key}/newcomers-waiting/mail"
    refused = client.put(url, json={"daily": True}, headers=_bearer(ctx, "mo@example.org"))
    assert refused.status_code == 403  # the owner's to ask for
    asked = client.put(url, json={"daily": True}, headers=_bearer(ctx, "olive@example.org"))
    assert asked.status_code == 200 and asked.json() == {"daily": True, "to": "olive@example.org"}

    cy = post_comment(client, site, "Hello <b>all</b>", name="Cy", headers={"X-Porch-Browser": "browser-of-Cy"})
    ann = post_comment(client, site, "Hi", name="Ann", headers={"X-Porch-Browser": "browser-of-Ann"})
    post_comment(client, site, "Welcome Ann", name="Bob", parent=ann["comment"]["id"],
                 headers={"X-Porch-Browser": "browser-of-Bob"})
    worker.run_until_idle()
    assert _daily(sink) == []  # not a day yet

    clock.advance(days=1, minutes=1)
    worker.run_until_idle()
    (daily,) = _daily(sink)
    text = daily.message.get_body(("plain",)).get_content()
    # Cy and Bob wait (Bob's first comment, a reply, got no answer); Ann was answered by Bob
    assert "2 newcomers waiting" in daily.message["Subject"]
    assert text.index("Cy, waiting 24 h") < text.index("Bob, waiting")
    assert f"#comment-{cy['comment']['id']}" in text and "Ann," not in text
    html = daily.message.get_body(("html",)).get_content()
    assert "Hello &lt;b&gt;all&lt;/b&gt;" in html and "<b>all</b>" not in html  # what they wrote, escaped
    assert daily.message["List-Unsubscribe"]

    worker.run_until_idle()  # the same day again: nothing more
    assert len(_daily(sink)) == 1

    assert client.put(url, json={"daily": False}, headers=_bearer(ctx, "olive@example.org")).json()["daily"] is False
    clock.advance(days=1, minutes=1)
    worker.run_until_idle()
    assert len(_daily(sink)) == 1  # stopped
