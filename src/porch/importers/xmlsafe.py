"""The one door to XML in Porch: defusedxml's streaming parser, hardened and repaired.

- No DTD, no entity declarations, no external references: a file declaring any of them
  (every XML bomb and XXE needs one) is refused at the ``<!DOCTYPE`` with
  :class:`~porch.errors.UnsafeImport`, before a single element is read.
- Streaming: callers take each finished element from :func:`iter_elements` and clear it,
  so memory stays flat whatever the file's size.
- One documented repair: up to :data:`MAX_LEADING_JUNK` bytes of junk before the first
  ``<`` (a stray backtick from a copy-paste, as in remark42's fixtures; whitespace before
  the XML declaration) are skipped and reported as a notice. Anything else that is not
  well-formed stops the import with the line and column of the first error, counted in
  the original file (columns from 1).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import defusedxml
import defusedxml.ElementTree as safe_etree

from porch.errors import InvalidImport, UnsafeImport

MAX_LEADING_JUNK = 1024
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"

Element = Any  # xml.etree.ElementTree.Element; the module itself stays behind defusedxml


@dataclass(frozen=True)
class LeadingJunk:
    """Bytes skipped before the document, and how they shift line/column numbers."""

    skipped: bytes
    lines: int  # newlines inside the skipped bytes
    columns: int  # bytes after the last of them, on the document's first line

    def describe(self) -> str:
        shown = self.skipped[:20].decode("utf-8", "replace")
        return f"skipped {len(self.skipped)} byte(s) of junk before the XML document ({shown!r})"


class _SkipPrefix:
    """A binary reader that starts ``skip`` bytes into ``raw``."""

    def __init__(self, raw: IO[bytes], head: bytes):
        self._raw = raw
        self._head = head

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            if size < 0:
                return head + self._raw.read()
            if len(head) >= size:
                self._head = head[size:]
                return head[:size]
            return head + self._raw.read(size - len(head))
        return self._raw.read(size)


def open_binary(path: Path) -> IO[bytes]:
    """Open a file, decompressing gzip (Disqus mails ``*.xml.gz``) transparently."""
    raw = path.open("rb")
    if raw.read(2) == GZIP_MAGIC:
        raw.close()
        return gzip.open(path, "rb")
    raw.seek(0)
    return raw


def _strip_leading_junk(raw: IO[bytes]) -> tuple[_SkipPrefix, LeadingJunk | None]:
    head = raw.read(MAX_LEADING_JUNK + 1)
    bom = head.startswith(UTF8_BOM)
    body = head[len(UTF8_BOM) :] if bom else head
    start = body.find(b"<")
    if start < 0:
        raise InvalidImport(
            f"not an XML document: no '<' in its first {MAX_LEADING_JUNK} bytes", line=1, column=1
        )
    if start == 0:
        return _SkipPrefix(raw, head), None
    skipped = body[:start]
    junk = LeadingJunk(
        skipped=skipped, lines=skipped.count(b"\n"), columns=len(skipped) - (skipped.rfind(b"\n") + 1)
    )
    return _SkipPrefix(raw, body[start:]), junk


def _position(error: Any, junk: LeadingJunk | None) -> tuple[int | None, int | None]:
    position = getattr(error, "position", None)
    if not position:
        return None, None
    line, column = position
    column += 1
    if junk is not None:
        if line == 1:
            column += junk.columns
        line += junk.lines
    return line, column


def _unsafe(error: defusedxml.DefusedXmlException) -> UnsafeImport:
    if isinstance(error, defusedxml.DTDForbidden):
        what = f"a document type declaration (<!DOCTYPE {error.name}>)"
    elif isinstance(error, defusedxml.EntitiesForbidden):
        what = f"an entity declaration (<!ENTITY {error.name}>)"
    else:
        what = "an external reference"
    return UnsafeImport(
        f"refused: the file contains {what}. Imports never read DTDs, entities or external references "
        "(XML bombs, XXE); export files from Disqus, WordPress and Blogger have none",
    )


@dataclass
class XmlStream:
    """Events from one document; ``junk`` tells whether the leading-junk repair was used."""

    events: Iterator[tuple[str, Any]]
    junk: LeadingJunk | None


@contextmanager
def xml_events(path: Path, events: tuple[str, ...] = ("start", "end")) -> Iterator[XmlStream]:
    """Stream ``events`` from ``path`` through the hardened parser, errors translated."""
    with open_binary(path) as raw:
        source, junk = _strip_leading_junk(raw)
        parsed = safe_etree.iterparse(source, events=events, forbid_dtd=True)
        yield XmlStream(events=_translated(parsed, junk), junk=junk)


def _translated(parsed: Iterator[tuple[str, Any]], junk: LeadingJunk | None) -> Iterator[tuple[str, Any]]:
    try:
        yield from parsed
    except defusedxml.DefusedXmlException as exc:
        raise _unsafe(exc) from None
    except safe_etree.ParseError as exc:
        line, column = _position(exc, junk)
        message = str(exc).split(":")[0]
        raise InvalidImport(f"the file is not well-formed XML: {message}", line=line, column=column) from None


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def child_text(element: Element, tag: str) -> str:
    """The stripped text of the first child ``tag`` (Clark notation), "" when absent or empty."""
    child = element.find(tag)
    if child is None or child.text is None:
        return ""
    return str(child.text).strip()


def child_raw_text(element: Element, tag: str) -> str:
    """Like :func:`child_text`, but without stripping (comment bodies keep inner whitespace)."""
    child = element.find(tag)
    return "" if child is None or child.text is None else str(child.text)


def wrong_root(tag: str, expected: str, what: str) -> InvalidImport:
    return InvalidImport(f"not {what}: the root element is <{local_name(tag)}>, expected <{expected}>")


# --- the fast path: lxml (libxml2), for the formats whose files run to gigabytes -------------
#
# defusedxml's parser runs ElementTree's pure-Python handlers for every tag, which costs about
# half of a big Disqus import. lxml parses in C and, asked for a few tags only, hands Python
# just the top-level records. Hardened the same way: no DTD loaded, no entity resolved, no
# network, no huge-tree mode (libxml2's limits on depth, text size and entity amplification
# stay on), and a document that declares a DOCTYPE is refused at its root element, before any
# record is read — the internal subset has been read by then, but nothing in it expanded.


@dataclass
class TopLevel:
    """Finished top-level elements with one of the wanted tags, the root's tag, and the repair used."""

    elements: Iterator[Element]
    junk: LeadingJunk | None


@contextmanager
def top_level_elements(path: Path, root_tag: str, tags: tuple[str, ...], what: str) -> Iterator[TopLevel]:
    """Stream the direct children of ``root_tag`` whose tag is one of ``tags``, each cleared once yielded."""
    from lxml import etree  # the one place lxml is imported

    with open_binary(path) as raw:
        source, junk = _strip_leading_junk(raw)
        parsed = etree.iterparse(
            source, events=("start", "end"), tag=(root_tag, *tags), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
        )
        yield TopLevel(elements=_top_level(parsed, root_tag, junk, what, etree), junk=junk)


def _top_level(parsed: Any, root_tag: str, junk: LeadingJunk | None, what: str, etree: Any) -> Iterator[Element]:
    depth = 0
    seen_root = False
    try:
        for event, element in parsed:
            if event == "start":
                if not seen_root:
                    _refuse_doctype(element.getroottree().docinfo)
                    if element.getparent() is not None or element.tag != root_tag:
                        raise wrong_root(element.getroottree().getroot().tag, local_name(root_tag), what)
                    seen_root = True
                depth += 1
                continue
            depth -= 1
            if depth == 1:
                yield element
                # drop what was read (and the siblings before it): memory stays flat
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del element.getparent()[0]
        if not seen_root:
            root = parsed.root
            if root is not None:
                _refuse_doctype(root.getroottree().docinfo)
                raise wrong_root(root.tag, local_name(root_tag), what)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        if line is not None and column is not None and junk is not None:
            if line == 1:
                column += junk.columns
            line += junk.lines
        message = (exc.msg or str(exc)).split(", line ")[0]
        raise InvalidImport(f"the file is not well-formed XML: {message}", line=line, column=column) from None


def _refuse_doctype(docinfo: Any) -> None:
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        name = docinfo.root_name or "?"
        raise UnsafeImport(
            f"refused: the file contains a document type declaration (<!DOCTYPE {name}>). Imports never read "
            "DTDs, entities or external references (XML bombs, XXE); export files from Disqus, WordPress and "
            "Blogger have none",
        )
