"""The pipeline asks the classifier learned from moderators' decisions, and Akismet when configured."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from porch.akismet import AkismetClient
from porch.services.comments import NewComment
from porch.services.comments import post_comment as post_in_process
from porch.services.context import Context
from porch.services.requesters import Requester
from tests.akismet_stand_in import KEY, StandIn, closed_port_url, serve_stand_in
from tests.factories import POST_URI, post_comment
from tests.moderation_helpers import Moderators, set_up_moderators

HAM = [
    "I tried the sourdough recipe from the {n}th paragraph and the crust came out lovely",
    "Thanks for writing this, it reminded me of my grandmother's garden number {n}",
    "Does anyone know whether the library on {n} Elm Street still runs the reading group",
    "We walked the coastal path last weekend; stage {n} was muddy but worth it",
]
SPAM = [
    "Discount luxury watches wholesale shipping worldwide order {n} today at our store",
    "Wholesale discount handbags luxury brands order {n} cheapest shipping store",
    "Get luxury sunglasses discount wholesale store shipping order {n} now",
]
OBVIOUS_SPAM = "Luxury discount watches and handbags, wholesale store, worldwide shipping, order today"


def _queue(client: TestClient, mods: Moderators) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/sites/{mods.blog.key}/queue", headers=mods.blog_mod)
    assert response.status_code == 200, response.text
    return response.json()["comments"]  # type: ignore[no-any-return]


def _teach(client: TestClient, ctx: Context, mods: Moderators, *, spam: int, ham: int) -> None:
    """Comments as they would have arrived (in process: no rate limits), then the moderators' verdicts."""
    spam_ids = []
    for n in range(max(spam, ham)):
        if n < ham:
            text = HAM[n % len(HAM)].format(n=n)
            post_in_process(ctx, NewComment(mods.blog.key, POST_URI, text, author_name="Linda"), Requester())
        if n < spam:
            text = SPAM[n % len(SPAM)].format(n=n)
            posted = post_in_process(ctx, NewComment(mods.blog.key, "/shop", text, author_name="Bot"), Requester())
            spam_ids.append(posted.comment.id)
    response = client.post(
        f"/api/v1/sites/{mods.blog.key}/queue", json={"action": "spam", "comments": spam_ids}, headers=mods.blog_mod
    )
    assert response.status_code == 200, response.text


def test_a_model_trained_on_moderators_decisions_holds_obvious_spam(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    _teach(client, ctx, mods, spam=24, ham=24)
    trained = ctx.spam_models.trainings

    held = post_comment(client, mods.blog, OBVIOUS_SPAM, uri="/another-post")
    assert held["comment"]["status"] == "pending"
    assert held["held_because"].startswith("spam score 0.9") and "moderators" in held["held_because"]
    (waiting,) = _queue(client, mods)
    assert waiting["id"] == held["comment"]["id"]
    assert {"why": "spam_score", "text": held["held_because"]} in waiting["reasons"]

    kind = post_comment(client, mods.blog, "Lovely photos of the garden, thanks for the recipe too")
    assert kind["comment"]["status"] == "published" and kind["held_because"] is None
    assert ctx.spam_models.trainings == trained + 1  # retrained once after the verdicts, then cached


def test_the_model_retrains_after_a_decision_and_not_before(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    _teach(client, ctx, mods, spam=24, ham=24)
    trained = ctx.spam_models.trainings
    post_comment(client, mods.blog, "First visit here, hello everyone")
    post_comment(client, mods.blog, "Second comment, still friendly")
    assert ctx.spam_models.trainings == trained + 1
    last = post_comment(client, mods.blog, "Third comment, also friendly")["comment"]["id"]
    client.post(f"/api/v1/comments/{last}/moderate", json={"action": "spam"}, headers=mods.blog_mod)
    post_comment(client, mods.blog, "Fourth comment, friendly again")
    assert ctx.spam_models.trainings == trained + 2


def test_too_few_decisions_say_nothing(client: TestClient, ctx: Context) -> None:
    mods = set_up_moderators(client, ctx)
    _teach(client, ctx, mods, spam=5, ham=24)
    assert post_comment(client, mods.blog, OBVIOUS_SPAM, uri="/another-post")["comment"]["status"] == "published"


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[str, StandIn]]:
    with serve_stand_in() as served:
        yield served


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def test_akismet_saying_spam_holds_the_comment_with_its_reason(
    client: TestClient, ctx: Context, stand_in: tuple[str, StandIn], http: httpx.Client
) -> None:
    mods = set_up_moderators(client, ctx)
    ctx.akismet = AkismetClient(stand_in[0], KEY, http, timeout=2.0)
    held = post_comment(client, mods.blog, "Cheap viagra for everyone")
    assert held["comment"]["status"] == "pending" and held["held_because"] == "akismet: spam"
    assert {"why": "akismet", "text": "akismet: spam"} in _queue(client, mods)[0]["reasons"]
    assert post_comment(client, mods.blog, "A kind reply")["comment"]["status"] == "published"


@pytest.mark.parametrize("broken", ["refused", "wrong key"])
def test_akismet_unavailable_holds_the_comment_never_loses_it(
    client: TestClient, ctx: Context, stand_in: tuple[str, StandIn], http: httpx.Client, broken: str
) -> None:
    mods = set_up_moderators(client, ctx)
    url, key = (closed_port_url(), KEY) if broken == "refused" else (stand_in[0], "wrong-key")
    ctx.akismet = AkismetClient(url, key, http, timeout=2.0)
    held = post_comment(client, mods.blog, "A perfectly normal comment")
    assert held["comment"]["status"] == "pending" and held["held_because"] == "akismet unavailable"
    (waiting,) = _queue(client, mods)
    assert {"why": "akismet", "text": "akismet unavailable"} in waiting["reasons"]


def test_a_site_can_turn_akismet_off(
    client: TestClient, ctx: Context, stand_in: tuple[str, StandIn], http: httpx.Client
) -> None:
    mods = set_up_moderators(client, ctx, akismet="off")
    ctx.akismet = AkismetClient(closed_port_url(), KEY, http, timeout=2.0)
    assert post_comment(client, mods.blog, "Cheap viagra for everyone")["comment"]["status"] == "published"
