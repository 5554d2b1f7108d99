"""Importers: streaming, hardened readers that turn other systems' exports into plain
records (``records.py``). They never touch storage; ``services/imports.py`` stores them.

:func:`read_records` picks the reader by name, or by :func:`detect_format` from the
file's first bytes: an SQLite header is Isso, a JSON object Porch's own export, and XML
by its root element (``<disqus>``, ``<rss>`` for WXR, ``<feed>`` for Blogger).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from porch.errors import InvalidImport
from porch.importers.blogger import read_blogger
from porch.importers.disqus import read_disqus
from porch.importers.isso import SQLITE_MAGIC, read_isso
from porch.importers.porch_json import read_porch
from porch.importers.records import ImportRecord
from porch.importers.wxr import read_wxr
from porch.importers.xmlsafe import open_binary

READERS: dict[str, Callable[[Path], Iterator[ImportRecord]]] = {
    "disqus": read_disqus,
    "wxr": read_wxr,
    "blogger": read_blogger,
    "isso": read_isso,
    "porch": read_porch,
}
FORMATS = tuple(READERS)
ROOTS = {"disqus": "disqus", "rss": "wxr", "feed": "blogger"}
DETECT_BYTES = 64 * 1024
# Declarations, processing instructions and comments before the root element.
_PROLOGUE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.DOTALL)
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def detect_format(path: Path) -> str:
    """The format of the file at ``path``, from its first bytes."""
    with path.open("rb") as probe:
        if probe.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC:
            return "isso"
    with open_binary(path) as raw:
        head = raw.read(DETECT_BYTES)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "porch"
    match = _ROOT.search(_PROLOGUE.sub(b"", head))
    if match:
        name = match.group(2).decode("ascii").lower()
        if name in ROOTS:
            return ROOTS[name]
        raise InvalidImport(
            f"cannot tell the format: the root element is <{name}> (Disqus has <disqus>, WordPress <rss>, "
            "Blogger <feed>); give --format"
        )
    raise InvalidImport("cannot tell the format: not XML, JSON or an SQLite database; give --format")


def read_records(path: Path, format_name: str = "auto") -> Iterator[ImportRecord]:
    """Records from ``path`` in ``format_name`` (``auto``: detected)."""
    if format_name == "auto":
        format_name = detect_format(path)
    reader = READERS.get(format_name)
    if reader is None:
        raise InvalidImport(f"unknown format {format_name!r}; known: auto, {', '.join(FORMATS)}")
    return reader(path)
