"""Recording a practitioner's signed review: the one write of the review page (and, when a
FHIR server is configured, the push of the reviewed intake it queues)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from intake.models import Flag, Intake, Review, ScreeningRun
from intake.screening import decisions
from intake.services.fhir_push import fhir_push_enqueue
from portal import audit
from portal.models import AuditEvent, User

REVIEWABLE = (Intake.Status.SUBMITTED, Intake.Status.REVIEWED)


class InconsistentDecision(ValueError):
    """The decision leaves a refer or contraindicated flag standing (issue 12). The review
    form says which flag needs what; this guards every other caller."""


def review_record(
    *,
    intake: Intake,
    run: ScreeningRun,
    expected_version: int,
    decision: str,
    modifications: list[dict],
    overrides: list[dict],
    note: str,
    acknowledged: Iterable[Flag],
    reviewer: User,
    signed_name: str,
    request: HttpRequest | None = None,
) -> Review | None:
    """Record the review if nobody else has since the form was opened at `expected_version`.

    The conditional UPDATE is the lock: of two practitioners who opened the form at the
    same version, exactly one moves the version on; the other updates no row and gets None
    (docs/security.md S17). Each override is written to the audit trail as its own event on the
    flag, beside the review event, so the trail shows which flags were treated despite."""
    flags = list(run.flags.all())
    overridden_ids = {item["flag"] for item in overrides}
    unmet = decisions.unmet_flags(
        decision=decision,
        flags=flags,
        modifications=[item["code"] for item in modifications],
        overridden=[flag for flag in flags if flag.pk in overridden_ids],
    )
    if unmet:
        raise InconsistentDecision(", ".join(item.flag.rule for item in unmet))
    with transaction.atomic():
        updated = Intake.objects.filter(
            pk=intake.pk, review_version=expected_version, status__in=REVIEWABLE
        ).update(review_version=F("review_version") + 1, status=Intake.Status.REVIEWED)
        if not updated:
            return None
        review = Review.objects.create(
            intake=intake,
            run=run,
            version=expected_version + 1,
            decision=decision,
            modifications=modifications,
            overrides=overrides,
            note=note,
            reviewer=reviewer,
            signed_name=signed_name,
        )
        review.acknowledged_flags.set(acknowledged)
        audit.record(request, AuditEvent.Action.REVIEW, intake, actor=reviewer)
        for flag in flags:
            if flag.pk in overridden_ids:
                audit.record(request, AuditEvent.Action.OVERRIDE, flag, actor=reviewer)
        # Queued with the review, so one cannot be committed without the other; nothing
        # when no FHIR server is configured.
        fhir_push_enqueue(intake=intake, review=review)
    return review
