"""Running the queue's worker inside a test, as `manage.py db_worker --batch` would: every
task that is due is run, then it returns. Tests call it where a real worker would have
delivered the mail by now."""

from __future__ import annotations

from unittest import mock

from django_tasks_db.management.commands.db_worker import Worker


def deliver() -> None:
    # The worker checks its connection each time it wakes (close_old_connections). Here it
    # shares the test's connection, inside the test's transaction, which that check would
    # close on PostgreSQL (autocommit is off in a transaction); a real worker has its own.
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        _worker().run()


def _worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def retries_fall_due() -> None:
    """Bring every deferred task (a retry waiting out its back-off) to now, as if the wait
    had passed."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
