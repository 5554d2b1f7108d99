"""Porch runs without its optional extras: `make demo` installs the package alone (no `redis`).

Each check runs in a fresh interpreter in which importing ``redis`` fails, as on a machine where
the extra was never installed; the test suite's own interpreter has it (the dev extra).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

WITHOUT_REDIS = "import sys; sys.modules['redis'] = None  # import redis now raises ImportError\n"


def run_without_redis(code: str, tmp_path: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_REDIS + textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
    )  # fmt: skip


def test_the_cli_the_app_and_a_context_need_no_redis(tmp_path: object) -> None:
    done = run_without_redis(
        """
        import porch.cli, porch.web.app
        from porch.bootstrap import build_context
        from porch.config import Settings
        from porch.live.memory import MemoryHub
        ctx = build_context(Settings(database_url="sqlite:///porch.db", redis_url=None))
        assert isinstance(ctx.live, MemoryHub), ctx.live
        print("ok")
        """,
        tmp_path,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_asking_for_redis_without_the_extra_says_so(tmp_path: object) -> None:
    done = run_without_redis(
        """
        from porch.bootstrap import build_live_hub
        from porch.config import Settings
        build_live_hub(Settings(database_url="sqlite:///porch.db", redis_url="redis://127.0.0.1:6379/0"))
        """,
        tmp_path,
    )
    assert done.returncode != 0 and "pip install 'porch[redis]'" in done.stderr, done.stderr
