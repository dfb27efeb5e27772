"""The queue's one task: deliver a batch of queued emails (see outbox.services)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_emails(batch: list[list[int]]) -> int:
    """Deliver each [email id, generation] of the batch; returns how many went out."""
    from outbox.services import email_deliver

    return sum(email_deliver(email_id=pk, generation=generation) for pk, generation in batch)
