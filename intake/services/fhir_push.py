"""Sending a reviewed intake to the clinic's FHIR server (FHIR_SERVER_URL), through the task
queue, with retries.

`fhir_push_enqueue` writes the FhirPush row and its task in the caller's transaction (the
queue is a table of the same database, as for email in outbox/services.py), so a review that
rolls back leaves no push and a committed one always has its push queued. The worker builds
the bundle when it sends, from the records as they are then; the row and the task hold ids
only. A network error, a 5xx, a 408 or a 429 is tried again after a delay (a Retry-After
within FHIR_PUSH_MAX_RETRY_AFTER is obeyed), any other answer below 200 or from 300 up stops
at once: the server refused this bundle, and sending it again unchanged would be refused
again. Logs name the intake and the status only, never the bundle or a reply body.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from intake import fhir, fhir_server
from intake.models import FhirPush, Intake, Review
from intake.tasks import push_fhir_bundle
from portal import audit
from portal.models import AuditEvent

log = logging.getLogger(__name__)

# As for email: a row still queued or sending this long after it was due lost its task.
STRANDED_AFTER = timedelta(minutes=15)
# Worth another try: the server is busy, overloaded or timed out on its side.
RETRYABLE = {408, 429}


def configured() -> bool:
    return bool(settings.FHIR_SERVER_URL)


def fhir_push_enqueue(*, intake: Intake, review: Review | None = None) -> FhirPush | None:
    """Queue a push of the intake's bundle, in the caller's transaction; None (and nothing
    written) when no FHIR server is configured."""
    if not configured():
        return None
    with transaction.atomic():
        push = FhirPush.objects.create(intake=intake, review=review)
        push_fhir_bundle.enqueue(push.pk, push.generation)
    log.info("FHIR push %s for intake %s queued", push.pk, intake.pk)
    return push


def _retry_delay(attempts: int, retry_after: int | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, settings.FHIR_PUSH_MAX_RETRY_AFTER))
    delays = settings.FHIR_PUSH_RETRY_DELAYS or [60]
    return timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def fhir_push_deliver(*, push_id: int, generation: int) -> bool:
    """Send one queued push if this task is still the one meant to; True if the server
    accepted it. The claim is a conditional UPDATE, so two workers never send one row."""
    now = timezone.now()
    claimed = FhirPush.objects.filter(
        pk=push_id, generation=generation, status=FhirPush.Status.QUEUED
    ).update(status=FhirPush.Status.SENDING, attempts=models.F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return False
    push = FhirPush.objects.select_related("intake").get(pk=push_id)
    if not configured():
        _stop(push, "FHIR_SERVER_URL is not set")
        return False
    body = json.dumps(fhir.bundle(push.intake), ensure_ascii=False).encode()
    try:
        reply = fhir_server.post_bundle(
            url=settings.FHIR_SERVER_URL,
            token=settings.FHIR_SERVER_TOKEN,
            body=body,
            timeout=settings.FHIR_PUSH_TIMEOUT,
        )
    except fhir_server.Misconfigured as error:
        _stop(push, str(error))
        return False
    except fhir_server.Unreachable as error:
        _again(push, f"Not reached ({error})", status=None, retry_after=None)
        return False
    if 200 <= reply.status < 300:
        with transaction.atomic():
            FhirPush.objects.filter(pk=push.pk).update(
                status=FhirPush.Status.SENT,
                response_status=reply.status,
                location=reply.location[:500],
                last_error="",
                finished_at=timezone.now(),
            )
            # The record left the portal: on the trail like a download, by the worker.
            audit.record(None, AuditEvent.Action.EXPORT, push.intake)
        log.info("FHIR push of intake %s: sent, HTTP %s", push.intake_id, reply.status)
        return True
    reason = f"HTTP {reply.status}"
    if reply.status >= 500 or reply.status in RETRYABLE:
        _again(push, reason, status=reply.status, retry_after=reply.retry_after)
    else:
        _stop(push, reason, status=reply.status)
    return False


def _stop(push: FhirPush, reason: str, *, status: int | None = None) -> None:
    FhirPush.objects.filter(pk=push.pk).update(
        status=FhirPush.Status.FAILED,
        response_status=status,
        last_error=reason[:200],
        finished_at=timezone.now(),
    )
    log.warning("FHIR push of intake %s failed: %s", push.intake_id, reason)


def _again(push: FhirPush, reason: str, *, status: int | None, retry_after: int | None) -> None:
    """Queue the next attempt, or give up after FHIR_PUSH_MAX_ATTEMPTS."""
    if push.attempts >= settings.FHIR_PUSH_MAX_ATTEMPTS:
        _stop(push, f"{reason}; gave up after {push.attempts} attempts", status=status)
        return
    due = timezone.now() + _retry_delay(push.attempts, retry_after)
    with transaction.atomic():
        FhirPush.objects.filter(pk=push.pk).update(
            status=FhirPush.Status.QUEUED,
            generation=push.generation + 1,
            response_status=status,
            last_error=reason[:200],
            next_attempt_at=due,
        )
        push_fhir_bundle.using(run_after=due).enqueue(push.pk, push.generation + 1)
    log.warning(
        "FHIR push of intake %s: %s (attempt %s), trying again",
        push.intake_id,
        reason,
        push.attempts,
    )


def _requeue(push: FhirPush, *, reset_attempts: bool) -> bool:
    changes: dict = {
        "status": FhirPush.Status.QUEUED,
        "generation": push.generation + 1,
        "next_attempt_at": timezone.now(),
    }
    if reset_attempts:
        changes |= {"attempts": 0, "last_error": "", "response_status": None, "finished_at": None}
    if not FhirPush.objects.filter(pk=push.pk, generation=push.generation).update(**changes):
        return False
    push_fhir_bundle.enqueue(push.pk, push.generation + 1)
    return True


def fhir_push_retry(*, push: FhirPush, request: HttpRequest | None = None) -> bool:
    """A practitioner's "push again" of a push that failed for good: a fresh set of attempts,
    audited. False when it is not failed (any more), or no server is configured now."""
    if push.status != FhirPush.Status.FAILED or not configured():
        return False
    with transaction.atomic():
        if not _requeue(push, reset_attempts=True):
            return False
        audit.record(request, AuditEvent.Action.EXPORT, push.intake)
    log.info("FHIR push of intake %s: queued again by hand", push.intake_id)
    return True


def fhir_pushes_requeue_stranded(*, now=None) -> int:
    """Queue again the pushes whose task was lost (a worker killed mid-send)."""
    cutoff = (now or timezone.now()) - STRANDED_AFTER
    with transaction.atomic():
        stranded = FhirPush.objects.select_for_update(skip_locked=True).filter(
            status__in=[FhirPush.Status.QUEUED, FhirPush.Status.SENDING],
            next_attempt_at__lt=cutoff,
        )
        return sum(_requeue(push, reset_attempts=False) for push in list(stranded[:500]))
