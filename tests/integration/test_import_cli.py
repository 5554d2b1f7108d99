"""``porch import`` and ``porch export``, in-process against a SQLite file; and the benchmark
generator's output, which must import like a real Disqus export."""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from porch.cli import app
from porch.storage.engine import create_database_engine
from porch.storage.schema import comments

SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def porch(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'porch.db'}"

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env={"PORCH_DATABASE_URL": url, "COLUMNS": "200"})

    assert run("migrate").exit_code == 0
    assert run("site", "add", "blog", "--origin", "http://example.org").exit_code == 0
    run.url = url  # type: ignore[attr-defined]
    return run


def comment_rows(url: str) -> int:
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(comments)).scalar_one())
    finally:
        engine.dispose()


def test_dry_run_prints_the_summary_and_writes_nothing_then_import_writes(porch) -> None:  # type: ignore[no-untyped-def]
    dry = porch("import", str(SHARED / "isso" / "disqus.xml"), "--site", "blog", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run — nothing written" in dry.output
    assert "disqus:6" in dry.output and "thread disqus-thread:1337 is not in the file" in dry.output
    assert comment_rows(porch.url) == 0
    real = porch("import", str(SHARED / "isso" / "disqus.xml"), "--site", "blog", "--format", "disqus")
    assert real.exit_code == 0, real.output
    assert "comments published" in real.output and comment_rows(porch.url) == 5


def test_malformed_and_unsafe_files_fail_with_the_reason_and_write_nothing(porch) -> None:  # type: ignore[no-untyped-def]
    broken = porch("import", str(SHARED / "remark42" / "disqus.xml"), "--site", "blog")
    assert broken.exit_code == 1
    assert "line 147, column 24" in broken.output and "Nothing was imported" in broken.output
    bomb = porch("import", str(OWN / "billion-laughs-disqus.xml"), "--site", "blog")
    assert bomb.exit_code == 1 and "DOCTYPE" in bomb.output
    assert porch("import", "/no/such/file.xml", "--site", "blog").exit_code == 2
    assert comment_rows(porch.url) == 0


def test_export_writes_a_porch_document_that_imports_as_a_no_op(porch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert porch("import", str(SHARED / "isso" / "wordpress.xml"), "--site", "blog").exit_code == 0
    out = tmp_path / "blog.jsonl"
    exported = porch("export", "--site", "blog", "-o", str(out))
    assert exported.exit_code == 0 and "exported 8 comments in 2 threads" in exported.output
    header = json.loads(out.read_text().splitlines()[0])
    assert (header["format"], header["version"]) == ("porch", 1)
    again = porch("import", str(out), "--site", "blog")
    assert again.exit_code == 0 and comment_rows(porch.url) == 8
    wxr = porch("export", "--site", "blog", "--format", "wxr", "-o", str(tmp_path / "blog.xml"))
    assert wxr.exit_code == 0 and (tmp_path / "blog.xml").read_text().count("<wp:comment>") == 8


def test_generated_disqus_export_is_deterministic_and_imports(porch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate_disqus", BENCH / "generate_disqus.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    first, second = tmp_path / "a.xml", tmp_path / "b.xml.gz"
    generator.write_file(first, 1500, 11)
    generator.write_file(second, 1500, 11)
    assert gzip.decompress(second.read_bytes()) == first.read_bytes()
    sizes = generator.thread_sizes(1500, random.Random(11))
    assert sum(sizes) == 1500 and max(sizes) > 10 * (sum(sizes) / len(sizes))  # heavy-tailed
    result = porch("import", str(second), "--site", "blog")
    assert result.exit_code == 0, result.output
    assert comment_rows(porch.url) == 1500
    assert "reason" not in result.output  # no table of skipped items
