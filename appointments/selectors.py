"""What the appointments board reads: each appointment with where its intake stands.

Four queries for a whole page, however long: the appointments with their intakes and
invitations, then the emails about them (invitations and reminders) in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from appointments.models import Appointment
from appointments.services import wants_reminding
from intake import steps
from intake.models import Intake
from outbox.models import Email

PAGE_LIMIT = 200
NOT_STARTED_WITHIN = timedelta(hours=48)


@dataclass(frozen=True)
class Progress:
    """Where an intake stands, in the practitioner's words, with a badge colour."""

    label: str
    tone: str  # a Bootstrap colour name


@dataclass(frozen=True)
class BoardRow:
    appointment: Appointment
    progress: Progress | None
    last_reminder_at: datetime | None
    can_send_again: bool


def progress(appointment: Appointment, invitation_email: Email | None) -> Progress | None:
    intake = appointment.intake
    if intake is None:
        return None
    if intake.status == Intake.Status.REVIEWED:
        return Progress("Reviewed", "success")
    if intake.status == Intake.Status.SUBMITTED:
        return Progress("Submitted", "primary")
    if intake.is_withdrawn:
        return Progress("Check-in withdrawn", "secondary")
    if intake.completed_steps:
        total = steps.total(intake)
        step = min(len(set(intake.completed_steps)) + 1, total)
        return Progress(f"Started (step {step} of {total})", "info")
    if intake.is_check_in:
        return Progress("Check-in sent", "secondary")
    invitation = appointment.invitation
    if intake.status == Intake.Status.IN_PROGRESS or (invitation and invitation.opened_at):
        return Progress("Link opened", "info")
    if invitation_email is None:
        return Progress("No invitation", "secondary")
    if invitation_email.status == Email.Status.SENT:
        return Progress("Invitation sent", "secondary")
    if invitation_email.status == Email.Status.FAILED:
        return Progress("Invitation not delivered", "danger")
    return Progress("Invitation queued", "warning")


def board(*, now: datetime, only: str = "", past: bool = False) -> list[BoardRow]:
    """Upcoming appointments soonest first (or past ones, latest first). `only` may be
    "not_started_48h": booked first visits in the next 48 hours whose intake has no step
    saved yet."""
    appointments = Appointment.objects.select_related("intake", "invitation", "practitioner")
    if past:
        appointments = appointments.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    else:
        appointments = appointments.filter(starts_at__gte=now).order_by("starts_at", "pk")
    if only == "not_started_48h":
        appointments = appointments.filter(
            status=Appointment.Status.BOOKED,
            kind=Appointment.Kind.FIRST_VISIT,
            starts_at__lt=now + NOT_STARTED_WITHIN,
            intake__status__in=[Intake.Status.INVITED, Intake.Status.IN_PROGRESS],
            intake__last_step="",
        )
    # The intake's answers stay in the database: the board shows none of them.
    appointments = appointments.defer("intake__answers")
    rows = list(appointments[:PAGE_LIMIT])
    invitation_emails: dict[str, Email] = {}
    reminders: dict[str, datetime] = {}
    about = Q(object_type="invitation", object_id__in=[str(a.invitation_id) for a in rows])
    about |= Q(object_type="appointment", object_id__in=[str(a.pk) for a in rows])
    for email in Email.objects.filter(about).order_by("created_at", "pk"):
        if email.kind == "invitation":
            invitation_emails[email.object_id] = email
        elif email.kind == "reminder" and email.sent_at:
            # In order of creation, so the last one seen is the latest.
            reminders[email.object_id] = email.sent_at
    return [
        BoardRow(
            appointment=appointment,
            progress=progress(appointment, invitation_emails.get(str(appointment.invitation_id))),
            last_reminder_at=reminders.get(str(appointment.pk)),
            can_send_again=wants_reminding(appointment, now),
        )
        for appointment in rows
    ]
