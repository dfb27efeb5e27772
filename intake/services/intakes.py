"""Writes to an intake from the patient's side: starting one, saving a step or a draft of
it, and the one-time submission (which screens it and tells the practitioner)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from intake import forms, steps, urgent_help
from intake.models import Intake
from intake.services import screening
from intake.services.check_ins import check_in_submitted
from intake.services.medications import medication_record_start_listed
from outbox.services import email_enqueue
from portal import audit, stash
from portal.models import AuditEvent, User
from portal.prepared import columns, instance_from, prepared_values

log = logging.getLogger(__name__)

DRAFTS = "_drafts"
# Fields of a POST that are controls, not answers. The button pressed (`action`) is kept
# with a draft: one saved with "Save and finish later" is shown again as typed, unjudged.
CONTROL_FIELDS = {"csrfmiddlewaretoken", "from_review"}
FINISH_LATER = "save"


class IntakeLocked(Exception):
    """The intake was submitted meanwhile; it can no longer change."""


def intake_start(*, user: User) -> Intake:
    """The patient's first-visit intake in progress, or a new one if they have none. Never
    a check-in: those are made for a booked follow-up (services.check_in_create) and
    reached through "My intake" (selectors.patient_entry)."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        existing = (
            Intake.objects.filter(
                patient=user, kind=Intake.Kind.INTAKE, status=Intake.Status.IN_PROGRESS
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if existing:
            return existing
        return Intake.objects.create(
            patient=user, patient_name=user.full_name, status=Intake.Status.IN_PROGRESS
        )


@prepared_values
def _locked_row(*, pk: int) -> QuerySet:
    return Intake.objects.select_for_update().filter(pk=pk).values(*columns(Intake))


def _locked_for_change(intake: Intake) -> Intake:
    """The intake as it is now, locked until the transaction ends; IntakeLocked once it is
    no longer in progress. Every step saved reads it (compiled once: portal/prepared.py)."""
    found = _locked_row(pk=intake.pk)
    if not found:
        raise Intake.DoesNotExist
    row = instance_from(Intake, found[0])
    if row.status != Intake.Status.IN_PROGRESS:
        raise IntakeLocked
    return row


@transaction.atomic
def intake_step_save(
    *, intake: Intake, step: steps.Step, form: forms.StepForm, user: User
) -> Intake:
    """Store a valid step's answers as a whole, mark it complete, drop its draft; the step
    itself writes whatever else saving it changes (`Step.save`)."""
    row = _locked_for_change(intake)
    answers = dict(row.answers or {})
    answers[step.identifier] = form.to_answers()
    drafts = dict(answers.pop(DRAFTS, {}))
    drafts.pop(step.identifier, None)
    if drafts:
        answers[DRAFTS] = drafts
    row.answers = answers
    row.completed_steps = [s for s in row.completed_steps if s != step.identifier] + [
        step.identifier
    ]
    row.last_step = step.identifier
    fields = ["answers", "completed_steps", "last_step", "updated_at"]
    fields += step.save(row, form, user=user)
    row.save(update_fields=fields)
    return row


def draft_from_post(data: QueryDict) -> dict[str, list[str]]:
    # A draft keeps what was typed, within bounds: a hostile post cannot fill the database.
    return stash.bounded_copy(data, skip=CONTROL_FIELDS)


@transaction.atomic
def intake_draft_save(*, intake: Intake, step: steps.Step, data: QueryDict) -> None:
    """Keep what was typed on a step that did not validate, to show it again next time."""
    row = _locked_for_change(intake)
    answers = dict(row.answers or {})
    drafts = dict(answers.get(DRAFTS, {}))
    drafts[step.identifier] = draft_from_post(data)
    answers[DRAFTS] = drafts
    row.answers = answers
    row.save(update_fields=["answers", "updated_at"])


def intake_submit(*, intake: Intake, user: User, request: HttpRequest | None = None) -> bool:
    """Submit once. Returns True for the one request that submitted the intake; any other
    (a double click, a replay, a second tab) gets False and changes nothing.

    The winner is decided by a conditional UPDATE on the status, which the database
    serialises: exactly one such UPDATE can match the in-progress row. Readiness is
    decided on the row as locked, not on `intake`, which was read earlier: a step saved in
    between (a changed answer, consent asked again) would otherwise not be seen."""
    # Imported here: intake.fhir reads the forms, which reach the services through the
    # selectors.
    from intake.fhir import questionnaire_version

    with transaction.atomic():
        row = Intake.objects.select_for_update().filter(pk=intake.pk, patient=user).first()
        if row is None or not steps.is_ready(row):
            return False
        won = Intake.objects.filter(
            pk=intake.pk, patient=user, status=Intake.Status.IN_PROGRESS
        ).update(
            status=Intake.Status.SUBMITTED,
            submitted_at=timezone.now(),
            questionnaire_version=questionnaire_version(check_in=row.is_check_in),
        )
        if not won:
            return False
        intake.refresh_from_db()
        answers = dict(intake.answers)
        if answers.pop(DRAFTS, None) is not None:
            Intake.objects.filter(pk=intake.pk).update(answers=answers)
            intake.answers = answers
        if intake.is_check_in:
            check_in_submitted(check_in=intake)
        else:
            medication_record_start_listed(
                intake=intake, items=(answers.get("medications") or {}).get("items", [])
            )
        _screen(intake)
        audit.record(request, AuditEvent.Action.SUBMIT, intake, actor=user)
        # Queued with the submission; the worker delivers it after the commit, so a mail
        # server that is down neither undoes the submission nor loses the notice.
        _notify_practitioner(intake)
    return True


def _screen(intake: Intake) -> None:
    """Screen the submitted intake. A failure of the engine must not cost the patient their
    submission: it is logged (by id only), the intake shows as not yet screened, and a
    practitioner can run the screening again from its page."""
    try:
        with transaction.atomic():
            screening.screening_run(intake=intake)
    except Exception as error:
        # The error's text may quote answers, so only its type is logged (docs/security.md S13).
        log.error(
            "Screening failed for intake %s (%s); it needs a manual re-screen",
            intake.pk,
            type(error).__name__,
        )


def _notify_practitioner(intake: Intake) -> None:
    """Queue the notice that an intake is waiting, in the submission's transaction: to its
    practitioner (or the clinic), and to the clinic's alert addresses when it needs
    attention. A reference number, the appointment date and a link, and nothing about the
    patient (docs/security.md S13; written by intake.emails.intake_submitted)."""
    recipients = [intake.practitioner.email if intake.practitioner else settings.DEFAULT_FROM_EMAIL]
    # An answer that needs care, or a refer flag: the clinic's alert addresses hear too.
    if urgent_help.needs_attention(intake):
        recipients = urgent_help.recipients(intake)
    email_enqueue(
        kind="intake_submitted", to=recipients, params={"intake": intake.pk}, about=intake
    )
