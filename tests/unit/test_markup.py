"""Comment markup: Markdown in, allow-listed HTML out — checked against real XSS payload lists.

Every line of the payload lists in ../shared/fixtures/xss-payloads goes through both
paths HTML can take into a page: ``render_markdown`` (what a commenter types) and
``sanitise_html`` (what an import hands over). The output is parsed with the stdlib
HTML parser and held to the allow-list, whatever the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from porch.domain import markup
from porch.domain.markup import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, render_markdown, sanitise_html

PAYLOADS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "xss-payloads"  # shared/ beside the repo
SAFE_SCHEMES = {"http", "https", "mailto"}
FORBIDDEN_TEXT = ("<script", "<style", "<iframe", "<svg", "<img", "<object", "<embed", "<form", "<math")
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)


def _lines(path: Path) -> list[str]:
    # Split on "\n" only: str.splitlines() would also split on \x0b, \x0c, \x1c-\x1e, \x85 and
    # U+2028, which are part of some payloads.
    return [line.removesuffix("\r") for line in path.read_text(encoding="utf-8").split("\n")]


def _payloadsallthethings() -> list[tuple[str, str]]:
    cases = []
    for path in sorted((PAYLOADS / "payloadsallthethings").glob("*.txt")):
        for number, line in enumerate(_lines(path), 1):
            if line.strip():
                cases.append((f"{path.stem}:{number}", line))
    return cases


def _blns_script_injection() -> list[tuple[str, str]]:
    """The lines of blns.txt's "Script Injection" section: from its heading to the next heading."""
    lines = _lines(PAYLOADS / "blns" / "blns.txt")
    number = next(i for i, line in enumerate(lines) if line.startswith("#") and "Script Injection" in line)
    while lines[number].startswith("#"):  # the heading block
        number += 1
    cases = []
    while not lines[number].startswith("#"):  # the next section's heading ends this one
        if lines[number].strip():
            cases.append((f"blns:{number + 1}", lines[number]))
        number += 1
    return cases


PAYLOAD_CASES = _payloadsallthethings() + _blns_script_injection()


def test_the_payload_lists_were_read() -> None:
    # A silently empty list would make every payload test vacuous.
    files = {case_id.split(":")[0] for case_id, _ in PAYLOAD_CASES}
    assert len(files) == 11  # ten payloadsallthethings lists and blns
    assert len(PAYLOAD_CASES) > 1000
    blns = [payload for case_id, payload in PAYLOAD_CASES if case_id.startswith("blns:")]
    assert "<script>alert(0)</script>" in blns
    assert "</textarea><script>alert(225)</script>" in blns
    assert not any("DROP TABLE" in payload for payload in blns)  # the next section (SQL) is not included


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.oddities: list[str] = []  # comments, doctypes, processing instructions, stray end tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.oddities.append(f"</{tag}>")

    def handle_comment(self, data: str) -> None:
        self.oddities.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.oddities.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.oddities.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.oddities.append(f"<![{data}]>")


def _browser_clean(href: str) -> str:
    # What a browser does before looking at the scheme: ASCII whitespace and C0 controls
    # around the URL are stripped, and tab/newline anywhere inside it are removed. Removing
    # every control and space character is stricter still.
    return "".join(ch for ch in href if ord(ch) > 0x20 and ord(ch) != 0x7F)


def _scheme_of(href: str) -> str | None:
    match = SCHEME.match(_browser_clean(href))
    return match.group(1).lower() if match else None


def assert_safe(html: str) -> None:
    parser = Collector()
    parser.feed(html)
    parser.close()
    assert parser.oddities == [], html
    lowered = html.lower()
    for needle in FORBIDDEN_TEXT:
        assert needle not in lowered, (needle, html)
    for element in parser.elements:
        assert element.tag in ALLOWED_TAGS, (element.tag, html)
        allowed = set(ALLOWED_ATTRIBUTES.get(element.tag, set()))
        if element.tag == "a":
            allowed.add("rel")
        names = [name for name, _ in element.attrs]
        assert len(names) == len(set(names)), (element, html)  # no duplicated attribute to confuse a browser
        for name, value in element.attrs:
            assert not name.startswith("on"), (name, html)
            assert name in allowed, (element.tag, name, html)
            if name == "href":
                assert value is not None
                scheme = _scheme_of(value)
                assert scheme is None or scheme in SAFE_SCHEMES, (value, html)
                # "javascript:" may appear in an href only where it cannot be the scheme: after
                # the first "/", "\\" (a slash to browsers), "?" or "#". (blns has a payload whose
                # href is the relative "\\x0Bjavascript:…", harmless: it resolves to a path.)
                head = re.split(r"[/\\?#]", _browser_clean(value).lower(), maxsplit=1)[0]
                for bad in ("javascript:", "vbscript:", "data:"):
                    assert bad not in head, (value, html)
        if element.tag == "a":
            assert dict(element.attrs).get("rel") == LINK_REL == "nofollow ugc noopener", (element, html)


@pytest.mark.parametrize(("case_id", "payload"), PAYLOAD_CASES, ids=[case_id for case_id, _ in PAYLOAD_CASES])
def test_rendered_payload_is_safe(case_id: str, payload: str) -> None:
    assert_safe(render_markdown(payload))


@pytest.mark.parametrize(("case_id", "payload"), PAYLOAD_CASES, ids=[case_id for case_id, _ in PAYLOAD_CASES])
def test_sanitised_payload_is_safe(case_id: str, payload: str) -> None:
    assert_safe(sanitise_html(payload))


def test_all_payloads_at_once_are_safe() -> None:
    # Payloads can interact (an unclosed attribute swallowing the next line): feed them as one document.
    document = "\n".join(payload for _, payload in PAYLOAD_CASES)
    assert_safe(render_markdown(document))
    assert_safe(sanitise_html(document))


# --- the checker itself must catch what it is meant to catch ------------------------------------


@pytest.mark.parametrize(
    "unsafe",
    [
        "<script>alert(1)</script>",
        '<p onclick="x">a</p>',
        '<a href="javascript:alert(1)" rel="nofollow ugc noopener">a</a>',
        '<a href=" \tJaVa\nScRiPt:alert(1)" rel="nofollow ugc noopener">a</a>',
        '<a href="data:text/html,x" rel="nofollow ugc noopener">a</a>',
        '<a href="https://x.example">no rel</a>',
        '<a href="https://x.example" rel="nofollow ugc noopener" target="_blank">a</a>',
        '<img src="x">',
        "<div>a</div>",
        "<!-- c -->",
        '<p style="color:red">a</p>',
    ],
)
def test_the_checker_rejects_unsafe_html(unsafe: str) -> None:
    with pytest.raises(AssertionError):
        assert_safe(unsafe)


def test_the_checker_accepts_safe_html() -> None:
    assert_safe(
        '<p><a href="https://x.example/?next=javascript:1" title="t" rel="nofollow ugc noopener">a</a> '
        '<a href="\\x0Bjavascript:alert(1)" rel="nofollow ugc noopener">relative</a></p>'
        '<ol start="2"><li><code>&lt;script&gt;</code></li></ol>'
    )


# --- what the sanitiser removes, and keeps ---------------------------------------------------


def test_sanitiser_removes_event_handlers_scripts_and_bad_schemes_but_keeps_allowed_markup() -> None:
    html = sanitise_html(
        '<p onclick="steal()">Hi <strong>there</strong><script>alert(1)</script></p>'
        '<a href="javascript:alert(1)">bad</a> '
        '<a href="https://ok.example/" title="t" target="_blank">good</a>'
        '<img src="https://tracker.example/pixel.gif"><ol start="3" reversed><li>x</li></ol>'
    )
    assert html == (
        "<p>Hi <strong>there</strong></p>"
        '<a rel="nofollow ugc noopener">bad</a> '
        '<a href="https://ok.example/" title="t" rel="nofollow ugc noopener">good</a>'
        '<ol start="3"><li>x</li></ol>'
    )


@pytest.mark.parametrize(
    "href",
    ["java&#1&#2&#3&#4&#5&#6&#7&#8&#11&#12script:alert(1)", "&#1;javascript:alert(1)", "jav&#x09;ascript:alert(1)",
     "java\x01script:alert(1)", " data&#1;:text/html,x", "vb&#x7f;script:x"],
)
def test_sanitiser_drops_schemes_disguised_by_control_characters(href: str) -> None:
    # Found by blns: nh3 alone keeps "java\x01…script:" as a relative URL.
    assert sanitise_html(f'<a href="{href}">x</a>') == '<a rel="nofollow ugc noopener">x</a>'


def test_sanitiser_replaces_a_rel_the_author_gave() -> None:
    html = sanitise_html('<a href="https://ok.example/" rel="opener">x</a>')
    assert html == '<a href="https://ok.example/" rel="nofollow ugc noopener">x</a>'


def test_sanitiser_keeps_relative_and_mailto_links() -> None:
    assert sanitise_html('<a href="/2026/11/post.html">p</a>') == (
        '<a href="/2026/11/post.html" rel="nofollow ugc noopener">p</a>'
    )
    assert sanitise_html('<a href="mailto:linda@example.org">m</a>') == (
        '<a href="mailto:linda@example.org" rel="nofollow ugc noopener">m</a>'
    )


# --- Markdown renders as a commenter expects ------------------------------------------------


def test_emphasis_strong_and_strikethrough() -> None:
    assert render_markdown("*em* and **strong** and ~~gone~~") == (
        "<p><em>em</em> and <strong>strong</strong> and <s>gone</s></p>"
    )


def test_inline_code_and_fenced_code_block_escape_their_content() -> None:
    assert render_markdown("use `<b>` here") == "<p>use <code>&lt;b&gt;</code> here</p>"
    assert render_markdown("```\nif a < b:\n    print('<script>')\n```") == (
        "<pre><code>if a &lt; b:\n    print('&lt;script&gt;')\n</code></pre>"
    )


def test_indented_code_block() -> None:
    assert render_markdown("text\n\n    x = 1\n") == "<p>text</p>\n<pre><code>x = 1\n</code></pre>"


def test_bullet_and_numbered_lists() -> None:
    assert render_markdown("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert render_markdown("1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"
    assert render_markdown("3. three\n4. four") == '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'


def test_blockquote() -> None:
    assert render_markdown("> you said\n\nI agree") == (
        "<blockquote>\n<p>you said</p>\n</blockquote>\n<p>I agree</p>"
    )


def test_headings_rules_and_hard_breaks() -> None:
    assert render_markdown("## Title") == "<h2>Title</h2>"
    assert render_markdown("a\n\n---\n\nb") == "<p>a</p>\n<hr>\n<p>b</p>"
    assert render_markdown("line one  \nline two") == "<p>line one<br>\nline two</p>"


def test_markdown_link_gets_rel_and_keeps_title() -> None:
    assert render_markdown('[the post](https://blog.example/post "Read it")') == (
        '<p><a href="https://blog.example/post" title="Read it" rel="nofollow ugc noopener">the post</a></p>'
    )


def test_relative_and_autolinks() -> None:
    assert render_markdown("[older](/2007/07/post.html)") == (
        '<p><a href="/2007/07/post.html" rel="nofollow ugc noopener">older</a></p>'
    )
    assert render_markdown("<https://blog.example/a>") == (
        '<p><a href="https://blog.example/a" rel="nofollow ugc noopener">https://blog.example/a</a></p>'
    )


def test_bare_url_becomes_a_link() -> None:
    assert render_markdown("see https://example.org/page?a=1 for more") == (
        '<p>see <a href="https://example.org/page?a=1" rel="nofollow ugc noopener">'
        "https://example.org/page?a=1</a> for more</p>"
    )


def test_bare_email_becomes_a_mailto_link() -> None:
    assert render_markdown("write to linda@example.org") == (
        '<p>write to <a href="mailto:linda@example.org" rel="nofollow ugc noopener">linda@example.org</a></p>'
    )


@pytest.mark.parametrize(
    "source",
    ["[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](vbscript:msgbox(1))",
     "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "<javascript:alert(1)>"],
)
def test_dangerous_markdown_links_are_not_links(source: str) -> None:
    html = render_markdown(source)
    assert "<a" not in html
    assert_safe(html)


def test_raw_html_is_shown_as_text() -> None:
    assert render_markdown("<b>bold?</b> <script>alert(1)</script>") == (
        "<p>&lt;b&gt;bold?&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert render_markdown("<div onclick=\"x()\">\nblock\n</div>") == (
        '<p>&lt;div onclick="x()"&gt;\nblock\n&lt;/div&gt;</p>'
    )


def test_image_becomes_a_link_not_an_img() -> None:
    html = render_markdown("![a cat](https://img.example/cat.png)")
    assert "<img" not in html
    assert '<a href="https://img.example/cat.png" rel="nofollow ugc noopener">a cat</a>' in html
    assert_safe(html)


def test_contains_link_follows_the_rendering() -> None:
    assert markup.contains_link("see https://example.org")
    assert markup.contains_link("[x](/relative)")
    assert not markup.contains_link("no links, just <b>bold</b> and example dot org")
    assert not markup.contains_link("[x](javascript:alert(1))")
