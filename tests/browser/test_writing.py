"""Writing: posting anonymously, replying, editing and deleting in the window, votes, preview, signing in."""

from __future__ import annotations

import json
import re

from playwright.sync_api import BrowserContext, Page, expect

from porch.services.accounts import add_user
from tests.browser.conftest import Post, thread
from tests.factories import deliver_outbox


def test_post_anonymously_then_reply_and_be_remembered(page: Page, context: BrowserContext, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    page.goto(post.url)
    widget = thread(page)
    expect(widget.locator(".hd")).to_have_text("No comments yet. Start the conversation!")
    # Keyboard only: focus the text, type, Tab through the fields, Ctrl+Enter posts.
    widget.get_by_role("textbox", name="Join the conversation…").focus()
    page.keyboard.type("Hello from **Linda**")
    page.keyboard.press("Tab")
    page.keyboard.type("Linda")
    page.keyboard.press("Tab")
    page.keyboard.type("linda@example.org")
    page.keyboard.press("Control+Enter")
    comment = widget.locator("article").first
    expect(comment.locator(".x")).to_have_text("Hello from Linda")
    expect(comment.locator(".x strong")).to_have_text("Linda")
    expect(widget.locator(".hd")).to_have_text("1 comment")
    expect(widget.get_by_role("textbox", name="Join the conversation…")).to_have_value("")

    comment.get_by_role("button", name="Reply").click()
    reply_box = widget.get_by_role("textbox", name="Reply to Linda…")
    expect(reply_box).to_be_focused()
    reply_box.fill("And a reply")
    comment.get_by_role("button", name="Post reply").click()
    reply = comment.locator(".r article")
    expect(reply.locator(".x")).to_have_text("And a reply")
    expect(widget.locator(".hd")).to_have_text("2 comments")

    stored = page.evaluate("JSON.parse(localStorage.getItem('porch:author'))")
    assert stored == {"name": "Linda", "email": "linda@example.org", "website": None}
    assert len(page.evaluate("JSON.parse(localStorage.getItem('porch:edits'))")) == 2
    assert context.cookies() == []
    page.reload()
    expect(thread(page).locator("article")).to_have_count(2)
    expect(thread(page).locator("form.pb input[name=name]").first).to_have_value("Linda")


def test_edit_and_delete_within_the_window(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    other = post.comment("Someone else's comment", name="Dawud")
    page.goto(post.url)
    widget = thread(page)
    expect(widget.locator(f"#comment-{other}").get_by_role("button", name="Edit")).to_have_count(0)
    widget.get_by_role("textbox", name="Join the conversation…").fill("Frist")
    widget.locator("input[name=name]").first.fill("Carma")
    widget.get_by_role("button", name="Post comment").click()
    mine = widget.locator("article.me")
    expect(mine.locator(".cb > .x")).to_have_text("Frist")
    mine.get_by_role("button", name="Edit").click()
    editor = mine.locator("form textarea")
    expect(editor).to_have_value("Frist")
    editor.fill("First, *properly*")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".cb > .x")).to_have_text("First, properly")
    expect(mine.locator(".ed")).to_have_text("· edited")
    # Still editable after a reload: the edit token is remembered in this browser, and the editor
    # starts from the Markdown the server keeps, not from the rendered text.
    page.reload()
    mine = thread(page).locator("article", has_text="First, properly")
    with page.expect_response(lambda r: r.url.endswith("/source")) as source:
        mine.get_by_role("button", name="Edit").click()
    assert source.value.status == 200
    expect(mine.locator("form textarea")).to_have_value("First, *properly*")
    mine.get_by_role("button", name="Cancel").click()
    expect(mine.locator("form")).to_have_count(0)
    # Someone else's comment offers no editor (its source is refused: tests/integration/test_comments.py).
    expect(thread(page).locator(f"#comment-{other}").get_by_role("button", name="Edit")).to_have_count(0)
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Delete for good?").click()
    expect(thread(page).locator("article", has_text="First, properly")).to_have_count(0)
    expect(thread(page).locator(".hd")).to_have_text("1 comment")


def test_a_deleted_comment_with_replies_stays_as_a_tombstone(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    page.goto(post.url)
    widget = thread(page)
    widget.get_by_role("textbox", name="Join the conversation…").fill("Parent")
    widget.get_by_role("button", name="Post comment").click()
    parent = widget.locator("article.me")
    parent_id = int((parent.get_attribute("id") or "").removeprefix("comment-"))
    post.comment("A reply from elsewhere", name="Dawud", parent=parent_id)
    page.reload()
    parent = thread(page).locator(f"#comment-{parent_id}")
    parent.locator("> .cb").get_by_role("button", name="Delete").click()
    parent.get_by_role("button", name="Delete for good?").click()
    expect(parent.locator("> .cb")).to_have_text("This comment was removed.")
    expect(parent.locator(".r article .x")).to_have_text("A reply from elsewhere")


def test_votes_toggle_and_are_remembered(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    target = post.comment("Vote on me", name="William")
    page.goto(post.url)
    comment = thread(page).locator(f"#comment-{target}")
    up = comment.get_by_role("button", name="Upvote")
    up.click()
    expect(comment.locator(".sc")).to_have_text("1")
    expect(comment.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")
    comment.get_by_role("button", name="Downvote").click()
    expect(comment.locator(".sc")).to_have_text("-1")
    page.reload()
    comment = thread(page).locator(f"#comment-{target}")
    expect(comment.get_by_role("button", name="Downvote")).to_have_attribute("aria-pressed", "true")
    comment.get_by_role("button", name="Downvote").click()
    expect(comment.locator(".sc")).to_have_text("0")
    assert page.evaluate("localStorage.getItem('porch:browser')")  # made on the first vote


def test_a_comments_controls_work_from_the_keyboard(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    """A comment's controls (votes, reply, edit, delete) are role=button elements, not <button>s
    (render.ts::control): Tab reaches them in order, Space and Enter press them, Escape hands focus back."""
    post: Post = make_post()
    target = post.comment("Press my buttons", name="William")
    page.goto(post.url)
    comment = thread(page).locator(f"#comment-{target}")
    comment.get_by_role("button", name="Upvote").focus()
    page.keyboard.press("Space")
    expect(comment.locator(".sc")).to_have_text("1")
    expect(comment.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Tab")
    expect(comment.get_by_role("button", name="Downvote")).to_be_focused()
    page.keyboard.press("Enter")
    expect(comment.locator(".sc")).to_have_text("-1")
    page.keyboard.press("Tab")
    reply = comment.get_by_role("button", name="Reply", exact=True)
    expect(reply).to_be_focused()
    page.keyboard.press("Enter")
    expect(reply).to_have_attribute("aria-expanded", "true")
    expect(thread(page).get_by_role("textbox", name="Reply to William…")).to_be_focused()
    page.keyboard.type("A reply by keyboard")
    page.keyboard.press("Escape")
    expect(comment.locator("form")).to_have_count(0)
    expect(reply).to_be_focused()
    expect(reply).to_have_attribute("aria-expanded", "false")


def test_markdown_preview_is_rendered_by_the_server_as_you_type(page: Page, make_post) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    page.goto(post.url)
    widget = thread(page)
    text = widget.get_by_role("textbox", name="Join the conversation…")
    text.fill("Some *emphasis*")
    widget.get_by_role("button", name="Preview").click()
    preview = widget.locator(".pv")
    expect(preview.locator("em")).to_have_text("emphasis")
    text.press_sequentially(" and `code`")
    expect(preview.locator("code")).to_have_text("code")
    text.fill("<img src=x onerror=alert(1)>")
    expect(preview).to_have_text("<img src=x onerror=alert(1)>")


def test_sign_in_with_a_password_and_comment_as_the_account(page: Page, make_post, servers) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    email = f"{post.site.name}@example.org"
    add_user(servers.ctx, email, "correct horse battery", is_admin=False, name="Dawud Account")
    page.goto(post.url)
    widget = thread(page)
    widget.get_by_role("button", name="Sign in").click()
    widget.get_by_role("textbox", name="Email", exact=True).fill(email)
    widget.get_by_label("Password").fill("correct horse battery")
    widget.locator("form.si").get_by_role("button", name="Sign in").click()
    expect(widget.locator(".who-s")).to_contain_text("Signed in as Dawud Account")
    expect(widget.locator("input[name=name]")).to_have_count(0)
    widget.get_by_role("textbox", name="Join the conversation…").fill("As an account")
    widget.get_by_role("button", name="Post comment").click()
    mine = widget.locator("article", has_text="As an account")
    expect(mine.locator(".n")).to_have_text("Dawud Account")
    expect(mine.get_by_role("button", name="Edit")).to_be_visible()
    session = json.loads(page.evaluate("localStorage.getItem('porch:session')"))
    assert session["account"]["email"] == email and session["token"]
    assert page.context.cookies() == []  # the embed uses a bearer token, never Porch's cookie
    widget.get_by_role("button", name="Sign out").click()
    expect(widget.get_by_role("button", name="Sign in")).to_be_visible()


def test_sign_in_with_a_mailed_link(page: Page, make_post, servers) -> None:  # type: ignore[no-untyped-def]
    post: Post = make_post()
    email = f"link-{post.site.name}@example.org"
    add_user(servers.ctx, email, None, is_admin=False, name="Linked Reader")
    page.goto(post.url)
    widget = thread(page)
    widget.get_by_role("button", name="Sign in").click()
    widget.get_by_role("textbox", name="Email", exact=True).fill(email)
    widget.get_by_role("button", name="Email me a sign-in link").click()
    link_field = widget.get_by_role("textbox", name="Sign-in link")
    expect(link_field).to_be_focused()  # the API answered: the mail is in the outbox
    deliver_outbox(servers.ctx)
    mail = next(m for m in reversed(servers.mail.sent) if m.to == email)
    link = re.search(r"http\S+", mail.text)
    assert link
    link_field.fill(link.group(0))
    widget.locator("form.si").get_by_role("button", name="Sign in").click()
    expect(widget.locator(".who-s")).to_contain_text("Signed in as Linked Reader")
