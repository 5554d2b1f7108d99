"""Engagement and belonging measures through the API, checked against numbers worked out by hand.

Definitions: docs/subsystems/analytics.md. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from porch.demo.content import load_demo
from porch.domain.sites import Site
from porch.services.accounts import add_user, grant_site_role, log_in
from porch.services.context import Context
from tests.conftest import Clock
from tests.factories import BLOG_ORIGIN, POST_URI, make_site, post_comment

PASSWORD = "correct horse battery"
OTHER_URI = "https://blog.example/2026/11/another-post.html"
DEMO_FIRST_POST = "http://carma-writeitdown.example/2007/07/social-conversations.html"


def _bearer(ctx: Context, email: str, site: Site | None, role: str | None, name: str | None = None) -> dict[str, str]:
    add_user(ctx, email, PASSWORD, is_admin=False, name=name)
    if site is not None and role is not None:
        grant_site_role(ctx, site.id, email, role)
    return {"Authorization": f"Bearer {log_in(ctx, email, PASSWORD).session_token}"}


def _analytics(client: TestClient, site: Site, headers: dict[str, str], **params: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/sites/{site.key}/analytics", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_demo_blog_measures(client: TestClient, ctx: Context) -> None:
    """The demo blog, by hand (times in the seed are UTC-7 for post 1, UTC-5 for post 2).

    Post 1 (author Carma): 1 Linda 10:00; 2 Carma→1 11:07; 3 Kate 12:14; 4 Carma→3 13:21; 5 Dawud 14:28;
    6 Carma→5 15:35; 7 Dawud→6 16:42; 8 Carma→7 17:49; 9 Suzanne 18:56; 10 Carma→9 19:03.
    Post 2 (author Carl): Tao, William, William — all top level, no replies. Loaded as Porch keeps it:
    Tao's link-only drive-by waits in the queue and William's double submission is refused the second
    time, so post 2 shows William's one comment.

    comments 11, threads 2, with conversation 1 (post 2 has no reply), commenters 6
    (Linda, Carma, Kate, Dawud, Suzanne, William), votes 0, replies 6 (2,4,6,7,8,10).
    Answered by someone else: 1,3,5,6,7,9 → reply_rate 6/11 = 0.5455.
    Waits: 67 min ×5 (1,3,5,6,7) and 7 min (9→10) → median 67 min = 4020 s; buckets 5–60 min: 1, 1–6 h: 5.
    Levels: 5→6→7→8 reaches 4 → max_depth 4; mean of thread depths (4, 1) = 2.5; breadth (4 + 1) / 2 = 2.5.
    A→B→A: 7 (Dawud→Carma→Dawud) and 8 (Carma→Dawud→Carma) → 2.
    Author pairs: post 1 Linda, Kate, Dawud, Suzanne (all answered), post 2 William (not) → 4/5;
    author waits 67, 67, 67 (Dawud's first comment 14:28 → 15:35) and 7 min → median 4020 s.
    All 6 are new; nobody's last comment is ≥ 24 h after their first → returning 0, rate 0, regulars 0.
    Counts 5,2,1,1,1,1: top 10 % = ⌈0.6⌉ = 1 person = 5/11 = 0.4545; Gini = 2·50/(6·11) − 7/6 = 23/66
    = 0.3485; half of 11 needs Carma 5 + 2 = 7 → 2 people.
    Cohorts by UTC month of first comment: 2007-07 Linda, Carma, Kate, Dawud (4; Carma also comments in
    August UTC → retention [1, 0.25]); 2007-08 Suzanne (01:56 UTC on 1 Aug) (1); 2012-06 William (1).
    Reply graph: Carma→Dawud 2, then Carma→Linda, Carma→Kate, Carma→Suzanne, Dawud→Carma 1 each.
    """
    site = load_demo(ctx, "https://demo.example")
    headers = _bearer(ctx, "carma@example.org", site, "owner")
    a = _analytics(client, site, headers)
    assert {k: a[k] for k in (
        "comments", "threads", "threads_with_conversation", "commenters", "votes", "replies", "max_depth",
        "back_and_forth", "new_commenters", "returning_commenters", "threads_with_known_author",
    )} == {
        "comments": 11, "threads": 2, "threads_with_conversation": 1, "commenters": 6, "votes": 0, "replies": 6,
        "max_depth": 4, "back_and_forth": 2, "new_commenters": 6, "returning_commenters": 0,
        "threads_with_known_author": 2,
    }
    assert a["reply_rate"] == pytest.approx(6 / 11, abs=1e-4)
    assert a["median_first_reply_seconds"] == pytest.approx(4020)
    assert a["mean_depth"] == pytest.approx(2.5) and a["mean_breadth"] == pytest.approx(2.5)
    assert a["author_response_rate"] == pytest.approx(4 / 5, abs=1e-4)
    assert a["author_median_response_seconds"] == pytest.approx(4020)
    assert a["returning_rate"] == 0 and a["regulars_share"] == 0
    assert a["concentration"] == {"top10_share": pytest.approx(5 / 11, abs=1e-4),
                                  "gini": pytest.approx(23 / 66, abs=1e-4), "people_for_half": 2}
    assert [(d["wait"], d["comments"]) for d in a["first_reply_distribution"] if d["comments"]] == [
        ("5–60 min", 1), ("1–6 h", 5)]
    assert [(c["month"], c["size"], c["returned_30d"], c["rate_30d"], c["retention"]) for c in a["cohorts"]] == [
        ("2007-07", 4, 0, 0.0, [1.0, 0.25]), ("2007-08", 1, 0, 0.0, [1.0]), ("2012-06", 1, 0, 0.0, [1.0])]
    assert [(c["name"], c["comments"], c["replies_received"]) for c in a["top_contributors"][:2]] == [
        ("Carma", 5, 1), ("Dawud Miracle", 2, 2)]
    everyone = [(c["name"], c["comments"], c["replies_received"]) for c in a["top_contributors"]]
    assert ("William Mougayar", 1, 0) in everyone
    assert [(e["from"], e["to"], e["replies"]) for e in a["reply_graph"]][0] == ("Carma", "Dawud Miracle", 2)
    assert sorted((e["from"], e["to"], e["replies"]) for e in a["reply_graph"][1:]) == [
        ("Carma", "Kate", 1), ("Carma", "Linda Della Donna", 1), ("Carma", "Suzanne", 1),
        ("Dawud Miracle", "Carma", 1)]


def test_in_the_first_demo_post_the_author_answered_every_commenter(client: TestClient, ctx: Context) -> None:
    """Post 1 alone: Linda, Kate, Dawud, Suzanne — Carma replied to each → 4/4 = 1.0; 10 comments, 6 answered."""
    site = load_demo(ctx, "https://demo.example")
    headers = _bearer(ctx, "mod@example.org", site, "moderator")
    a = _analytics(client, site, headers, uri=DEMO_FIRST_POST + "?utm_source=newsletter")
    assert a["author_response_rate"] == 1.0 and a["comments"] == 10 and a["commenters"] == 5
    assert a["reply_rate"] == pytest.approx(0.6)


def _hand_made_site(client: TestClient, ctx: Context, clock: Clock) -> tuple[Site, dict[str, str], dict[str, int]]:
    """A two-page blog (owner Olive, no named author: the owner counts as the author).

    POST_URI:  c1 Ann Nov 1 10:00 · c2 Bob→c1 10:10 · c3 Ann→c2 10:20 · c4 Olive→c1 11:00 · c5 Cy 12:00
               c6 Ann Nov 3 10:00 · c7 Bob→c6 10:30
    OTHER_URI: c8 Dee Nov 3 11:00 · c9 Eve Nov 3 12:00 (deleted by her) · c10 Ann Dec 5 10:00
    Cy up-votes c1.
    """
    site = make_site(ctx)
    owner = _bearer(ctx, "olive@example.org", site, "owner", name="Olive")
    ids: dict[str, int] = {}

    def at(moment: datetime, key: str, person: str, *, uri: str = POST_URI, parent: str | None = None,
           headers: dict[str, str] | None = None) -> dict[str, Any]:
        clock.now = moment
        posted = post_comment(client, site, f"{person} says hi", uri=uri, parent=ids.get(parent or ""),
                              name=person, headers=headers or {"X-Porch-Browser": f"browser-of-{person}"})
        ids[key] = posted["comment"]["id"]
        return posted

    nov1 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    at(nov1, "c1", "Ann")
    at(nov1.replace(minute=10), "c2", "Bob", parent="c1")
    at(nov1.replace(minute=20), "c3", "Ann", parent="c2")
    at(nov1.replace(hour=11), "c4", "Olive", parent="c1", headers=owner)
    at(nov1.replace(hour=12), "c5", "Cy")
    nov3 = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    at(nov3, "c6", "Ann")
    at(nov3.replace(minute=30), "c7", "Bob", parent="c6")
    at(nov3.replace(hour=11), "c8", "Dee", uri=OTHER_URI)
    eve = at(nov3.replace(hour=12), "c9", "Eve", uri=OTHER_URI)
    deleted = client.delete(f"/api/v1/comments/{ids['c9']}", headers={"X-Porch-Edit-Token": eve["edit_token"]})
    assert deleted.status_code == 204
    at(datetime(2026, 12, 5, 10, 0, tzinfo=UTC), "c10", "Ann", uri=OTHER_URI)
    vote = client.post(f"/api/v1/comments/{ids['c1']}/vote", json={"value": 1},
                       headers={"X-Porch-Browser": "browser-of-Cy", "Origin": BLOG_ORIGIN})
    assert vote.status_code == 200, vote.text
    clock.now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    # sessions expire: sign in again at the new "now"
    owner = {"Authorization": f"Bearer {log_in(ctx, 'olive@example.org', PASSWORD).session_token}"}
    return site, owner, ids


def test_hand_made_site_all_time(client: TestClient, ctx: Context, clock: Clock) -> None:
    """All time, by hand (see _hand_made_site; c9 is deleted so it counts nowhere).

    comments 9 (c1–c8, c10), threads 2, with conversation 1, commenters 5 (Ann, Bob, Olive, Cy, Dee), votes 1,
    replies 4 (c2, c3, c4, c7); replies received: Ann 3 (c2, c4 to c1; c7 to c6), Bob 1 (c3).
    Answered by someone else: c1 (first c2 after 600 s), c2 (c3, 600 s), c6 (c7, 1800 s)
    → reply_rate 3/9; median 600 s; all three in 5–60 min.
    Levels: c3 is 3 → max_depth 3; thread depths 3 and 1 → mean 2; breadth top-level c1,c5,c6,c8,c10 / 2 = 2.5.
    A→B→A: c3 (Ann→Bob→Ann) → 1.
    Author = owner Olive on both pages. Pairs: POST Ann, Bob, Cy; OTHER Dee, Ann → 5; Olive answered Ann
    on POST → 1/5 = 0.2, after 10:00 → 11:00 = 3600 s.
    Returning (last ≥ 24 h after first): Ann (Nov 1 → Dec 5), Bob (Nov 1 → Nov 3) → 2/5 = 0.4;
    their comments 4 + 2 = 6 of 9 → regulars_share 0.6667.
    Counts 4,2,1,1,1: top 10 % = 1 person = 4/9; Gini = 2·(1+2+3+8+20)/(5·9) − 6/5 = 14/45 = 0.3111; half of 9
    needs 4 + 2 → 2 people.
    Cohort 2026-11: 5 people; Ann and Bob came back within 30 (and 90) days → 2; all five have had 90 days
    by 1 Mar 2027 → rate 0.4; retention: month 0 all (1.0), December Ann alone (0.2).
    """
    site, owner, _ids = _hand_made_site(client, ctx, clock)
    a = _analytics(client, site, owner)
    assert {k: a[k] for k in (
        "comments", "threads", "threads_with_conversation", "commenters", "votes", "replies", "max_depth",
        "back_and_forth", "new_commenters", "returning_commenters", "threads_with_known_author",
    )} == {
        "comments": 9, "threads": 2, "threads_with_conversation": 1, "commenters": 5, "votes": 1, "replies": 4,
        "max_depth": 3, "back_and_forth": 1, "new_commenters": 5, "returning_commenters": 2,
        "threads_with_known_author": 2,
    }
    assert a["reply_rate"] == pytest.approx(3 / 9, abs=1e-4)
    assert a["median_first_reply_seconds"] == pytest.approx(600)
    assert a["mean_depth"] == pytest.approx(2.0) and a["mean_breadth"] == pytest.approx(2.5)
    assert a["author_response_rate"] == pytest.approx(0.2)
    assert a["author_median_response_seconds"] == pytest.approx(3600)
    assert a["returning_rate"] == pytest.approx(0.4) and a["regulars_share"] == pytest.approx(6 / 9, abs=1e-4)
    assert a["concentration"] == {"top10_share": pytest.approx(4 / 9, abs=1e-4),
                                  "gini": pytest.approx(14 / 45, abs=1e-4), "people_for_half": 2}
    assert [(d["wait"], d["comments"]) for d in a["first_reply_distribution"] if d["comments"]] == [("5–60 min", 3)]
    assert a["cohorts"] == [{"month": "2026-11", "size": 5, "returned_30d": 2, "returned_90d": 2,
                             "rate_30d": 0.4, "rate_90d": 0.4, "retention": [1.0, 0.2]}]
    assert [(c["name"], c["comments"], c["replies_received"]) for c in a["top_contributors"]] == [
        ("Ann", 4, 3), ("Bob", 2, 1), ("Olive", 1, 0), ("Cy", 1, 0), ("Dee", 1, 0)]
    assert sorted((e["from"], e["to"], e["replies"]) for e in a["reply_graph"]) == [
        ("Ann", "Bob", 1), ("Bob", "Ann", 2), ("Olive", "Ann", 1)]
    assert [(d["day"], d["comments"], d["commenters"], d["new_commenters"]) for d in a["activity"]] == [
        ("2026-11-01", 5, 4, 4), ("2026-11-03", 3, 3, 1), ("2026-12-05", 1, 1, 0)]


def test_hand_made_site_period_and_page(client: TestClient, ctx: Context, clock: Clock) -> None:
    """Period [Nov 2, Dec 1): c6 Ann, c7 Bob→c6, c8 Dee. 3 comments, 3 commenters; new: Dee only (Ann and Bob
    were first seen Nov 1); returning: Ann (Nov 1 10:00 → Nov 3 10:00) and Bob → 2/3; answered: c6 → 1/3;
    cohorts: Dee alone (2026-11, never came back → 0).
    Page OTHER_URI, all time: c8 Dee, c10 Ann → 2 comments; Ann returning (first on the site Nov 1) → 1/2;
    no replies → reply_rate 0, no median.
    """
    site, owner, _ids = _hand_made_site(client, ctx, clock)
    a = _analytics(client, site, owner, **{"from": "2026-11-02", "to": "2026-12-01T00:00:00Z"})
    assert (a["comments"], a["commenters"], a["new_commenters"], a["returning_commenters"]) == (3, 3, 1, 2)
    assert a["reply_rate"] == pytest.approx(1 / 3, abs=1e-4) and a["median_first_reply_seconds"] == 1800
    assert [(c["month"], c["size"], c["returned_90d"]) for c in a["cohorts"]] == [("2026-11", 1, 0)]
    assert a["from"] == "2026-11-02T00:00:00Z" and a["to"] == "2026-12-01T00:00:00Z"

    page = _analytics(client, site, owner, uri=OTHER_URI)
    assert (page["comments"], page["commenters"], page["returning_rate"], page["reply_rate"]) == (2, 2, 0.5, 0.0)
    assert page["median_first_reply_seconds"] is None and page["max_depth"] == 1


def test_named_author_replaces_the_owners(client: TestClient, ctx: Context, clock: Clock) -> None:
    """With Bob named author of POST_URI, Olive is a commenter there: pairs Ann, Olive, Cy (Bob answered Ann:
    c2 at 10:10 → 600 s); OTHER_URI keeps Olive as author (Dee, Ann, unanswered) → 1/5."""
    from porch.services.analytics import assign_thread_author

    site, owner, _ids = _hand_made_site(client, ctx, clock)
    assign_thread_author(ctx, site.key, POST_URI, name="Bob", browser_token="browser-of-Bob")
    a = _analytics(client, site, owner)
    assert a["author_response_rate"] == pytest.approx(0.2) and a["author_median_response_seconds"] == 600
    assert a["threads_with_known_author"] == 2


def test_csv_gives_the_same_numbers(client: TestClient, ctx: Context, clock: Clock) -> None:
    site, owner, _ids = _hand_made_site(client, ctx, clock)
    response = client.get(f"/api/v1/sites/{site.key}/analytics", params={"format": "csv"}, headers=owner)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    summary = {row[0]: row[1] for row in rows[1:] if len(row) == 2 and not row[0].startswith("#")}
    assert summary["comments"] == "9" and summary["reply_rate"] == "0.3333" and summary["returning_rate"] == "0.4"
    assert summary["author_response_rate"] == "0.2" and summary["median_first_reply_seconds"] == "600.0"
    assert ["# cohorts"] in rows and ["# top_contributors"] in rows

    cohorts = client.get(f"/api/v1/sites/{site.key}/analytics", params={"format": "csv", "table": "cohorts"},
                         headers=owner)
    assert list(csv.reader(io.StringIO(cohorts.text))) == [
        ["month", "size", "returned_30d", "returned_90d", "rate_30d", "rate_90d", "retention"],
        ["2026-11", "5", "2", "2", "0.4", "0.4", "1.0 0.2"]]
    graph = client.get(f"/api/v1/sites/{site.key}/analytics", params={"table": "reply_graph"}, headers=owner)
    assert list(graph.json()) == ["reply_graph"] and len(graph.json()["reply_graph"]) == 3


def test_only_owners_and_moderators_of_that_site_see_it(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    other = make_site(ctx, "other", ["https://other.example"])
    post_comment(client, site)
    outsider = _bearer(ctx, "mod-elsewhere@example.org", other, "moderator")
    moderator = _bearer(ctx, "mod@example.org", site, "moderator")
    url = f"/api/v1/sites/{site.key}/analytics"

    refused = client.get(url, headers=outsider)
    assert refused.status_code == 403 and refused.json()["code"] == "no_site_role"
    assert client.get(url).status_code == 401
    assert client.get(f"/api/v1/sites/{site.key}/newcomers-waiting", headers=outsider).status_code == 403
    assert client.get(url, headers=moderator).json()["comments"] == 1
    assert client.get(f"/api/v1/sites/{other.key}/analytics", headers=outsider).json()["comments"] == 0
    assert client.get("/api/v1/sites/nope/analytics", headers=moderator).status_code == 404


def test_bad_parameters_are_named(client: TestClient, ctx: Context) -> None:
    site = make_site(ctx)
    owner = _bearer(ctx, "owner@example.org", site, "owner")
    url = f"/api/v1/sites/{site.key}/analytics"
    bad = client.get(url, params={"from": "yesterday", "to": "2026-13-01"}, headers=owner)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == ["from", "to"]
    backwards = client.get(url, params={"from": "2026-11-02", "to": "2026-11-01"}, headers=owner)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "to"
    assert client.get(url, params={"format": "xml"}, headers=owner).json()["errors"][0]["field"] == "format"
    assert client.get(url, params={"table": "secrets"}, headers=owner).status_code == 422
    missing = client.get(url, params={"uri": "https://blog.example/never"}, headers=owner)
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_thread"


def test_newcomers_waiting_lists_unanswered_first_comments_oldest_first(
    client: TestClient, ctx: Context, clock: Clock
) -> None:
    """First comments: Ann c1 (answered by Bob), Bob c2 (answered by Ann), Olive c4 (the owner: not a
    newcomer to her own site), Cy c5 (unanswered), Dee c8 (unanswered), Eve c9 (deleted) → Cy, then Dee;
    Cy waited from Nov 1 12:00 to Mar 1 12:00 2027 = 120 days."""
    site, owner, ids = _hand_made_site(client, ctx, clock)
    response = client.get(f"/api/v1/sites/{site.key}/newcomers-waiting", headers=owner)
    assert response.status_code == 200
    waiting = response.json()["newcomers"]
    assert [(w["name"], w["comment"]) for w in waiting] == [("Cy", ids["c5"]), ("Dee", ids["c8"])]
    assert waiting[0]["waiting_seconds"] == 120 * 86400
    assert waiting[0]["permalink"] == f"{POST_URI}#comment-{ids['c5']}"

    clock.now = datetime(2027, 3, 1, 13, 0, tzinfo=UTC)
    post_comment(client, site, "Welcome, Cy!", parent=ids["c5"], headers={"X-Porch-Browser": "browser-of-Ann"})
    after = client.get(f"/api/v1/sites/{site.key}/newcomers-waiting", headers=owner).json()["newcomers"]
    assert [w["name"] for w in after] == ["Dee"]


def test_a_computation_is_kept_until_a_comment_changes(
    client: TestClient, ctx: Context, clock: Clock, count_queries: Any
) -> None:
    """The second look reads the snapshot (a handful of queries, same numbers); a new comment — or a
    deletion, which moves the thread's version too — makes the next look measure again."""
    site, owner, ids = _hand_made_site(client, ctx, clock)
    first = _analytics(client, site, owner)
    before = count_queries.count
    again = _analytics(client, site, owner)
    assert again == first and count_queries.count - before < 12

    post_comment(client, site, "Welcome, Dee!", uri=OTHER_URI, parent=ids["c8"],
                 headers={"X-Porch-Browser": "browser-of-Ann"})
    after = _analytics(client, site, owner)
    assert after["comments"] == 10 and after["reply_rate"] == pytest.approx(4 / 10)
    assert _analytics(client, site, owner, uri=OTHER_URI)["comments"] == 3


def test_site_owners_name_a_page_author_over_the_api(client: TestClient, ctx: Context, clock: Clock) -> None:
    """The same change as above, made by the owner over the API with Bob's address (he commented with it)."""
    site, owner, _ids = _hand_made_site(client, ctx, clock)
    post_comment(client, site, "Bob again", name="Bob", email="bob@example.org",
                 headers={"X-Porch-Browser": "browser-of-Bob"})
    put = client.put(f"/api/v1/sites/{site.key}/thread-author", headers=owner,
                     json={"uri": POST_URI + "?utm_source=x", "email": "Bob@Example.org"})
    assert put.status_code == 200, put.text
    assert put.json()["author"]["name"] == "Bob"
    a = _analytics(client, site, owner)
    assert a["threads_with_known_author"] == 2 and a["author_median_response_seconds"] == 600

    cleared = client.put(f"/api/v1/sites/{site.key}/thread-author", headers=owner, json={"uri": POST_URI})
    assert cleared.status_code == 200 and cleared.json()["author"] is None
    assert _analytics(client, site, owner)["author_median_response_seconds"] != 600  # Olive is the author again


def test_only_site_owners_name_page_authors(client: TestClient, ctx: Context, clock: Clock) -> None:
    site, owner, _ids = _hand_made_site(client, ctx, clock)
    moderator = _bearer(ctx, "mo@example.org", site, "moderator")
    url = f"/api/v1/sites/{site.key}/thread-author"
    body = {"uri": POST_URI, "email": "olive@example.org"}
    assert client.put(url, json=body).status_code == 401
    refused = client.put(url, json=body, headers=moderator)
    assert refused.status_code == 403 and refused.json()["code"] == "no_site_role"
    unknown = client.put(url, json={**body, "email": "nobody@example.org"}, headers=owner)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_person"
    no_page = client.put(url, json={**body, "uri": "https://blog.example/nowhere"}, headers=owner)
    assert no_page.status_code == 404 and no_page.json()["code"] == "unknown_thread"
    bad = client.put(url, json={**body, "email": "not an address"}, headers=owner)
    assert bad.status_code == 422
    assert client.put(url, json=body, headers=owner).json()["author"]["name"] == "Olive"  # an account's address
