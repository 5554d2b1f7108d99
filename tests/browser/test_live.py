"""Live updates: what others post, edit and delete appears without a reload."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Post, thread


def _open_live(page: Page, url: str) -> None:
    """Load the page and wait until its event stream is connected (its response has arrived)."""
    with page.expect_response(lambda response: "/api/v1/stream" in response.url):
        page.goto(url)


def test_a_comment_posted_through_the_api_appears_without_reload(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    first = post.comment("Already here", name="Carma")
    _open_live(page, post.url)
    widget = thread(page)
    expect(widget.locator("article")).to_have_count(1)
    posted = post.api_comment("Fresh from another client", name="William")
    expect(widget.locator(f"#comment-{posted['comment']['id']} .x")).to_have_text("Fresh from another client")
    expect(widget.locator(".hd")).to_have_text("2 comments")
    expect(widget.get_by_role("status")).to_have_text("New comment by William")
    reply = post.api_comment("A live reply", name="Linda", parent=first)
    expect(widget.locator(f"#comment-{first} .r #comment-{reply['comment']['id']}")).to_be_visible()


def test_two_readers_see_each_others_comments_edits_and_deletions(browser: Browser, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    alice, bob = browser.new_context(), browser.new_context()
    try:
        alice_page, bob_page = alice.new_page(), bob.new_page()
        _open_live(alice_page, post.url)
        _open_live(bob_page, post.url)
        bob_widget, alice_widget = thread(bob_page), thread(alice_page)
        bob_widget.get_by_role("textbox", name="Join the conversation…").fill("Bob was here")
        bob_widget.locator("input[name=name]").fill("Bob")
        bob_widget.get_by_role("button", name="Post comment").click()
        seen = alice_widget.locator("article", has_text="Bob was here")
        expect(seen).to_be_visible()
        expect(seen.get_by_role("button", name="Edit")).to_have_count(0)
        mine = bob_widget.locator("article.me")
        mine.get_by_role("button", name="Edit").click()
        mine.locator("textarea").fill("Bob was here, edited")
        mine.get_by_role("button", name="Save").click()
        expect(alice_widget.locator("article .cb > .x")).to_have_text("Bob was here, edited")
        expect(alice_widget.locator("article .ed")).to_be_visible()
        mine.get_by_role("button", name="Delete").click()
        mine.get_by_role("button", name="Delete for good?").click()
        expect(alice_widget.locator("article")).to_have_count(0)
        expect(alice_widget.locator(".hd")).to_have_text("No comments yet. Start the conversation!")
    finally:
        alice.close()
        bob.close()


def test_without_event_source_the_widget_polls(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    # A browser (or proxy) without server-sent events: the widget falls back to polling.
    page.add_init_script(
        "delete window.EventSource; const realSetInterval = window.setInterval;"
        "window.setInterval = (fn, ms) => realSetInterval(fn, ms === 30000 ? 50 : ms);"  # poll at once, not in 30 s
    )
    page.goto(post.url)
    widget = thread(page)
    expect(widget.locator(".hd")).to_have_text("No comments yet. Start the conversation!")
    post.api_comment("Found by polling", name="Dawud")
    expect(widget.locator("article .x")).to_have_text("Found by polling")
