"""The embed's translations: one line per English message, in order, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

I18N = Path(__file__).resolve().parents[2] / "embed" / "src" / "i18n"


def english() -> list[tuple[str, str]]:
    return re.findall(r"^  (\w+): '(.*)',$", (I18N / "en.ts").read_text(), re.M)


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_message_is_translated_with_its_placeholders(language: str) -> None:
    lines = (I18N / f"{language}.ts").read_text().split("`")[1].split("\n")
    messages = english()
    assert len(lines) == len(messages)
    for (key, text), translated in zip(messages, lines, strict=True):
        assert translated.strip(), key
        assert set(re.findall(r"\{\w+\}", translated)) == set(re.findall(r"\{\w+\}", text)), key
        assert translated.count("|") == text.count("|"), f"{key}: plural forms"
