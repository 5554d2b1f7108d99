"""Reading threads: sort orders, cursor pagination, counts, and the query budget."""

from __future__ import annotations

from fastapi.testclient import TestClient

from porch.services.context import Context
from tests.conftest import Clock, QueryCounter
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment, read_thread


def _vote(client: TestClient, comment_id: int, value: int, browser: str) -> None:
    response = client.post(
        f"/api/v1/comments/{comment_id}/vote",
        json={"value": value},
        headers={"X-Porch-Browser": browser, "Origin": BLOG_ORIGIN},
    )
    assert response.status_code == 200, response.text


def test_unknown_page_has_an_empty_conversation(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    page = read_thread(client, site, "/never-commented")
    assert page["thread"] is None and page["comments"] == [] and page["total"] == 0
    assert page["next_cursor"] is None and page["edit_window_seconds"] == 900


def test_unknown_site_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/threads", params={"site": "nope", "uri": POST_URI})
    assert response.status_code == 404 and response.json()["code"] == "unknown_site"


def test_sort_orders(client: TestClient, ctx: Context, clock: Clock) -> None:
    site = make_site(ctx)
    ids = []
    for n in range(4):
        ids.append(post_comment(client, site, f"comment {n}")["comment"]["id"])
        clock.advance(minutes=1)
    _vote(client, ids[2], 1, "voter-a" * 4)
    _vote(client, ids[2], 1, "voter-b" * 4)
    _vote(client, ids[1], 1, "voter-a" * 4)
    _vote(client, ids[0], -1, "voter-a" * 4)

    def order(sort: str) -> list[int]:
        return [c["id"] for c in read_thread(client, site, sort=sort)["comments"]]

    assert order("oldest") == ids
    assert order("newest") == list(reversed(ids))
    assert order("best") == [ids[2], ids[1], ids[3], ids[0]]


def test_cursor_pages_through_every_top_level_comment_once(client: TestClient, ctx: Context, clock: Clock) -> None:
    site = make_site(ctx)
    ids = []
    for n in range(7):
        root = post_comment(client, site, f"top {n}")["comment"]["id"]
        ids.append(root)
        post_comment(client, site, f"reply to {n}", parent=root)
        clock.advance(seconds=30)
    for sort, expected in (("oldest", ids), ("newest", list(reversed(ids)))):
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params = {"sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
            page = read_thread(client, site, **params)
            pages += 1
            seen += [c["id"] for c in page["comments"]]
            assert all(len(c["replies"]) == 1 for c in page["comments"])  # replies travel with their parent
            assert page["total"] == 14 and page["top_level_total"] == 7
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected and pages == 3


def test_a_comment_arriving_between_pages_is_neither_repeated_nor_lost(
    client: TestClient, ctx: Context, clock: Clock
) -> None:
    site = make_site(ctx)
    ids = []
    for n in range(4):
        ids.append(post_comment(client, site, f"c{n}")["comment"]["id"])
        clock.advance(seconds=10)
    first = read_thread(client, site, sort="oldest", limit=2)
    late = post_comment(client, site, "late")["comment"]["id"]
    second = read_thread(client, site, sort="oldest", limit=10, cursor=first["next_cursor"])
    assert [c["id"] for c in first["comments"]] + [c["id"] for c in second["comments"]] == ids + [late]


def test_cursor_errors(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    for n in range(3):
        post_comment(client, site, f"c{n}")
    cursor = read_thread(client, site, limit=1)["next_cursor"]
    other_sort = client.get(
        "/api/v1/threads", params={"site": site.key, "uri": POST_URI, "sort": "best", "cursor": cursor}
    )
    assert other_sort.status_code == 422 and other_sort.json()["code"] == "invalid_cursor"
    garbage = client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI, "cursor": "!!notacursor"})
    assert garbage.status_code == 422 and garbage.json()["code"] == "invalid_cursor"
    too_many = client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI, "limit": 1000})
    assert too_many.status_code == 422
    bad_sort = client.get("/api/v1/threads", params={"site": site.key, "uri": POST_URI, "sort": "loudest"})
    assert bad_sort.status_code == 422 and bad_sort.json()["errors"][0]["field"] == "sort"


def test_tracking_parameters_and_spelling_do_not_split_a_thread(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    post_comment(client, site, "one", uri="https://blog.example/2026/11/a-post.html")
    post_comment(client, site, "two", uri="HTTP://WWW.Blog.Example/2026/11/a-post.html/?utm_source=x&fbclid=1#comments")
    post_comment(client, site, "three", uri="/2026/11/a-post.html?gclid=abc")
    assert read_thread(client, site, "https://blog.example:443/2026/11/a-post.html")["total"] == 3
    assert read_thread(client, site, "https://blog.example/2026/11/a-post.html?page=2")["total"] == 0


def test_counts_for_many_pages_in_one_request(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    for _ in range(3):
        post_comment(client, site, "x", uri="/a")
    post_comment(client, site, "y", uri="/b")
    hidden = post_comment(client, site, "z", uri="/b")
    client.delete(f"/api/v1/comments/{hidden['comment']['id']}", headers={"X-Porch-Edit-Token": hidden["edit_token"]})
    response = client.post(
        "/api/v1/counts", json={"site": site.key, "uris": ["/a", "https://blog.example/b/?utm_medium=rss", "/never"]}
    )
    assert response.status_code == 200
    assert response.json() == {"counts": {"/a": 3, "https://blog.example/b/?utm_medium=rss": 1, "/never": 0}}


def test_counts_validate_their_input(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    too_many = client.post("/api/v1/counts", json={"site": site.key, "uris": [f"/p{n}" for n in range(201)]})
    assert too_many.status_code == 422
    bad = client.post("/api/v1/counts", json={"site": site.key, "uris": ["/ok", "javascript:alert(1)"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "uris[1]"
    unknown = client.post("/api/v1/counts", json={"site": "nope", "uris": ["/a"]})
    assert unknown.status_code == 404


def test_reading_a_thread_takes_the_same_few_queries_whatever_its_size(
    client: TestClient, ctx: Context, count_queries: QueryCounter
) -> None:
    site = make_site(ctx, rate_limits=False)  # 65 comments from one address at one instant
    parent = None
    for n in range(5):
        parent = post_comment(client, site, f"small {n}", uri="/small", parent=parent if n % 2 else None)["comment"][
            "id"
        ]
    for n in range(60):
        parent = post_comment(client, site, f"big {n}", uri="/big", parent=parent if n % 3 else None)["comment"]["id"]
    count_queries.statements.clear()
    read_thread(client, site, "/small")
    small = count_queries.count
    count_queries.statements.clear()
    read_thread(client, site, "/big")
    # bounded whatever the size: site and thread, comments, badge holders (and the site once more on a
    # worker's first read of it: see prepared_threads.py)
    assert count_queries.count <= 4 and small <= 4
    count_queries.statements.clear()
    client.post("/api/v1/counts", json={"site": site.key, "uris": [f"/p{n}" for n in range(50)] + ["/big"]})
    assert count_queries.count <= 2


def test_authors_and_moderators_wear_badges(client: TestClient, ctx: Context) -> None:
    from porch.demo.content import demo_posts, load_demo
    from porch.services.accounts import add_user, grant_site_role

    site = load_demo(ctx, BLOG_ORIGIN)
    first = demo_posts()[0]
    page = read_thread(client, site, first.url)
    everyone = [c for top in page["comments"] for c in [top, *top["replies"]]]
    assert {c["author"]["name"] for c in everyone if c["author"]["badges"] == ["author"]} == {"Carma"}
    assert all(c["author"]["badges"] == [] for c in everyone if c["author"]["name"] != "Carma")

    add_user(ctx, "mod@example.org", "moderator password", is_admin=False, name="Mo")
    grant_site_role(ctx, site.id, "mod@example.org", "moderator")
    token = client.post("/api/v1/auth/login", json={"email": "mod@example.org", "password": "moderator password"})
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {token.json()['token']}", "Origin": BLOG_ORIGIN}
    posted = client.post(
        "/api/v1/comments", json={"site": site.key, "uri": first.url, "body": "Welcome, all"}, headers=headers
    )
    assert posted.status_code == 201, posted.text
    page = read_thread(client, site, first.url, sort="newest")
    assert page["comments"][0]["author"]["badges"] == ["moderator"]
