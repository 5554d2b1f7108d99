"""Reading a conversation: nesting, sorting, pages, permalinks, languages, and what reading leaves behind."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Post, thread


def test_thread_renders_nested_and_caps_visual_depth(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post(max_depth=2)
    parent = None
    ids = []
    for depth, name in enumerate(["Carma", "Linda", "Dawud", "William", "Carma"]):
        parent = post.comment(f"Comment at depth {depth}", name=name, parent=parent)
        ids.append(parent)
    page.goto(post.url)
    widget = thread(page)
    expect(widget.locator("article")).to_have_count(5)
    expect(widget.locator(".hd")).to_have_text("5 comments")
    # Depth 1 and 2 are indented boxes; below that the replies stay level but are still shown.
    expect(widget.locator(f"#comment-{ids[0]} .r:not(.f) #comment-{ids[1]}")).to_be_visible()
    expect(widget.locator(f"#comment-{ids[1]} .r:not(.f) #comment-{ids[2]}")).to_be_visible()
    expect(widget.locator(f"#comment-{ids[2]} .r.f #comment-{ids[3]}")).to_be_visible()
    expect(widget.locator(f"#comment-{ids[4]} > .cb .ir")).to_have_text("↪ in reply to William")
    # Carma's two comments are clones of one skeleton filled in once for her (render.ts::authored).
    carma = widget.get_by_role("article", name="Comment by Carma")
    expect(carma.locator("> .cb > .x")).to_have_text(["Comment at depth 0", "Comment at depth 4"])
    expect(carma.locator("> .cb .n")).to_have_text(["Carma", "Carma"])
    deepest = widget.locator(f"#comment-{ids[4]} > .av").bounding_box()
    capped = widget.locator(f"#comment-{ids[2]} > .av").bounding_box()
    assert deepest and capped and deepest["x"] == capped["x"]


def test_sort_and_load_more(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post(attrs='data-porch-limit="3"')
    ids = [post.comment(f"Comment number {n}", name=f"Person {n}") for n in range(7)]
    page.goto(post.url)
    widget = thread(page)
    top = widget.locator(".ls > article")
    expect(top).to_have_count(3)
    more = widget.locator("button.mo")
    expect(more).to_have_text("Show 4 more comments")
    more.click()
    expect(top).to_have_count(6)
    expect(more).to_have_text("Show 1 more comment")
    more.click()
    expect(top).to_have_count(7)
    expect(more).to_be_hidden()
    widget.get_by_role("button", name="Newest").click()
    expect(top.first).to_have_attribute("id", f"comment-{ids[-1]}")
    expect(widget.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "true")
    expect(top).to_have_count(3)


def test_permalink_loads_pages_until_found_and_highlights(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post(attrs='data-porch-limit="2"')
    ids = [post.comment(f"Comment {n}\n\n" + "A long paragraph. " * 40, name=f"P{n}") for n in range(7)]
    target = ids[5]
    page.goto(f"{post.url}#comment-{target}")
    comment = thread(page).locator(f"#comment-{target}")
    expect(comment).to_have_class(re.compile(r"\bhl\b"))
    expect(comment).to_be_in_viewport()
    # Clicking another comment's time changes the hash and moves the highlight.
    thread(page).locator(f"#comment-{ids[0]} a.tm").click()
    expect(thread(page).locator(f"#comment-{ids[0]}")).to_have_class(re.compile(r"\bhl\b"))
    expect(comment).not_to_have_class(re.compile(r"\bhl\b"))
    assert page.url.endswith(f"#comment-{ids[0]}")
    # A time becomes a link when first reached (render.ts), so it works reached any way: from the
    # keyboard, and clicked with neither pointer nor focus first (as a screen reader may).
    second = thread(page).locator(f"#comment-{ids[1]} a.tm")
    expect(second).to_have_role("link")
    assert second.get_attribute("href") is None
    second.focus()
    expect(second).to_have_attribute("href", f"#comment-{ids[1]}")
    page.keyboard.press("Enter")
    expect(thread(page).locator(f"#comment-{ids[1]}")).to_have_class(re.compile(r"\bhl\b"))
    thread(page).locator(f"#comment-{ids[2]} a.tm").dispatch_event("click")
    expect(thread(page).locator(f"#comment-{ids[2]}")).to_have_class(re.compile(r"\bhl\b"))
    assert page.url.endswith(f"#comment-{ids[2]}")


def test_reader_who_only_reads_leaves_nothing_and_talks_only_to_porch(
    context: BrowserContext, page: Page, make_post, servers  # type: ignore[no-untyped-def]
) -> None:
    post: Post = make_post(attrs='data-porch-limit="2"')
    first = post.comment("First", name="Carma")
    post.comment("Reply", name="Linda", parent=first)
    for n in range(3):
        post.comment(f"More {n}", name="Dawud")
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    with page.expect_response(lambda r: "/api/v1/stream" in r.url):
        page.goto(post.url)
    widget = thread(page)
    expect(widget.locator("article")).to_have_count(3)
    thread_reads = [url for method, url in requests if "/api/v1/threads" in url]
    assert len(thread_reads) == 1, requests
    assert not [url for method, url in requests if method == "OPTIONS"], "a read must need no preflight"
    # Reading on: sort, more, preview of nothing, a permalink.
    widget.get_by_role("button", name="Best").click()
    widget.locator("button.mo").click()
    expect(widget.locator(".ls > article")).to_have_count(4)
    page.evaluate(f"location.hash = '#comment-{first}'")
    expect(widget.locator(f"#comment-{first}")).to_have_class(re.compile(r"\bhl\b"))
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert context.cookies() == []
    foreign = [url for _, url in requests if not url.startswith((servers.porch + "/", servers.blog.url + "/"))]
    assert foreign == []
    to_blog = [url for _, url in requests if url.startswith(servers.blog.url)]
    assert to_blog == [post.url], "the widget itself fetches nothing from the blog"


def test_a_pinned_comment_is_labelled(page: Page, make_post, servers) -> None:  # type: ignore[no-untyped-def]
    """A comment a moderator pinned comes first with a "Pinned" label; the others carry none."""
    from porch.services.accounts import add_user
    from porch.services.moderation import moderate_comment
    from porch.services.requesters import Requester

    post: Post = make_post()
    post.comment("An ordinary comment", name="Kate")
    pinned = post.comment("Read this first", name="Mo")
    admin = add_user(servers.ctx, f"admin-{post.site.name}@example.org", None, is_admin=True, name="Admin")
    moderate_comment(servers.ctx, pinned, "pin", Requester(account=admin))
    page.goto(post.url)
    widget = thread(page)
    expect(widget.locator(".ls > article").first).to_have_id(f"comment-{pinned}")
    expect(widget.locator(f"#comment-{pinned} .m .bg")).to_have_text("Pinned")
    expect(widget.locator("article .bg")).to_have_count(1)


def test_language_from_attribute_and_from_the_browser(browser, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post(attrs='data-porch-lang="fr"')
    post.comment("Bonjour", name="Carma")
    german_post: Post = make_post()
    german_post.comment("Hallo", name="Linda")
    french = browser.new_page()
    german = browser.new_page(locale="de-DE")
    try:
        french.goto(post.url)
        expect(thread(french).locator(".hd")).to_have_text("1 commentaire")
        expect(thread(french).get_by_role("button", name="Publier", exact=True)).to_be_visible()
        german.goto(german_post.url)
        expect(thread(german).locator(".hd")).to_have_text("1 Kommentar")
        expect(thread(german).get_by_role("button", name="Kommentar senden")).to_be_visible()
        expect(thread(german).locator("time")).to_have_text("gerade eben")
    finally:
        french.close()
        german.close()


def test_count_script_fills_links_with_one_request(page: Page, make_post, servers) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    post.comment("One", name="Carma")
    post.comment("Two", name="Linda")
    servers.blog.pages["/index-" + post.site.name] = f"""<!doctype html><meta charset="utf-8"><title>Index</title>
<p><a id="a" data-porch-count href="{post.path}">comments</a></p>
<p><a id="b" data-porch-count href="/never-commented.html">comments</a></p>
<p><a id="c" data-porch-count href="{post.url}#comments">comments</a></p>
<script src="{servers.porch}/count.js" data-porch-site="{post.site.key}" async></script>"""
    counts: list[str] = []
    page.on("request", lambda r: counts.append(r.method) if "/api/v1/counts" in r.url else None)
    page.goto(servers.blog.url + "/index-" + post.site.name)
    expect(page.locator("#a")).to_have_text("2 comments")
    expect(page.locator("#b")).to_have_text("0 comments")
    expect(page.locator("#c")).to_have_text("2 comments")
    assert counts.count("POST") == 1
    assert page.evaluate("localStorage.length") == 0
