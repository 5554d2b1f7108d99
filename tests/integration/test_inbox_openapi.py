"""The inbox endpoints are described in /api/openapi.json: the schema names every field the contract
promises, and real responses have exactly the fields the schema describes (no more, no fewer)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from porch.services.context import Context
from porch.web.api.inbox_schemas import ConversationOut, DiscoverOut, FollowsOut, InboxPageOut, ReadOut
from tests.factories import make_site
from tests.inbox_helpers import comment_as, inbox, person_of, sign_in


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow $ref, and take the non-null branch of ``X | None`` (anyOf [X, null])."""
    while True:
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


def _response_schema(document: dict[str, Any], method: str, path: str, status: str = "200") -> dict[str, Any]:
    operation = document["paths"][path][method]
    return _resolve(document, operation["responses"][status]["content"]["application/json"]["schema"])


def assert_matches(document: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$") -> None:
    """Every object in ``value`` has exactly the properties its schema lists, recursively."""
    schema = _resolve(document, schema)
    if isinstance(value, dict) and schema.get("type") == "object" and "properties" in schema:
        assert set(value) == set(schema["properties"]), f"{where}: {sorted(value)} vs {sorted(schema['properties'])}"
        for name, item in value.items():
            if item is not None:
                assert_matches(document, schema["properties"][name], item, f"{where}.{name}")
    elif isinstance(value, list) and schema.get("type") == "array":
        for index, item in enumerate(value):
            assert_matches(document, schema["items"], item, f"{where}[{index}]")


def test_the_inbox_schema_names_what_the_contract_promises(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    page = _response_schema(document, "get", "/api/v1/me/inbox")
    assert {"filter", "conversations", "next_cursor"} <= set(page["properties"])
    conversation = _resolve(document, page["properties"]["conversations"]["items"])
    # The contract (issue 7): site, thread URL and title, last activity, unread count, latest comments.
    assert {"site", "url", "title", "last_activity", "unread", "latest", "source", "reply_url"} <= set(
        conversation["properties"]
    )
    assert conversation["properties"]["last_activity"]["format"] == "date-time"
    assert conversation["properties"]["unread"]["type"] == "integer"
    site = _resolve(document, conversation["properties"]["site"])
    assert {"name", "key"} <= set(site["properties"])
    latest = _resolve(document, conversation["properties"]["latest"]["items"])
    assert {"id", "author", "body_html", "created_at", "to_you", "url"} <= set(latest["properties"])
    for method, path in (
        ("get", "/api/v1/me/discover"),
        ("get", "/api/v1/me/inbox/conversations/{thread_id}"),
        ("post", "/api/v1/me/inbox/read"),
        ("post", "/api/v1/me/read"),
        ("get", "/api/v1/me/follows"),
        ("post", "/api/v1/me/follows"),
        ("get", "/api/v1/me/feeds"),
    ):
        assert _response_schema(document, method, path).get("properties"), (method, path)
    assert _response_schema(document, "post", "/api/v1/me/inbox/reply", "201")["properties"]["comment"]


def test_inbox_responses_have_exactly_the_fields_the_schema_describes(client: TestClient, ctx: Context) -> None:
    document = client.get("/api/openapi.json").json()
    blog = make_site(ctx, "blog", ["https://blog.example"])
    linda = sign_in(client, ctx, "linda@example.org", "Linda")
    carma = sign_in(client, ctx, "carma@example.org", "Carma")
    mine = comment_as(client, blog, "question", uri="/post.html", headers=linda)
    comment_as(client, blog, "answer @Linda", uri="/post.html", headers=carma, parent=mine["id"])
    client.post("/api/v1/me/follows", json={"person": person_of(client, carma)}, headers=linda)

    page = inbox(client, linda)
    assert page["conversations"] and page["conversations"][0]["latest"]
    assert_matches(document, _response_schema(document, "get", "/api/v1/me/inbox"), page)
    InboxPageOut.model_validate(page)
    one = client.get(f"/api/v1/me/inbox/conversations/{page['conversations'][0]['id']}", headers=linda).json()
    assert_matches(document, _response_schema(document, "get", "/api/v1/me/inbox/conversations/{thread_id}"), one)
    ConversationOut.model_validate(one)
    discover = client.get("/api/v1/me/discover", headers=linda).json()
    assert_matches(document, _response_schema(document, "get", "/api/v1/me/discover"), discover)
    DiscoverOut.model_validate(discover)
    follows = client.get("/api/v1/me/follows", headers=linda).json()
    assert_matches(document, _response_schema(document, "get", "/api/v1/me/follows"), follows)
    FollowsOut.model_validate(follows)
    read = client.post("/api/v1/me/inbox/read", json={"thread": page["conversations"][0]["id"]}, headers=linda)
    ReadOut.model_validate(read.json())
    reply = client.post(
        "/api/v1/me/inbox/reply", json={"thread": page["conversations"][0]["id"], "body": "thanks"}, headers=linda
    )
    assert reply.status_code == 201, reply.text
    assert_matches(document, _response_schema(document, "post", "/api/v1/me/inbox/reply", "201"), reply.json())
