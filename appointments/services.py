"""What changes appointments: booking (which invites a first visit's patient at once),
moving, cancelling, marking attended or no-show, stopping reminders, sending again, and the
reminder pass. Each function is one transaction; every email is queued inside it
(outbox), so what is committed is sent and what is rolled back is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appointments.models import Appointment, Reminder
from appointments.schedule import Schedule
from intake.models import Intake, Invitation
from intake.services import NoCheckIn, check_in_create, check_in_withdraw, invitation_create
from outbox.models import Email
from outbox.services import email_build, email_enqueue, emails_enqueue
from portal.models import User

UNFINISHED = (Intake.Status.INVITED, Intake.Status.IN_PROGRESS)
BATCH_SIZE = 500


@transaction.atomic
def appointment_create(
    *,
    patient_name: str,
    email: str,
    practitioner: User,
    starts_at: datetime,
    kind: str,
    created_by: User | None,
    source: str = Appointment.Source.WORKSPACE,
    external_id: str = "",
) -> Appointment:
    """Book an appointment. A first visit gets its invitation and intake in the same
    transaction, the email queued with them; the link expires when the appointment starts.
    A follow-up gets the patient's check-in and its email the same way, when the patient has
    an account and a submitted intake; otherwise the appointment carries the reason as
    `check_in_refused` (unsaved) for the page to show."""
    email = email.strip().lower()
    appointment = Appointment.objects.create(
        patient=User.objects.filter(email=email).first(),
        patient_name=patient_name,
        email=email,
        practitioner=practitioner,
        starts_at=starts_at,
        kind=kind,
        created_by=created_by,
        source=source,
        external_id=external_id,
    )
    if appointment.is_first_visit:
        invitation, intake, _ = invitation_create(
            patient_name=patient_name,
            email=email,
            appointment_at=starts_at,
            practitioner=practitioner,
            created_by=created_by or practitioner,
            expires_at=starts_at,
        )
        appointment.invitation, appointment.intake = invitation, intake
        appointment.save(update_fields=["invitation", "intake"])
    else:
        try:
            appointment.intake = check_in_create(
                patient=appointment.patient, appointment_at=starts_at, practitioner=practitioner
            )
        except NoCheckIn as refused:
            # The visit stands; the page says why no check-in went (`check_in_refused`).
            appointment.check_in_refused = refused.reason
        else:
            appointment.save(update_fields=["intake"])
    return appointment


@transaction.atomic
def appointment_update(
    *,
    appointment: Appointment,
    starts_at: datetime,
    practitioner: User | None = None,
    patient_name: str | None = None,
) -> Appointment:
    """Move an appointment (and, from an import, take the scheduler's practitioner and
    name). Its invitation now expires at the new time, its intake shows it, and reminder
    slots that are no longer due at the new time will be sent again when they are."""
    row = Appointment.objects.select_for_update().get(pk=appointment.pk)
    row.starts_at = starts_at
    row.practitioner = practitioner or row.practitioner
    row.patient_name = patient_name or row.patient_name
    row.save()
    if row.invitation_id:
        Invitation.objects.filter(pk=row.invitation_id).update(
            appointment_at=starts_at, expires_at=starts_at, practitioner=row.practitioner
        )
    if row.intake_id:
        Intake.objects.filter(pk=row.intake_id).update(
            appointment_at=starts_at, practitioner=row.practitioner
        )
    schedule = Schedule.from_settings()
    now = timezone.now()
    not_yet_due = [d for d in schedule.days_before if schedule.due_at(starts_at, d) > now]
    Reminder.objects.filter(appointment=row, days_before__in=not_yet_due).delete()
    return row


@transaction.atomic
def appointment_cancel(*, appointment: Appointment) -> Appointment:
    """Cancel: reminders stop (they are only sent for booked appointments), an unused
    invitation link stops working now, and a follow-up's unsent check-in is withdrawn (the
    row returned carries `check_in_withdrawn`, unsaved, for the page to say so)."""
    row = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("intake")
        .get(pk=appointment.pk)
    )
    row.status = Appointment.Status.CANCELLED
    row.save(update_fields=["status", "updated_at"])
    if row.invitation_id:
        Invitation.objects.filter(pk=row.invitation_id, used_at__isnull=True).update(
            expires_at=timezone.now()
        )
    row.check_in_withdrawn = row.intake is not None and check_in_withdraw(check_in=row.intake)
    return row


def appointment_mark(*, appointment: Appointment, status: str) -> Appointment:
    """Record that the patient came, or did not."""
    if status not in (Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW):
        raise ValueError(f"not a status to mark: {status}")
    Appointment.objects.filter(pk=appointment.pk).update(status=status, updated_at=timezone.now())
    appointment.status = status
    return appointment


def appointment_stop_reminders(*, appointment: Appointment) -> None:
    """The patient's opt-out link: no more reminders for this appointment."""
    Appointment.objects.filter(pk=appointment.pk, reminders_stopped_at__isnull=True).update(
        reminders_stopped_at=timezone.now()
    )


# Send again -------------------------------------------------------------------------------


class TooSoon(Exception):
    """The practitioner already sent this several times within the hour."""


def wants_reminding(appointment: Appointment, now: datetime) -> bool:
    """A booked visit still ahead, its intake (a first visit's) or check-in (a follow-up's)
    unfinished, reminders not stopped."""
    return (
        appointment.status == Appointment.Status.BOOKED
        and appointment.reminders_stopped_at is None
        and appointment.starts_at > now
        and appointment.intake is not None
        and appointment.intake.status in UNFINISHED
    )


@transaction.atomic
def appointment_send_again(*, appointment: Appointment) -> Email:
    """A reminder now, at a practitioner's request: the invitation's link if it was never
    used, else a link to sign in. At most RESEND_PER_HOUR an hour for one appointment
    (the row is locked, so two clicks at once count as two)."""
    row = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("intake")
        .get(pk=appointment.pk)
    )
    now = timezone.now()
    if not wants_reminding(row, now):
        raise ValueError("this appointment's intake needs no reminder")
    recent = Email.objects.filter(
        object_type="appointment",
        object_id=str(row.pk),
        kind="reminder",
        created_at__gte=now - timedelta(hours=1),
    ).count()
    if recent >= settings.RESEND_PER_HOUR:
        raise TooSoon
    return email_enqueue(kind="reminder", to=row.email, params={"appointment": row.pk}, about=row)


# The reminder pass ------------------------------------------------------------------------


@dataclass(frozen=True)
class PassResult:
    queued: int
    batches: int


def reminders_queue(*, now: datetime | None = None) -> PassResult:
    """Queue every reminder due at `now`, at most one per slot, in batches of BATCH_SIZE
    appointments with a constant number of queries each. Run twice at the same moment, the
    second pass finds every slot taken and queues nothing (the unique slot is the guard)."""
    now = now or timezone.now()
    schedule = Schedule.from_settings()
    if not schedule.is_daytime(now):
        return PassResult(queued=0, batches=0)
    candidates = (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            reminders_stopped_at__isnull=True,
            starts_at__gt=now,
            starts_at__lt=schedule.horizon(now),
            intake__status__in=UNFINISHED,
        )
        .order_by("pk")
        .values_list("pk", "starts_at", "created_at", "email")
    )
    queued = batches = 0
    last_pk = 0
    while True:
        rows = list(candidates.filter(pk__gt=last_pk)[:BATCH_SIZE])
        if not rows:
            break
        last_pk = rows[-1][0]
        batches += 1
        queued += _queue_batch(rows, schedule=schedule, now=now)
    return PassResult(queued=queued, batches=batches)


def _queue_batch(rows: list[tuple], *, schedule: Schedule, now: datetime) -> int:
    taken = set(
        Reminder.objects.filter(appointment_id__in=[row[0] for row in rows]).values_list(
            "appointment_id", "days_before"
        )
    )
    wanted: list[tuple[int, int, str]] = []
    for pk, starts_at, created_at, address in rows:
        slot = schedule.latest_due_slot(starts_at, now)
        # A slot that fell due before the booking was covered by the invitation itself.
        if slot is None or (pk, slot) in taken or schedule.due_at(starts_at, slot) < created_at:
            continue
        wanted.append((pk, slot, address))
    if not wanted:
        return 0
    with transaction.atomic():
        emails = emails_enqueue(
            emails=[
                email_build(
                    kind="reminder",
                    to=address,
                    params={"appointment": pk, "days_before": slot},
                    about=Appointment(pk=pk),
                )
                for pk, slot, address in wanted
            ]
        )
        Reminder.objects.bulk_create(
            [
                Reminder(appointment_id=pk, days_before=slot, email=email, queued_at=now)
                for (pk, slot, _), email in zip(wanted, emails, strict=True)
            ]
        )
    return len(wanted)
