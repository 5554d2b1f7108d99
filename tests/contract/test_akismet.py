"""The Akismet-compatible client against a stand-in speaking the same protocol on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from porch.akismet import AkismetClient, AkismetComment, AkismetUnavailable
from tests.akismet_stand_in import KEY, StandIn, closed_port_url, serve_stand_in


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[str, StandIn]]:
    with serve_stand_in() as served:
        yield served


def _comment(text: str) -> AkismetComment:
    return AkismetComment(blog="https://blog.example", user_ip="203.0.113.9", content=text, author="Linda")


def test_verdicts_and_teaching(stand_in: tuple[str, StandIn]) -> None:
    url, service = stand_in
    with httpx.Client() as http:
        client = AkismetClient(url, KEY, http)
        assert client.is_spam(_comment("Cheap VIAGRA")) is True
        assert client.is_spam(_comment("A kind reply")) is False
        client.submit_spam(_comment("buy followers"))
        assert client.is_spam(_comment("buy followers")) is True
        client.submit_ham(_comment("A kind reply"))
    assert ("ham", "a kind reply") in service.taught


def test_unusable_answers_are_reported_not_guessed(stand_in: tuple[str, StandIn]) -> None:
    url, _ = stand_in
    with httpx.Client() as http:
        with pytest.raises(AkismetUnavailable, match="invalid"):
            AkismetClient(url, "wrong-key", http).is_spam(_comment("hello"))
        with pytest.raises(AkismetUnavailable, match="400"):
            AkismetClient(url, KEY, http).is_spam(AkismetComment(blog="", user_ip="", content="x"))
        with pytest.raises(AkismetUnavailable, match="ConnectError"):
            AkismetClient(closed_port_url(), KEY, http).is_spam(_comment("hello"))
