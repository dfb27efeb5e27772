"""Tests marked `postgres` skip themselves on SQLite. When the suite runs against
PostgreSQL (DATABASE_URL says so), such a skip means the test did not run where it was
meant to: it is reported as a failure, so CI cannot pass with them silently skipped.

Kept free of Django imports so that it can be loaded as a plain pytest plugin
(tests/ops/test_postgres_guard.py does, to test it)."""

from __future__ import annotations

import os

import pytest


def running_on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker("postgres") is not None
        and running_on_postgresql()
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"marked `postgres` but skipped although DATABASE_URL is PostgreSQL: {reason}"
        )
    return report
