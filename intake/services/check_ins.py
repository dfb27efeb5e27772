"""Check-ins: made when a follow-up visit is booked, and what submitting one writes besides
what every submission does (intake.services.intakes).

A check-in is an `Intake` of kind `check_in` with its own short list of steps
(intake.steps.CHECK_IN_STEPS); it goes through the same wizard, drafts, urgent help,
submission, screening and review as an intake."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from intake import check_ins
from intake.models import Intake, MedicationRecord
from intake.services.adverse_events import adverse_event_record_check_in
from intake.services.medications import (
    medication_record_apply_check_in,
    medication_record_start_listed,
)
from outbox.services import email_enqueue
from portal.models import User

SUBMITTED = (Intake.Status.SUBMITTED, Intake.Status.REVIEWED)
NEWEST_SUBMITTED = F("submitted_at").desc(nulls_last=True)


class NoCheckIn(Exception):
    """A check-in cannot be made for this patient; `reason` says why, for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def latest_submitted(patient: User) -> Intake | None:
    """The patient's newest submitted intake or check-in: what a new check-in carries on."""
    return (
        Intake.objects.filter(patient=patient, status__in=SUBMITTED)
        .order_by(NEWEST_SUBMITTED, "-pk")
        .first()
    )


@transaction.atomic
def check_in_create(
    *, patient: User | None, appointment_at: datetime, practitioner: User
) -> Intake:
    """Make the patient's check-in for a follow-up visit and queue the email asking them to
    complete it. Raises NoCheckIn when there is no account or no submitted intake to carry
    forward. The email says when the appointment is and links to the sign-in; no token."""
    if patient is None:
        raise NoCheckIn(
            "This person has no account yet, so no check-in was sent. Book a first visit to "
            "invite them to the intake instead."
        )
    previous = latest_submitted(patient)
    if previous is None:
        raise NoCheckIn(
            "This patient has not submitted an intake yet, so there is nothing to check in "
            "against and no check-in was sent. Their intake covers this visit."
        )
    if not MedicationRecord.objects.filter(patient=patient).exists():
        # An intake submitted before the medicine list was kept: start the list from it.
        medication_record_start_listed(
            intake=previous, items=check_ins.picture_of(previous).get("medications", [])
        )
    check_in = Intake.objects.create(
        patient=patient,
        kind=Intake.Kind.CHECK_IN,
        previous=previous,
        practitioner=practitioner,
        patient_name=previous.patient_name or patient.full_name,
        appointment_at=appointment_at,
        status=Intake.Status.IN_PROGRESS,
    )
    email_enqueue(kind="check_in", to=patient.email, params={"intake": check_in.pk}, about=check_in)
    return check_in


def check_in_withdraw(*, check_in: Intake) -> bool:
    """The follow-up visit was cancelled: an unsent check-in is withdrawn, so that the
    patient is not asked for it any more (its email, if still queued, is not sent; "My
    intake" no longer leads to it; no reminder goes). What the patient had typed stays on
    the row. A check-in already sent stands: what the patient reported (a new blood
    thinner, say) still matters to the clinic whether or not that visit takes place.
    Returns whether it was withdrawn."""
    return bool(
        Intake.objects.filter(
            pk=check_in.pk, kind=Intake.Kind.CHECK_IN, status=Intake.Status.IN_PROGRESS
        ).update(status=Intake.Status.WITHDRAWN, updated_at=timezone.now())
    )


def check_in_submitted(*, check_in: Intake) -> None:
    """In the submission's transaction, before screening: carry forward from the latest
    submitted intake or check-in (another check-in may have been submitted since this one
    was made), store the picture, update the medicine list and record any reaction after
    the last treatment as adverse events."""
    latest = (
        Intake.objects.filter(patient_id=check_in.patient_id, status__in=SUBMITTED)
        .exclude(pk=check_in.pk)
        .order_by(NEWEST_SUBMITTED, "-pk")
        .first()
    )
    if latest is not None:
        check_in.previous = latest
    check_in.picture = {}
    check_in.picture = check_ins.picture_of(check_in)
    Intake.objects.filter(pk=check_in.pk).update(
        previous=check_in.previous, picture=check_in.picture
    )
    medication_record_apply_check_in(check_in=check_in)
    adverse_event_record_check_in(check_in=check_in)
