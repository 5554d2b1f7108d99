"""Safe on someone else's page: no payload executes, hostile host CSS breaks nothing, nothing leaks out."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from porch.domain.comments import CommentStatus, check_body
from porch.domain.markup import render_markdown
from porch.domain.people import check_author
from porch.errors import ErrorList
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from tests.browser.conftest import Post, thread

PAYLOADS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "xss-payloads"  # shared/ beside the repo
# Payloads of our own that would set a flag instead of opening a dialog.
FLAG_PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    "<svg/onload=window.__xss=1>",
    "[click me](javascript:window.__xss=1)",
    '<a href="javascript:window.__xss=1">x</a>',
    '"><script>window.__xss=1</script>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<details open ontoggle=window.__xss=1>",
    "javascript:window.__xss=1",
    "<style>*{display:none}</style><b onmouseover=window.__xss=1>hover</b>",
]


def payloads() -> list[str]:
    """Every vector in the shared payload lists (falls back to our own when they are absent)."""
    lines: list[str] = []
    for path in sorted(PAYLOADS.glob("**/*.txt")):
        lines += [line for line in path.read_text(errors="replace").splitlines()
                  if line.strip() and not (path.name == "blns.txt" and line.startswith("#"))]
    return list(dict.fromkeys(FLAG_PAYLOADS + lines))


def store_payload_comments(ctx: Context, post: Post, root: int, vectors: list[str]) -> None:
    """Each vector as a reply's body, name and website, through the write path's own checks.

    post_comment itself takes ~20 ms a comment (rate limits, duplicates, counts); for ~1,500
    vectors the same domain steps — check_author, check_body, render_markdown — run here in one
    transaction. The API path is exercised for a sample through post_comment.
    """
    now = ctx.clock()
    with ctx.uow(write=True) as uow:
        thread_id = uow.comments.get(root).thread_id  # type: ignore[union-attr]
        person = uow.people.add(display_name="XSS", website=None, now=now)
        for vector in vectors:
            errors = ErrorList()
            try:
                author = check_author(vector[:100], None, vector[:500], require_name=False, errors=errors)
            except ValueError:
                # domain/people.py's _is_web_address lets urlsplit raise on addresses like
                # "http://[a]" (a 500 through the API; reported). Refused either way.
                errors.add("author.website", "not a web address")
            if errors.errors:  # refused fields (control characters, not a web address) are left out
                errors = ErrorList()
                printable = "".join(ch for ch in vector if ord(ch) >= 32)[:100]
                author = check_author(printable, None, None, require_name=False, errors=errors)
            body = check_body(vector, max_length=10000, errors=errors)
            errors.raise_if_any()
            uow.comments.add(thread_id=thread_id, parent_id=root, person_id=person.id, author_name=author.name,
                             author_website=author.website, body_source=body, body_html=render_markdown(body),
                             status=CommentStatus.PUBLISHED, now=now, edit_token_hash=None, remote_addr=None)
        uow.commit()
    for n, vector in enumerate(FLAG_PAYLOADS):
        post_comment(ctx, NewComment(site_key=post.site.key, uri=post.url, body=vector, parent_id=root,
                                     author_name=vector, title="XSS"), Requester(browser_token=f"xss:{n}"))


def test_no_payload_executes_as_body_name_or_website(page: Page, make_post, servers, dialogs) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post(max_comment_length=10000)
    root = post.comment("Payloads below", name="Carma")
    vectors = payloads()
    assert len(vectors) > 500 or not PAYLOADS.exists()
    store_payload_comments(servers.ctx, post, root, vectors)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.goto(post.url)
    widget = thread(page)
    expect(widget.locator("article")).to_have_count(len(vectors) + len(FLAG_PAYLOADS) + 1, timeout=15000)
    # Open a reply form (the name goes into its placeholder) and hover everything once.
    widget.locator("article article").first.get_by_role("button", name="Reply").click()
    widget.locator("article article .x").last.hover()
    audit = page.evaluate("""() => {
        const root = document.querySelector('#porch-thread').shadowRoot;
        const all = Array.from(root.querySelectorAll('*'));
        return {
            flag: window.__xss === undefined ? null : String(window.__xss),
            handlers: all.filter(el => Array.from(el.attributes).some(a => a.name.startsWith('on'))).length,
            dangerous: root.querySelectorAll(
                'script, iframe, object, embed, img, svg, math, style, link, meta, base, form form').length,
            badLinks: Array.from(root.querySelectorAll('[href]')).map(a => a.getAttribute('href'))
                .filter(h => !/^(https?:|mailto:|#comment-\\d+$)/i.test(h)),
            lightDom: document.querySelectorAll('script').length,
        };
    }""")
    assert audit == {"flag": None, "handlers": 0, "dangerous": 0, "badLinks": [], "lightDom": 1}, audit
    assert dialogs == []
    assert navigations == [post.url]


def test_hostile_host_css_does_not_break_the_widget(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    hostile = """
      div, section, article, button, textarea, input, form, p { display: none !important; }
      * { font-size: 48px !important; color: red !important; font-family: "Comic Sans MS", cursive !important;
          line-height: 5 !important; visibility: hidden; opacity: .1; letter-spacing: 1em !important; }
      .p, .c, .x, .hd, .ac, .av, .pb { display: none !important; background: lime !important; }
      #porch-thread { position: absolute !important; left: -9999px; transform: scale(0); }
      body { zoom: 1; }
    """
    post: Post = make_post(css=hostile)
    post.comment("Still readable", name="Linda")
    page.goto(post.url)
    widget = thread(page)
    body = widget.locator("article .x")
    expect(body).to_have_text("Still readable")
    expect(body).to_be_visible()
    expect(widget.get_by_role("textbox", name="Join the conversation…")).to_be_visible()
    expect(widget.get_by_role("button", name="Post comment")).to_be_visible()
    style = body.evaluate("el => { const s = getComputedStyle(el); return [s.fontSize, s.color, s.letterSpacing] }")
    assert style[0] == "15px" and style[1] != "rgb(255, 0, 0)" and style[2] == "normal", style
    box = widget.bounding_box()
    assert box and box["x"] >= 0 and box["width"] > 300 and box["height"] > 200
    # And the widget leaves the page alone: no styles or nodes added to the host document.
    assert page.evaluate("document.querySelectorAll('style, link').length") == 1
    assert page.evaluate("document.getElementById('porch-thread').children.length") == 0


def test_the_widget_does_not_trust_even_the_server_with_html(page: Page, make_post, servers) -> None:  # type: ignore[no-untyped-def]
    """Defence in depth: a server (or proxy) sending unsafe or malformed HTML still cannot run code,
    and one comment's markup cannot spill into another's, even through the separators used to
    parse a page of bodies at once (each in its own box: a body that closes its box is found out)."""
    post: Post = make_post()
    bodies = [
        '<p>one</p><img src=x onerror="window.__xss=1"><script>window.__xss=2</script>',
        '<p>two <a href="javascript:window.__xss=3">link</a> <a href="https://ok.example/" onclick="x()">ok</a></p>',
        '<p>three</p><hr data-porch-split><p>still three</p>',
        "<ul><li>four, left open",
        '<p>five</p><iframe srcdoc="<script>parent.__xss=4</script>"></iframe><svg onload="window.__xss=5"></svg>',
        '<p>six</p></div><div class="x"><p>forged, still six</p>',
        "<p>seven</p>",
    ]
    comments = [{"id": n + 1, "parent": None, "status": "published", "deleted": False,
                 "author": {"name": f"Person {n}", "website": "javascript:window.__xss=6", "person": None},
                 "body_html": body, "created_at": "2026-11-23T12:00:00Z", "edited_at": None,
                 "votes": {"up": 0, "down": 0, "score": 0}, "replies": []} for n, body in enumerate(bodies)]
    thread_page = {"site": post.site.key, "thread": None, "sort": "oldest", "total": 7, "top_level_total": 7,
              "comments": comments, "next_cursor": None, "edit_window_seconds": 900, "max_depth": 6}
    page.route("**/api/v1/threads?*", lambda route: route.fulfill(json=thread_page))
    page.goto(post.url)
    widget = thread(page)
    expect(widget.locator("article")).to_have_count(7)
    texts = widget.locator("article .x").all_inner_texts()
    firsts = [t.split("\n")[0] for t in texts]
    assert firsts == ["one", "two link ok", "three", "four, left open", "five", "six", "seven"]
    assert "still three" in texts[2]
    assert "forged, still six" in texts[5]
    audit = page.evaluate("""() => {
        const root = document.querySelector('#porch-thread').shadowRoot;
        return {flag: window.__xss === undefined ? null : window.__xss,
                elements: root.querySelectorAll('img, script, iframe, svg, [onclick], [onerror], [onload]').length,
                hrefs: Array.from(root.querySelectorAll('.x a, a.n')).map(a => a.getAttribute('href'))};
    }""")
    assert audit == {"flag": None, "elements": 0, "hrefs": [None, "https://ok.example/"]}, audit
