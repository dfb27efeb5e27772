"""Queueing email and delivering it, with retries and back-off.

`email_enqueue` writes the Email row and the queue's task row in the caller's transaction:
the task queue is a table in the same database (django-tasks' database backend), so a
rollback leaves neither and a commit leaves both. No page ever talks to the mail server:
the worker (`manage.py db_worker`) does, after the commit, and a mail server that is down
costs a retry later, never a page or a message (docs/security.md S30).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.utils import timezone

from outbox.kinds import writer
from outbox.models import Email
from outbox.tasks import deliver_emails

log = logging.getLogger(__name__)

# A task is handed out at once; a row still queued or sending this long after it was due
# lost its task (a worker killed mid-send, a queue restored from an older backup) and is
# queued again by the sweep (`send_reminders` runs it).
STRANDED_AFTER = timedelta(minutes=15)
BATCH_SIZE = 500


def _about(obj: models.Model | None) -> dict[str, str]:
    if obj is None:
        return {"object_type": "", "object_id": ""}
    return {"object_type": obj._meta.model_name or "", "object_id": str(obj.pk)}


def email_build(
    *, kind: str, to: str | list[str], params: dict | None = None, about: models.Model | None = None
) -> Email:
    """An unsaved Email, for `emails_enqueue`; `to` is one address or several."""
    first, *others = [to] if isinstance(to, str) else to
    return Email(
        kind=kind,
        to=first.strip().lower(),
        also_to=[address.strip().lower() for address in others],
        params=params or {},
        **_about(about),
    )


def email_enqueue(
    *, kind: str, to: str | list[str], params: dict | None = None, about: models.Model | None = None
) -> Email:
    """Queue one email, in the caller's transaction."""
    return emails_enqueue(emails=[email_build(kind=kind, to=to, params=params, about=about)])[0]


def emails_enqueue(*, emails: list[Email]) -> list[Email]:
    """Queue many emails with a constant number of queries per BATCH_SIZE: one insert of
    the rows and one task for each batch."""
    with transaction.atomic():
        saved = Email.objects.bulk_create(emails, batch_size=BATCH_SIZE)
        for start in range(0, len(saved), BATCH_SIZE):
            batch = [[email.pk, email.generation] for email in saved[start : start + BATCH_SIZE]]
            deliver_emails.enqueue(batch)
    return saved


def _describe(error: BaseException) -> str:
    """What went wrong, for staff: the error's type and the server's reply code only."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}{f' {code}' if code else ''}"[:200]


def _retry_delay(attempts: int) -> timedelta:
    delays = settings.EMAIL_RETRY_DELAYS or [60]
    return timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def email_deliver(*, email_id: int, generation: int) -> bool:
    """Deliver one queued email if this task is still the one meant to; True if it went.

    The claim is a conditional UPDATE, so two workers (or a task left from before a
    requeue) never send the same row twice."""
    now = timezone.now()
    claimed = Email.objects.filter(
        pk=email_id, generation=generation, status=Email.Status.QUEUED
    ).update(status=Email.Status.SENDING, attempts=models.F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return False
    email = Email.objects.get(pk=email_id)
    message = writer(email.kind)(email)
    if message is None:
        Email.objects.filter(pk=email.pk).update(status=Email.Status.DROPPED)
        return False
    try:
        EmailMultiAlternatives(
            subject=message.subject, body=message.body, to=[email.to, *email.also_to]
        ).send()
    except (smtplib.SMTPException, OSError) as error:
        _after_failure(email, error, message.subject)
        return False
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.SENT, sent_at=timezone.now(), subject=message.subject, last_error=""
    )
    return True


def _after_failure(email: Email, error: BaseException, subject: str) -> None:
    described = _describe(error)
    # The row's id and the error type only: the address is personal data (S13).
    log.warning("Email %s not delivered (attempt %s): %s", email.pk, email.attempts, described)
    with transaction.atomic():
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            Email.objects.filter(pk=email.pk).update(
                status=Email.Status.FAILED, last_error=described, subject=subject
            )
            return
        due = timezone.now() + _retry_delay(email.attempts)
        Email.objects.filter(pk=email.pk).update(
            status=Email.Status.QUEUED,
            generation=email.generation + 1,
            next_attempt_at=due,
            last_error=described,
            subject=subject,
        )
        deliver_emails.using(run_after=due).enqueue([[email.pk, email.generation + 1]])


def _requeue(rows: Iterable[Email], *, reset_attempts: bool) -> int:
    count = 0
    with transaction.atomic():
        for email in rows:
            changes: dict = {
                "status": Email.Status.QUEUED,
                "generation": email.generation + 1,
                "next_attempt_at": timezone.now(),
            }
            if reset_attempts:
                changes["attempts"] = 0
            Email.objects.filter(pk=email.pk, generation=email.generation).update(**changes)
            deliver_emails.enqueue([[email.pk, email.generation + 1]])
            count += 1
    return count


def emails_retry(*, emails: Iterable[Email]) -> int:
    """Staff's retry of emails that failed for good: a fresh set of attempts each."""
    return _requeue(
        [email for email in emails if email.status == Email.Status.FAILED], reset_attempts=True
    )


def emails_requeue_stranded(*, now: datetime | None = None) -> int:
    """Queue again the rows whose task was lost (see STRANDED_AFTER)."""
    cutoff = (now or timezone.now()) - STRANDED_AFTER
    stranded = Email.objects.select_for_update(skip_locked=True).filter(
        status__in=[Email.Status.QUEUED, Email.Status.SENDING], next_attempt_at__lt=cutoff
    )
    with transaction.atomic():
        return _requeue(list(stranded[:BATCH_SIZE]), reset_attempts=False)
