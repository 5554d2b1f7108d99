"""The demo blog with the embed in place, light and dark; screenshots kept in tests/browser/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from porch.demo.content import demo_posts, load_demo
from tests.browser.conftest import ARTIFACTS, thread


def test_demo_post_shows_the_embed_light_and_dark(browser: Browser, servers) -> None:  # type: ignore[no-untyped-def]
    load_demo(servers.ctx, servers.porch)
    post = demo_posts()[0]
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, viewport={"width": 900, "height": 1000})
        try:
            page = context.new_page()
            page.goto(f"{servers.porch}/demo/{post.slug}")
            widget = thread(page)
            expect(widget.locator("article")).to_have_count(len(post.comments))
            expect(widget).to_have_attribute("data-theme", scheme)
            assert page.locator("noscript").count() == 1  # the server-rendered list, for readers without JS
            # Comments off screen are not rendered until scrolled near (content-visibility: auto); a
            # screenshot of the whole page scrolls nowhere, so the artifacts show them all this way.
            page.evaluate("""() => {
                const root = document.querySelector('#porch-thread').shadowRoot;
                const sheet = new CSSStyleSheet();
                sheet.replaceSync('.ls>.c{content-visibility:visible}');
                root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
            }""")
            page.screenshot(path=str(ARTIFACTS / f"demo-{scheme}.png"), full_page=True)
            page.evaluate("document.getElementById('comments').scrollIntoView()")
            page.screenshot(path=str(ARTIFACTS / f"demo-{scheme}-comments.png"))
            widget.screenshot(path=str(ARTIFACTS / f"widget-{scheme}.png"))
            # A permalink to a reply: scrolled to, highlighted, focused.
            reply = widget.locator(".r article").nth(1)
            page.evaluate(f"location.hash = '#{reply.get_attribute('id')}'")
            expect(reply).to_have_class(re.compile(r"\bhl\b"))
            expect(reply).to_be_focused()
            page.screenshot(path=str(ARTIFACTS / f"demo-{scheme}-permalink.png"))
        finally:
            context.close()
