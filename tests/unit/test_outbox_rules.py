"""The outbox's rules (backoff, give-up, Message-ID) and header safety of notification mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from porch.domain.outbox import LONGEST_RETRY, MAX_ATTEMPTS, is_given_up, message_id, retry_delay
from porch.errors import InvalidInput
from porch.mail.message import OutgoingMail
from porch.mail.senders import build_message
from porch.services.notification_mail import comment_mail, one_line


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    assert [retry_delay(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert retry_delay(40) == LONGEST_RETRY == timedelta(hours=6)
    assert not is_given_up(MAX_ATTEMPTS - 1) and is_given_up(MAX_ATTEMPTS)


def test_the_same_key_gives_the_same_message_id_and_others_differ() -> None:
    assert message_id("mail:a@b:comment:1", "porch.test") == message_id("mail:a@b:comment:1", "porch.test")
    assert message_id("mail:a@b:comment:1", "porch.test") != message_id("mail:a@b:comment:2", "porch.test")
    assert message_id("k", "porch.test").endswith("@porch.test>")


@given(st.text())
def test_one_line_never_leaves_a_line_break(text: str) -> None:
    flat = one_line(text)
    assert not any(ch in flat for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@given(st.text(max_size=60), st.text(max_size=60))
def test_no_name_or_title_adds_a_header(name: str, title: str) -> None:
    content = comment_mail(
        to="linda@example.org", site_name=name, why="reply", author=name, thread_title=title,
        comment_url="https://blog.example/p#comment-1", body_source="hi", body_html="<p>hi</p>",
        unsubscribe_url="http://porch.test/notifications/unsubscribe?token=t",
    )
    payload = content.payload(datetime(2026, 11, 23, tzinfo=UTC))
    mail = OutgoingMail(to=payload["to"], subject=payload["subject"], text=payload["text"], html=payload["html"],
                        from_name=payload["from_name"] or None, message_id="<x@porch.test>",
                        headers=tuple((k, v) for k, v in payload["headers"]))
    raw = build_message(mail, "Porch <porch@test>").as_bytes()
    head = raw.split(b"\n\n", 1)[0].decode("ascii", "replace")
    names = {line.split(":", 1)[0].lower() for line in head.splitlines() if line and not line[0].isspace()}
    assert names <= {"from", "to", "subject", "message-id", "date", "list-unsubscribe", "list-unsubscribe-post",
                     "content-type", "mime-version", "content-transfer-encoding"}


def test_a_line_break_in_any_header_value_is_refused() -> None:
    with pytest.raises(InvalidInput):
        OutgoingMail(to="a@b.c", subject="s", text="t", headers=(("List-Unsubscribe", "<x>\r\nBcc: v@x"),))
    with pytest.raises(InvalidInput):
        OutgoingMail(to="a@b.c", subject="s", text="t", from_name="Blog\nBcc: v@x")
