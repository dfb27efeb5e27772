"""What the patient side changes in the database: accounts from invitations or
self-registration, step saves and drafts, and the one-time submission.

Each function is one transaction. Rows that two requests could race on (an invitation, an
intake) are locked or updated conditionally, so a double click never does anything twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from intake import forms, steps
from intake.models import ConsentSignature, ConsentText, Intake, Invitation
from portal import audit, roles
from portal.models import AuditEvent, User

log = logging.getLogger(__name__)

DRAFTS = "_drafts"
# Fields of a POST that are controls, not answers.
CONTROL_FIELDS = {"csrfmiddlewaretoken", "action", "from_review"}
# A draft keeps what was typed, within bounds: a hostile post cannot fill the database.
DRAFT_FIELDS_MAX = 300
DRAFT_VALUES_MAX = 40
DRAFT_VALUE_CHARS = 12_000


class IntakeLocked(Exception):
    """The intake was submitted meanwhile; it can no longer change."""


# Accounts -------------------------------------------------------------------------------


def make_patient(*, email: str, password: str, full_name: str) -> User:
    user = User.objects.create_user(email, password, full_name=full_name)
    user.groups.add(Group.objects.get(name=roles.PATIENT))
    return user


@transaction.atomic
def register_patient(*, full_name: str, email: str, password: str) -> tuple[User, Intake]:
    """Self-registration: a patient account and a fresh intake with no appointment yet."""
    user = make_patient(email=email, password=password, full_name=full_name)
    intake = Intake.objects.create(
        patient=user, patient_name=full_name, status=Intake.Status.IN_PROGRESS
    )
    return user, intake


def start_intake(user: User) -> Intake:
    """The patient's open intake, or a new one if they have none in progress."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        existing = (
            Intake.objects.filter(patient=user, status=Intake.Status.IN_PROGRESS)
            .order_by("-created_at")
            .first()
        )
        if existing:
            return existing
        return Intake.objects.create(
            patient=user, patient_name=user.full_name, status=Intake.Status.IN_PROGRESS
        )


@dataclass
class Claim:
    """What happened when an invitation was claimed: `outcome` is one of ok, used,
    expired, account_exists, wrong_account."""

    outcome: str
    intake: Intake | None = None
    user: User | None = None


def _attach(invitation: Invitation, user: User) -> Intake:
    intake = Intake.objects.select_for_update().filter(invitation=invitation).first()
    if intake is None:
        # The intake was deleted by the clinic; the invitation still brings the patient in.
        intake = Intake(
            invitation=invitation,
            practitioner=invitation.practitioner,
            appointment_at=invitation.appointment_at,
            patient_name=invitation.patient_name,
        )
    intake.patient = user
    if intake.status == Intake.Status.INVITED:
        intake.status = Intake.Status.IN_PROGRESS
    intake.save()
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    return intake


@transaction.atomic
def claim_invitation(invitation_pk: int, *, user: User | None = None, password: str = "") -> Claim:
    """Use an invitation once: for `user` (already signed in), or for a new account with
    `password`. The invitation row is locked, so of two simultaneous clicks one wins and
    the other sees it used."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation_pk)
    if invitation.is_used:
        return Claim("used")
    if invitation.is_expired:
        return Claim("expired")
    if user is not None:
        if user.email != invitation.email:
            return Claim("wrong_account")
        return Claim("ok", intake=_attach(invitation, user), user=user)
    if User.objects.filter(email=invitation.email).exists():
        return Claim("account_exists")
    new_user = make_patient(
        email=invitation.email, password=password, full_name=invitation.patient_name
    )
    return Claim("ok", intake=_attach(invitation, new_user), user=new_user)


# Steps ----------------------------------------------------------------------------------


def _locked_for_change(intake: Intake) -> Intake:
    row = Intake.objects.select_for_update().get(pk=intake.pk)
    if row.status != Intake.Status.IN_PROGRESS:
        raise IntakeLocked
    return row


@transaction.atomic
def save_step(intake: Intake, step: steps.Step, form: forms.StepForm, *, user: User) -> Intake:
    """Store a valid step's answers as a whole, mark it complete, drop its draft."""
    row = _locked_for_change(intake)
    answers = dict(row.answers or {})
    answers[step.identifier] = form.to_answers()
    drafts = dict(answers.pop(DRAFTS, {}))
    drafts.pop(step.identifier, None)
    if drafts:
        answers[DRAFTS] = drafts
    completed = [s for s in row.completed_steps if s != step.identifier] + [step.identifier]
    fields = ["answers", "completed_steps", "last_step", "updated_at"]

    if step.identifier == "about":
        row.patient_name = answers["about"]["legal_name"]
        fields.append("patient_name")
        pregnancy = answers.get("pregnancy") or {}
        if answers["about"]["sex_at_birth"] == "male":
            answers["pregnancy"] = {"status": "not_applicable", "weeks": None, "automatic": True}
            completed = [s for s in completed if s != "pregnancy"]
        elif pregnancy.get("automatic"):
            # No longer automatic: the patient must now answer it.
            del answers["pregnancy"]
            completed = [s for s in completed if s != "pregnancy"]
    elif step.identifier == "pain":
        row.peg_score = form.peg_score()
        fields.append("peg_score")
    elif step.identifier == "consent":
        current = ConsentText.current()
        signed_at = timezone.now()
        ConsentSignature.objects.update_or_create(
            intake=row,
            defaults={
                "consent_text": current,
                "signer": user,
                "typed_name": form.cleaned_data["typed_name"],
                "signed_at": signed_at,
            },
        )
        answers["consent"]["version"] = current.version
        answers["consent"]["signed_at"] = signed_at.isoformat()

    row.answers = answers
    row.completed_steps = completed
    row.last_step = step.identifier
    row.save(update_fields=fields)
    return row


def draft_from_post(data: QueryDict) -> dict[str, list[str]]:
    draft: dict[str, list[str]] = {}
    for key in list(data.keys())[:DRAFT_FIELDS_MAX]:
        # A NUL in a field name is no field of ours, and PostgreSQL cannot store it in JSON
        # (a hostile post would otherwise end in a 500; found by tests/security).
        if key in CONTROL_FIELDS or len(key) > 100 or "\x00" in key:
            continue
        # NUL cannot be stored in PostgreSQL JSON; the form will ask for a retype anyway.
        draft[key] = [
            str(v).replace("\x00", "")[:DRAFT_VALUE_CHARS]
            for v in data.getlist(key)[:DRAFT_VALUES_MAX]
        ]
    return draft


@transaction.atomic
def save_draft(intake: Intake, step: steps.Step, data: QueryDict) -> None:
    """Keep what was typed on a step that did not validate, to show it again next time."""
    row = _locked_for_change(intake)
    answers = dict(row.answers or {})
    drafts = dict(answers.get(DRAFTS, {}))
    drafts[step.identifier] = draft_from_post(data)
    answers[DRAFTS] = drafts
    row.answers = answers
    row.save(update_fields=["answers", "updated_at"])


def draft_for(intake: Intake, step: steps.Step) -> QueryDict | None:
    draft = (intake.answers or {}).get(DRAFTS, {}).get(step.identifier)
    if not draft:
        return None
    data = QueryDict(mutable=True)
    for key, values in draft.items():
        data.setlist(key, values)
    return data


# Submission -----------------------------------------------------------------------------


def is_ready(intake: Intake) -> bool:
    return steps.first_incomplete(intake) is steps.REVIEW


def submit_intake(intake: Intake, user: User, request: HttpRequest | None = None) -> bool:
    """Submit once. Returns True for the one request that submitted the intake; any other
    (a double click, a replay, a second tab) gets False and changes nothing.

    The winner is decided by a conditional UPDATE on the status, which the database
    serialises: exactly one such UPDATE can match the in-progress row."""
    if not is_ready(intake):
        return False
    with transaction.atomic():
        won = Intake.objects.filter(
            pk=intake.pk, patient=user, status=Intake.Status.IN_PROGRESS
        ).update(status=Intake.Status.SUBMITTED, submitted_at=timezone.now())
        if not won:
            return False
        intake.refresh_from_db()
        answers = dict(intake.answers)
        if answers.pop(DRAFTS, None) is not None:
            Intake.objects.filter(pk=intake.pk).update(answers=answers)
            intake.answers = answers
        _screen(intake)
        audit.record(request, AuditEvent.Action.SUBMIT, intake, actor=user)
    # After the commit: a mail server that is down must not undo the submission.
    notify_practitioner(intake)
    return True


def _screen(intake: Intake) -> None:
    """Screen the submitted intake. A failure of the engine must not cost the patient their
    submission: it is logged (by id only), the intake shows as not yet screened, and a
    practitioner can run the screening again from its page."""
    from intake.screening_service import run_screening

    try:
        with transaction.atomic():
            run_screening(intake)
    except Exception as error:
        # The error's text may quote answers, so only its type is logged (docs/security.md S13).
        log.error(
            "Screening failed for intake %s (%s); it needs a manual re-screen",
            intake.pk,
            type(error).__name__,
        )


def notify_practitioner(intake: Intake) -> None:
    """Tell the practitioner (or the clinic) that an intake is waiting. A reference number,
    the appointment date and a link, and nothing about the patient (docs/security.md S13)."""
    recipient = intake.practitioner.email if intake.practitioner else settings.DEFAULT_FROM_EMAIL
    if intake.appointment_at:
        when = date_format(timezone.localtime(intake.appointment_at), "l j F Y")
        appointment = f"for an appointment on {when} "
    else:
        appointment = "(no appointment booked yet) "
    link = settings.SITE_URL + reverse("intake:intake_detail", args=[intake.pk])
    try:
        send_mail(
            subject=f"Intake #{intake.pk} submitted",
            message=(
                f"An intake (reference #{intake.pk}) {appointment}has been submitted.\n\n"
                f"Sign in to review it: {link}\n"
            ),
            from_email=None,
            recipient_list=[recipient],
        )
    except Exception as error:  # the submission stands; it shows on the dashboard anyway
        log.error(
            "Could not send the submission notice for intake %s (%s)",
            intake.pk,
            type(error).__name__,
        )
