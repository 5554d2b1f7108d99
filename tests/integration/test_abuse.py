"""The anti-abuse pipeline through the API: each step refuses or holds, and nothing refused is stored."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from porch.services.context import Context
from porch.services.sites import configure_site
from tests.conftest import Clock
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, read_thread


def _post(client: TestClient, site_key: str, body: str, **extra: object):  # type: ignore[no-untyped-def]
    payload = {"site": site_key, "uri": POST_URI, "body": body, "author": {"name": "William"}, **extra}
    return client.post("/api/v1/comments", json=payload, headers={"Origin": BLOG_ORIGIN, "X-Porch-Browser": "b-1"})


def test_the_demo_double_submission_is_refused_over_the_api(client: TestClient, ctx: Context, clock: Clock) -> None:
    from porch.demo.content import demo_posts

    _, second = demo_posts()
    first_copy, second_copy = [c for c in second.comments if c.author == "William Mougayar"]
    assert first_copy.body == second_copy.body  # the seed's double submission, a minute apart
    site = make_site(ctx)
    assert _post(client, site.key, first_copy.body).status_code == 201
    clock.advance(minutes=1)
    again = _post(client, site.key, "  " + second_copy.body.upper() + "  ")  # near-duplicate: case and spacing
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "duplicate_comment"
    assert read_thread(client, site)["total"] == 1
    # Later than the window, saying it again is allowed.
    clock.advance(minutes=11)
    assert _post(client, site.key, first_copy.body).status_code == 201


def test_a_filled_honeypot_is_refused_and_nothing_is_stored(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    refused = _post(client, site.key, "buy my stuff", hp="http://spam.example")
    assert refused.status_code == 403 and refused.json()["code"] == "automated_submission"
    assert read_thread(client, site)["thread"] is None
    assert _post(client, site.key, "a person", hp="").status_code == 201


def test_a_form_sent_too_fast_waits_for_a_moderator(client: TestClient, ctx: Context, clock: Clock) -> None:
    site = make_site(ctx)
    opened = clock.now.timestamp() * 1000 - 1200  # epoch milliseconds, as the embed sends Date.now()
    fast = _post(client, site.key, "typed in a second", form_started_at=opened)
    assert fast.status_code == 201 and fast.json()["comment"]["status"] == "pending"
    assert fast.json()["held_because"] == "sent 1.2 s after the form opened"
    calm = _post(client, site.key, "typed with care", form_started_at=(clock.now - timedelta(seconds=40)).isoformat())
    assert calm.json()["comment"]["status"] == "published"
    bad = _post(client, site.key, "x", form_started_at="yesterday-ish")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "form_started_at"


def test_rate_limits_answer_429_with_retry_after_until_tokens_return(
    client: TestClient, ctx: Context, clock: Clock
) -> None:
    site = make_site(ctx)
    for n in range(8):  # a person's burst
        assert _post(client, site.key, f"message {n}").status_code == 201
    limited = _post(client, site.key, "one more")
    assert limited.status_code == 429 and limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited" and limited.headers["retry-after"] == "15"
    assert read_thread(client, site)["total"] == 8
    clock.advance(seconds=15)
    assert _post(client, site.key, "one more").status_code == 201
    # The site's owner can turn limits off (load tests, trusted back-office clients).
    configure_site(ctx, site.name, {"rate_limits": "off"})
    for n in range(10):
        assert _post(client, site.key, f"burst {n}").status_code == 201


def test_copy_paste_across_conversations_is_held(client: TestClient, ctx: Context, clock: Clock) -> None:
    site = make_site(ctx)
    text = "Great article! Visit my page for more great articles"
    for n, uri in enumerate(["/one", "/two", "/three"]):
        response = client.post(
            "/api/v1/comments",
            json={"site": site.key, "uri": uri, "body": text, "author": {"name": f"Bot {n}"}},
            headers={"Origin": BLOG_ORIGIN, "X-Porch-Browser": f"bot-{n}"},
        )
        clock.advance(minutes=1)
        assert response.status_code == 201
    assert response.json()["comment"]["status"] == "pending"
    assert response.json()["held_because"] == "the same text is in 2 other conversations"
    short = [
        client.post(
            "/api/v1/comments", json={"site": site.key, "uri": uri, "body": "Thanks!"}, headers={"Origin": BLOG_ORIGIN}
        ).json()["comment"]["status"]
        for uri in ("/a", "/b", "/c")
    ]
    assert short == ["published"] * 3


def test_refusals_are_logged_with_their_reason(client: TestClient, ctx: Context, caplog) -> None:  # type: ignore[no-untyped-def]
    site = make_site(ctx)
    with caplog.at_level("INFO", logger="porch.abuse"):
        _post(client, site.key, "bot", hp="x")
    (record,) = [r for r in caplog.records if r.name == "porch.abuse"]
    assert "refused comment: automated_submission" in record.getMessage()


def test_a_ban_applies_until_it_expires_and_a_permanent_one_always(ctx: Context, clock: Clock) -> None:
    from porch.domain.bans import BanKind
    from porch.storage.repositories.moderation import ModerationRepository

    site = make_site(ctx)
    now = clock()
    with ctx.uow(write=True) as uow:
        repo = ModerationRepository(uow.connection)
        for value, expires in (("gone@example.org", now - timedelta(minutes=1)),
                               ("soon@example.org", now + timedelta(hours=1)),
                               ("ever@example.org", None)):
            repo.add_ban(site_id=site.id, kind=BanKind.EMAIL, value=value, expires_at=expires, note="",
                         created_by=None, now=now)
        uow.commit()
    with ctx.uow() as uow:
        repo = ModerationRepository(uow.connection)
        assert sorted(b.value for b in repo.active_bans(site.id, now)) == ["ever@example.org", "soon@example.org"]
        later = now + timedelta(hours=2)
        assert [b.value for b in repo.active_bans(site.id, later)] == ["ever@example.org"]
        assert repo.active_bans(site.id + 1, now) == []
