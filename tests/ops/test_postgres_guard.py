"""When the suite runs on PostgreSQL, a `postgres` test that skips itself is a failure
(tests/postgres_guard.py): CI cannot go green with those tests silently skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SAMPLE = """
import pytest


@pytest.mark.postgres
def test_marked_and_skipping():
    pytest.skip("needs PostgreSQL")


@pytest.mark.postgres
@pytest.mark.skipif(True, reason="needs PostgreSQL")
def test_marked_and_skipped_by_a_mark():
    pass


def test_unmarked_and_skipping():
    pytest.skip("not about the database")
"""


def run_sample(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    postgres: needs PostgreSQL\n")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.postgres_guard",
            "-rA",
            "test_sample.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_it_fails_a_skipped_postgres_test_on_postgresql(tmp_path, scheme):
    result = run_sample(tmp_path, f"{scheme}://postgres@127.0.0.1:5432/portal")
    assert result.returncode == 1, result.stdout
    # A skip decided by a mark happens while setting the test up, so pytest calls its
    # failure an error; either way the run fails.
    assert "1 failed, 1 skipped, 1 error" in result.stdout
    assert "FAILED test_sample.py::test_marked_and_skipping" in result.stdout
    assert "ERROR test_sample.py::test_marked_and_skipped_by_a_mark" in result.stdout
    assert "skipped although DATABASE_URL is PostgreSQL: Skipped: needs PostgreSQL" in result.stdout


def test_it_lets_postgres_tests_skip_on_sqlite(tmp_path):
    result = run_sample(tmp_path, "sqlite:///db.sqlite3")
    assert result.returncode == 0, result.stdout
    assert "3 skipped" in result.stdout
