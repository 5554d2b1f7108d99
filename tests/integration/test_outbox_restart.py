"""Kill the worker mid-delivery, start it again: every mail arrives, and exactly once per Message-ID.

A real ``porch worker`` process, a real SMTP server on loopback. The server stores message 3 and
then holds back its 250; the test SIGKILLs the worker right there. That is the one moment no
sender can get right on its own: the mail has arrived, but the worker never learnt so, so the
restarted worker (once the dead one's lease runs out) sends it again — the same bytes, the same
Message-ID. The receiver counting distinct Message-IDs (what mail stores do) sees each mail once.
See docs/subsystems/notifications.md, "Exactly once".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select

from porch.services.accounts import add_user, grant_site_role
from porch.services.comments import NewComment, post_comment
from porch.services.context import Context
from porch.services.requesters import Requester
from porch.storage.schema import outbox_jobs
from tests.factories import POST_URI, make_site
from tests.mail_sink import SmtpSink

OWNERS = ["carma@example.org", "linda@example.org"]
COMMENTS = 4
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _database_url(engine: Engine) -> str:
    if engine.dialect.name == "sqlite":
        return f"sqlite:///{engine.url.database}"
    return engine.url.render_as_string(hide_password=False)


def _start_worker(engine: Engine, sink: SmtpSink, name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": SRC,
        "PORCH_DATABASE_URL": _database_url(engine),
        "PORCH_SMTP_URL": sink.url,
        "PORCH_MAIL_FROM": "Porch <porch@test>",
        "PORCH_BASE_URL": "http://porch.test",
        "PORCH_OUTBOX_POLL_SECONDS": "0.05",
        "PORCH_OUTBOX_LEASE_SECONDS": "1",
    }
    command = [sys.executable, "-c", "from porch.cli import main; main()", "worker", "--name", name]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_worker_killed_mid_delivery_and_restarted_delivers_every_mail_exactly_once(
    ctx: Context, engine: Engine
) -> None:
    site = make_site(ctx)
    for email in OWNERS:
        add_user(ctx, email, "correct horse battery", is_admin=False)
        grant_site_role(ctx, site.id, email, "owner")
    anonymous = Requester(account=None, browser_token=None, origin="https://blog.example", remote_addr="192.0.2.1")
    for number in range(COMMENTS):
        post_comment(ctx, NewComment(site.key, POST_URI, f"Comment {number}", author_name=f"Reader {number}"),
                     anonymous)
    expected = COMMENTS * len(OWNERS)

    sink = SmtpSink().start()
    sink.handler.hold_at = 3
    first = second = None
    try:
        first = _start_worker(engine, sink, "first")
        assert sink.handler.holding.wait(timeout=60), "the worker never reached the third mail"
        first.send_signal(signal.SIGKILL)  # mid-delivery: message 3 stored, its 250 not yet sent
        assert first.wait(timeout=30) == -signal.SIGKILL
        sink.handler.release.set()

        second = _start_worker(engine, sink, "second")
        assert sink.wait_for(lambda received: len({mail.message_id for mail in received}) >= expected), (
            "not every mail arrived after the restart"
        )
        second.send_signal(signal.SIGTERM)  # a clean stop: finishes its round, hands back its claims
        assert second.wait(timeout=30) == 0, second.stderr.read() if second.stderr else ""
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        sink.stop()

    by_id = Counter(mail.message_id for mail in sink.received)
    assert len(by_id) == expected  # every mail, once per Message-ID
    pairs = {(mail.rcpt_tos, mail.text.split("\n", 3)[2].strip()) for mail in sink.received}
    assert pairs == {((owner,), f"Comment {n}") for owner in OWNERS for n in range(COMMENTS)}
    # The one mail a sender cannot be sure of was sent again, byte for byte the same mail.
    resent = [message_id for message_id, count in by_id.items() if count > 1]
    assert len(resent) <= 1 and all(count <= 2 for count in by_id.values())
    for message_id in resent:
        copies = {mail.raw for mail in sink.received if mail.message_id == message_id}
        assert len(copies) == 1
    with engine.connect() as connection:
        statuses = connection.execute(select(outbox_jobs.c.kind, outbox_jobs.c.status)).all()
    assert {status for _, status in statuses} == {"delivered"}
    assert sum(kind == "mail" for kind, _ in statuses) == expected
