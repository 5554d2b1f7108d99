"""Notification mail end to end: API → outbox → worker → a real SMTP server on loopback.

The worker runs in the test's thread (``run_until_idle``), so every mail a round sends has
arrived when it returns: nothing here waits or sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from porch.mail.senders import SmtpSender
from porch.services.accounts import add_user, grant_site_role
from porch.services.context import Context
from porch.storage.schema import comments, outbox_jobs
from porch.worker.outbox import OutboxWorker, WorkerOptions
from tests.conftest import Clock
from tests.factories import BLOG_ORIGIN, make_site, post_comment, read_thread
from tests.mail_sink import Received, SmtpSink

MAIL_FROM = "Porch <porch@test>"
PASSWORD = "correct horse battery"


@pytest.fixture
def mail(sink: SmtpSink) -> SmtpSender:
    # Overrides conftest's LogSender: everything the worker sends goes through real SMTP.
    return SmtpSender(sink.url, MAIL_FROM)


@pytest.fixture
def worker(ctx: Context) -> Iterator[OutboxWorker]:
    worker = OutboxWorker(ctx, name="test-worker", options=WorkerOptions(digest_check_seconds=0))
    yield worker
    worker.close()


def deliver(worker: OutboxWorker) -> None:
    worker.run_until_idle()


def mails_to(sink: SmtpSink, address: str) -> list[Received]:
    return [mail for mail in sink.received if mail.rcpt_tos == (address,)]


def confirm(client: TestClient, mail: Received) -> None:
    link = mail.link("/notifications/confirm")
    path = urlsplit(link)
    page = client.get(f"{path.path}?{path.query}")
    assert page.status_code == 200 and "Confirm" in page.text
    token = path.query.removeprefix("token=")
    done = client.post("/notifications/confirm", data={"token": unquote(token)})
    assert done.status_code == 200 and "Address confirmed" in done.text, done.text


def log_in(client: TestClient, email: str) -> str:
    """A bearer token (and no cookie: the API is called as from the blog's page)."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    token: str = response.json()["token"]
    return token


def labelled_link(mail: Received, label: str) -> str:
    (link,) = re.findall(rf"^{label}:\s+(\S+)", mail.text, flags=re.MULTILINE)
    return local(link)


def local(link: str) -> str:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == "http://porch.test"
    return f"{parts.path}?{parts.query}"


def test_reply_notifications_need_a_confirmed_address_which_gets_one_confirmation_only(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx)
    first = post_comment(client, site, "Where do the swifts go?", name="Linda", email="linda@example.org", notify=True)
    deliver(worker)
    (confirmation,) = sink.received
    assert confirmation.rcpt_tos == ("linda@example.org",)
    assert "Confirm" in confirmation.subject and "[blog]" in confirmation.subject
    assert confirmation.message["List-Unsubscribe"] is None  # nothing to unsubscribe from yet

    # Unconfirmed: a reply mails nothing, and asking again sends no second confirmation.
    post_comment(client, site, "To Africa.", parent=first["comment"]["id"], name="Dawud", email="dawud@example.org")
    post_comment(client, site, "And the martins?", name="Linda", email="linda@example.org", notify=True)
    deliver(worker)
    assert len(sink.received) == 1

    confirm(client, confirmation)
    reply = post_comment(client, site, "Mostly *south*.", parent=first["comment"]["id"], name="Dawud")
    deliver(worker)
    (notification,) = mails_to(sink, "linda@example.org")[1:]
    assert notification.subject == "[blog] Dawud replied to your comment on “https://blog.example/2026/11/a-post.html”"
    assert notification.message["From"].addresses[0].display_name == "blog"
    assert notification.message["From"].addresses[0].addr_spec == "porch@test"
    assert "Mostly *south*." in notification.text
    assert f"https://blog.example/2026/11/a-post.html#comment-{reply['comment']['id']}" in notification.text
    assert "<em>south</em>" in notification.part("html")
    assert notification.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notification.message["List-Unsubscribe"].startswith("<http://porch.test/notifications/unsubscribe?token=")
    assert notification.message_id.startswith("<") and notification.message_id.endswith("@porch.test>")
    assert notification.message["Date"] is not None
    assert mails_to(sink, "dawud@example.org") == []  # Dawud never asked


def test_one_click_unsubscribe_stops_the_mail_and_a_plain_visit_does_not(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx)
    add_user(ctx, "linda@example.org", PASSWORD, is_admin=False, name="Linda")  # verified: no confirmation
    token = log_in(client, "linda@example.org")
    first = post_comment(client, site, "Question", name=None, headers={"Authorization": f"Bearer {token}"},
                         notify=True)
    post_comment(client, site, "Answer one", parent=first["comment"]["id"], name="Dawud")
    deliver(worker)
    (mail,) = sink.received
    assert mail.rcpt_tos == ("linda@example.org",)
    link = mail.message["List-Unsubscribe"].strip("<>")

    client.cookies.clear()
    page = client.get(local(link))  # a mail scanner opening the link changes nothing
    assert page.status_code == 200 and "Unsubscribe" in page.text
    post_comment(client, site, "Answer two", parent=first["comment"]["id"], name="Dawud")
    deliver(worker)
    assert len(sink.received) == 2

    # RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the link, no cookie, no form.
    done = client.post(local(link), content=b"List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "Unsubscribed" in done.text
    assert client.post(local(link), data={"List-Unsubscribe": "One-Click"}).status_code == 200  # idempotent
    post_comment(client, site, "Answer three", parent=first["comment"]["id"], name="Dawud")
    deliver(worker)
    assert len(sink.received) == 2

    forged = client.post("/notifications/unsubscribe?token=" + link.rsplit("=", 1)[1][:-3] + "abc")
    assert forged.status_code == 400 and "not valid" in forged.text


def test_the_site_owner_hears_of_every_new_comment_but_not_their_own(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx)
    add_user(ctx, "owner@example.org", PASSWORD, is_admin=False, name="Carma")
    grant_site_role(ctx, site.id, "owner@example.org", "owner")
    post_comment(client, site, "First!", name="William")
    deliver(worker)
    (mail,) = sink.received
    assert mail.rcpt_tos == ("owner@example.org",)
    assert mail.subject.startswith("[blog] New comment by William on")
    assert "First!" in mail.text and "First!" in mail.part("html")

    token = log_in(client, "owner@example.org")
    post_comment(client, site, "Welcome, William", name=None, headers={"Authorization": f"Bearer {token}"})
    deliver(worker)
    assert len(sink.received) == 1


def test_moderators_approve_and_reject_held_comments_from_signed_links(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx, moderation="hold_all")
    add_user(ctx, "mod@example.org", PASSWORD, is_admin=False, name="Moderator")
    grant_site_role(ctx, site.id, "mod@example.org", "moderator")
    held = post_comment(client, site, "Buy cheap watches", name="Spammer")
    good = post_comment(client, site, "A thoughtful remark", name="Linda")
    deliver(worker)
    assert [m.rcpt_tos for m in sink.received] == [("mod@example.org",), ("mod@example.org",)]
    spam_mail, good_mail = sorted(sink.received, key=lambda m: "watches" not in m.text)
    assert "waiting for you" in spam_mail.subject

    # Opening the link shows the comment and a button; nothing changes yet.
    approve = labelled_link(good_mail, "Approve")
    page = client.get(approve)
    assert page.status_code == 200 and "A thoughtful remark" in page.text and "Approve this comment?" in page.text
    assert read_thread(client, site)["total"] == 0

    token = approve.split("token=", 1)[1]
    done = client.post("/notifications/moderate", data={"token": unquote(token)})
    assert done.status_code == 200 and "approved" in done.text
    thread = read_thread(client, site)
    assert thread["total"] == 1 and thread["comments"][0]["id"] == good["comment"]["id"]
    again = client.post("/notifications/moderate", data={"token": unquote(token)})
    assert "Nothing to do" in again.text

    reject = labelled_link(spam_mail, "Reject")
    rejected = client.post("/notifications/moderate", data={"token": unquote(reject.split("token=", 1)[1])})
    assert rejected.status_code == 200 and "rejected" in rejected.text
    assert read_thread(client, site)["total"] == 1
    assert read_thread(client, site)["comments"][0]["id"] == good["comment"]["id"]
    assert held["comment"]["id"] != good["comment"]["id"]

    tampered = client.post("/notifications/moderate", data={"token": unquote(token)[:-2] + "xx"})
    assert tampered.status_code == 400


def test_following_a_thread_mails_each_new_comment_once_even_to_a_replied_to_follower(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx)
    followed = client.post(
        "/api/v1/subscriptions",
        json={"site": site.key, "uri": "https://blog.example/2026/11/a-post.html", "email": "Dawud@Example.org"},
        headers={"Origin": BLOG_ORIGIN},
    )
    assert followed.status_code == 201 and followed.json() == {"status": "confirmation_sent"}
    site_wide = client.post("/api/v1/subscriptions", json={"site": site.key, "email": "dawud@example.org"},
                            headers={"Origin": BLOG_ORIGIN})
    assert site_wide.json() == {"status": "awaiting_confirmation"}  # no second confirmation mail
    deliver(worker)
    (confirmation,) = sink.received
    confirm(client, confirmation)

    mine = post_comment(client, site, "I follow this", name="Dawud", email="dawud@example.org", notify=True)
    deliver(worker)
    assert len(sink.received) == 1  # not told of his own comment
    post_comment(client, site, "A reply to Dawud", parent=mine["comment"]["id"], name="Linda")
    post_comment(client, site, "Something else", name="William")
    deliver(worker)
    subjects = sorted(mail.subject for mail in mails_to(sink, "dawud@example.org")[1:])
    assert subjects == [
        "[blog] Linda replied to your comment on “https://blog.example/2026/11/a-post.html”",
        "[blog] William commented on “https://blog.example/2026/11/a-post.html”",
    ]

    bad = client.post("/api/v1/subscriptions", json={"site": site.key, "email": "nope", "frequency": "hourly"},
                      headers={"Origin": BLOG_ORIGIN})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_a_daily_digest_gathers_the_days_comments_once(
    client: TestClient, ctx: Context, clock: Clock, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx)
    add_user(ctx, "carma@example.org", PASSWORD, is_admin=False, name="Carma")
    token = log_in(client, "carma@example.org")
    followed = client.post("/api/v1/subscriptions", json={"site": site.key, "frequency": "daily"},
                           headers={"Authorization": f"Bearer {token}"})
    assert followed.json() == {"status": "following"}
    clock.advance(minutes=5)
    post_comment(client, site, "Morning post", name="Linda")
    post_comment(client, site, "Evening post", name="William", uri="https://blog.example/other.html")
    deliver(worker)
    assert sink.received == []  # a digest reader gets no instant mail
    clock.advance(days=1)
    deliver(worker)
    (digest,) = sink.received
    assert digest.rcpt_tos == ("carma@example.org",)
    assert digest.subject == "[blog] 2 new comments on “blog”"
    assert "Morning post" in digest.text and "Evening post" in digest.text
    assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    deliver(worker)
    clock.advance(hours=1)
    deliver(worker)
    assert len(sink.received) == 1


def test_no_header_injection_from_names_whatever_they_contain(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx, 'Evil "blog", <x@y>\r\nBcc: victim@example.org')
    add_user(ctx, "owner@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, site.id, "owner@example.org", "owner")
    post_comment(client, site, "hi", name="Eve\r\nBcc: victim2@example.org\u2028X-Evil: 1")
    deliver(worker)
    (mail,) = sink.received
    assert mail.rcpt_tos == ("owner@example.org",)
    names = [line.split(":", 1)[0].lower() for line in mail.raw_header_lines if not line[:1].isspace()]
    assert "bcc" not in names and "x-evil" not in names
    assert mail.message["From"].addresses[0].addr_spec == "porch@test"
    assert mail.message["From"].addresses[0].display_name == 'Evil "blog", <x@y> Bcc: victim@example.org'
    assert "\n" not in mail.subject


def test_a_comment_and_its_outbox_job_commit_together(client: TestClient, ctx: Context, engine: Engine) -> None:
    site = make_site(ctx)
    refused = client.post("/api/v1/comments", json={"site": site.key, "uri": "/p", "body": "", "notify": True,
                                                   "author": {"email": "x@example.org"}},
                          headers={"Origin": BLOG_ORIGIN})
    assert refused.status_code == 422
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(outbox_jobs)).scalar() == 0
    posted = post_comment(client, site, "Stored", name="Linda")
    with engine.connect() as connection:
        jobs = connection.execute(select(outbox_jobs.c.kind, outbox_jobs.c.idempotency_key)).all()
        assert connection.execute(select(func.count()).select_from(comments)).scalar() == 1
    assert [tuple(job) for job in jobs] == [("comment_event", f"comment:{posted['comment']['id']}:created")]


def test_a_refused_delivery_is_retried_with_growing_backoff_then_delivered_once(
    client: TestClient, ctx: Context, clock: Clock, sink: SmtpSink, worker: OutboxWorker, engine: Engine
) -> None:
    site = make_site(ctx)
    add_user(ctx, "owner@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, site.id, "owner@example.org", "owner")
    sink.handler.refuse_next = 2
    post_comment(client, site, "Hello", name="Linda")

    def mail_job() -> Any:
        with engine.connect() as connection:
            return connection.execute(select(outbox_jobs).where(outbox_jobs.c.kind == "mail")).one()

    deliver(worker)
    first = mail_job()
    assert (first.status, first.attempts) == ("pending", 1) and "451" in first.last_error
    assert first.run_after == clock.now + timedelta(seconds=30)
    deliver(worker)
    assert mail_job().attempts == 1  # not due yet: nothing is hammered
    clock.advance(seconds=30)
    deliver(worker)
    second = mail_job()
    assert second.attempts == 2 and second.run_after == clock.now + timedelta(seconds=60)
    clock.advance(seconds=60)
    deliver(worker)
    assert mail_job().status == "delivered" and len(sink.received) == 1


def test_the_server_delivers_from_its_own_outbox_worker_by_default(ctx: Context, sink: SmtpSink) -> None:
    from porch.config import Settings
    from porch.web.app import create_app

    site = make_site(ctx)
    add_user(ctx, "owner@example.org", PASSWORD, is_admin=False)
    grant_site_role(ctx, site.id, "owner@example.org", "owner")
    settings = Settings(database_url="sqlite:///unused.db", base_url="http://porch.test", outbox_in_serve=True,
                        outbox_poll_seconds=0.05)
    with TestClient(create_app(settings, context=ctx), base_url="http://porch.test") as served:
        post_comment(served, site, "Delivered by the server itself", name="Linda")
        assert sink.wait_for(lambda received: len(received) == 1, timeout=30)
    assert sink.received[0].rcpt_tos == ("owner@example.org",)


def test_a_french_sites_reply_notification_arrives_in_french_with_encoded_headers(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx, "Café des Oiseaux", language="fr")
    add_user(ctx, "linda@example.org", PASSWORD, is_admin=False, name="Linda")  # verified: no confirmation
    token = log_in(client, "linda@example.org")
    first = post_comment(client, site, "Où vont les martinets ?", name=None,
                         headers={"Authorization": f"Bearer {token}"}, notify=True)
    post_comment(client, site, "Vers le *sud*.", parent=first["comment"]["id"], name="Jérôme Müller")
    deliver(worker)
    (mail,) = sink.received
    title = "https://blog.example/2026/11/a-post.html"
    assert mail.subject == f"[Café des Oiseaux] Jérôme Müller a répondu à votre commentaire sur « {title} »"
    assert mail.message["From"].addresses[0].display_name == "Café des Oiseaux"
    # RFC 2047: on the wire every header is ASCII (raw_header_lines decodes as ASCII), words encoded.
    raw_headers = "\n".join(mail.raw_header_lines)
    assert "=?utf-8?" in raw_headers.split("Subject:", 1)[1].lower() and "Jérôme" not in raw_headers
    assert mail.message.get_content_charset() is None  # multipart/alternative; the parts carry utf-8
    assert "Le lire dans la conversation" in mail.text and "Ne plus recevoir ces messages" in mail.text
    assert "Vous avez demandé à être averti des réponses" in mail.text
    html = mail.part("html")
    assert '<html lang="fr">' in html and "Le lire dans la conversation" in html and "<em>sud</em>" in html

    # The unsubscribe link opens a page in French too; RFC 8058's one-click POST answers in French.
    link = local(mail.message["List-Unsubscribe"].strip("<>"))
    assert link.endswith("&lang=fr")
    page = client.get(link)
    assert '<html lang="fr">' in page.text and "Ne plus recevoir ces messages ?" in page.text
    assert "Se désabonner</button>" in page.text
    done = client.post(link, content=b"List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "Désabonnement effectué" in done.text
    assert "linda@example.org ne recevra plus de messages concernant les réponses à votre commentaire." in done.text


def test_a_german_sites_confirmation_and_moderation_mails_are_in_german(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx, "Vögel", moderation="hold_all", language="de")
    add_user(ctx, "mod@example.org", PASSWORD, is_admin=False, name="Moritz")
    grant_site_role(ctx, site.id, "mod@example.org", "moderator")
    post_comment(client, site, "Wohin ziehen die Mauersegler?", name="Linda", email="linda@example.org", notify=True)
    deliver(worker)
    confirmation = mails_to(sink, "linda@example.org")[0]
    assert confirmation.subject == "[Vögel] Bestätigen Sie, dass Sie Benachrichtigungen erhalten möchten"
    assert "Bestätigen: http://porch.test/notifications/confirm?token=" in confirmation.text
    page = client.get(labelled_link(confirmation, "Bestätigen"))
    assert '<html lang="de">' in page.text and "Benachrichtigungen bestätigen" in page.text
    assert 'action="/notifications/confirm?lang=de"' in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    confirmed = client.post("/notifications/confirm?lang=de", data={"token": token})
    assert "linda@example.org erhält nun die angeforderten Benachrichtigungen." in confirmed.text
    (moderation,) = mails_to(sink, "mod@example.org")
    assert "wartet auf Sie" in moderation.subject
    assert labelled_link(moderation, "Freigeben").startswith("/notifications/moderate?token=")
    assert labelled_link(moderation, "Ablehnen").startswith("/notifications/moderate?token=")
    assert "Sie moderieren Vögel auf Porch." in moderation.text


def test_a_weekly_digest_waits_a_week_and_speaks_the_sites_language(
    client: TestClient, ctx: Context, clock: Clock, sink: SmtpSink, worker: OutboxWorker
) -> None:
    site = make_site(ctx, "Vögel", language="de")
    add_user(ctx, "carma@example.org", PASSWORD, is_admin=False, name="Carma")
    token = log_in(client, "carma@example.org")
    followed = client.post("/api/v1/subscriptions", json={"site": site.key, "frequency": "weekly"},
                           headers={"Authorization": f"Bearer {token}"})
    assert followed.json() == {"status": "following"}
    clock.advance(minutes=5)
    post_comment(client, site, "Die Mauersegler sind zurück", name="Jürgen\r\nBcc: victim@example.org")
    deliver(worker)
    clock.advance(days=1)
    deliver(worker)
    assert sink.received == []  # a day is not a week
    clock.advance(days=6)
    deliver(worker)
    (digest,) = sink.received
    assert digest.subject == "[Vögel] 1 neuer Kommentar zu „Vögel“"
    assert "Jürgen Bcc: victim@example.org zu „https://blog.example/2026/11/a-post.html“" in digest.text
    assert "Sie haben eine wöchentliche Zusammenfassung gewählt." in digest.text
    assert "Diese E-Mails abbestellen: http://porch.test/notifications/unsubscribe?token=" in digest.text
    names = [line.split(":", 1)[0].lower() for line in digest.raw_header_lines if not line[:1].isspace()]
    assert "bcc" not in names and digest.rcpt_tos == ("carma@example.org",)


def test_a_comment_that_tells_nobody_is_settled_without_a_write_turn_and_one_that_tells_someone_is_not(
    client: TestClient, ctx: Context, sink: SmtpSink, worker: OutboxWorker, engine: Engine
) -> None:
    """The fan-out asks first, in a read transaction, whether anyone could hear of the comment (a
    webhook, a subscriber, the site's staff): posters wait for the write turn, so an event that
    tells nobody must not take it."""
    from sqlalchemy import event

    from porch.services.notifications import fan_out_comment_event
    from porch.services.outbox import claim_due_jobs

    site = make_site(ctx)
    post_comment(client, site, "Nobody follows this yet", name="William")
    (job,) = claim_due_jobs(ctx, worker="test", lease=timedelta(minutes=5), limit=10)
    in_write_turn: list[str] = []

    def note_writes(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        if connection.get_execution_options().get("porch_write"):
            in_write_turn.append(statement)

    event.listen(engine, "before_cursor_execute", note_writes)
    try:
        detail = fan_out_comment_event(ctx, job)
    finally:
        event.remove(engine, "before_cursor_execute", note_writes)
    assert (detail, in_write_turn) == ("nobody to tell", [])

    # The worker asks the same for its whole batch at once, and records the job as done.
    second = post_comment(client, site, "Still nobody", name="William")
    event.listen(engine, "before_cursor_execute", note_writes)
    try:
        deliver(worker)
    finally:
        event.remove(engine, "before_cursor_execute", note_writes)
    assert [s for s in in_write_turn if "comments" in s or "webhooks" in s or "site_roles" in s] == []
    with engine.connect() as connection:
        settled = connection.execute(
            select(outbox_jobs.c.status).where(
                outbox_jobs.c.idempotency_key == f"comment:{second['comment']['id']}:created"
            )
        ).scalar_one()
    assert settled == "delivered"

    add_user(ctx, "owner@example.org", PASSWORD, is_admin=False, name="Carma")
    grant_site_role(ctx, site.id, "owner@example.org", "owner")
    post_comment(client, site, "Now somebody is listening", name="William")
    deliver(worker)
    (mail,) = sink.received
    assert mail.rcpt_tos == ("owner@example.org",) and "Now somebody is listening" in mail.text
    with engine.connect() as connection:
        statuses = connection.execute(select(outbox_jobs.c.kind, outbox_jobs.c.status)).all()
    assert sorted(map(tuple, statuses)) == [
        ("comment_event", "delivered"), ("comment_event", "delivered"), ("comment_event", "pending"),
        ("mail", "delivered"),
    ]  # the first still claimed by "test" (its lease runs); the others settled, one of them with its mail
