"""The reminder, written by the queue's worker when it delivers it (outbox.kinds): the
appointment's time, a link to carry on and a link to stop reminders, nothing more."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from appointments.models import Appointment
from intake.emails import invitation_link, my_intake_link
from outbox.kinds import Message
from outbox.models import Email

OPT_OUT_SALT = "appointments.stop_reminders"


def opt_out_link(appointment: Appointment) -> str:
    token = signing.dumps(appointment.pk, salt=OPT_OUT_SALT)
    return settings.SITE_URL + reverse("appointments:stop_reminders", args=[token])


def appointment_from_opt_out(token: str) -> Appointment | None:
    try:
        pk = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    return Appointment.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def reminder(email: Email) -> Message | None:
    """None once nothing is left to remind of: the intake was submitted, the appointment
    cancelled or past, or the patient stopped reminders, since the row was queued."""
    from appointments.services import wants_reminding

    appointment = (
        Appointment.objects.select_related("intake", "invitation")
        .filter(pk=email.params.get("appointment"))
        .first()
    )
    if appointment is None or not wants_reminding(appointment, timezone.now()):
        return None
    invitation = appointment.invitation
    if invitation is not None and not invitation.is_used and not invitation.is_expired:
        link = invitation_link(invitation)
    else:
        link = my_intake_link()
    when = date_format(timezone.localtime(appointment.starts_at), "l j F Y, H:i")
    practice = settings.PRACTICE_NAME
    if appointment.intake.is_check_in:
        return Message(
            subject=f"Reminder: your check-in for {practice}",
            body=(
                f"Hello,\n\nYou have an appointment at {practice} on {when}, and your "
                "check-in is not finished yet. It takes about two minutes, and what you have "
                "already saved is kept.\n\n"
                f"Sign in to finish it: {link}\n\n"
                f"To stop these reminders: {opt_out_link(appointment)}\n"
            ),
        )
    return Message(
        subject=f"Reminder: your intake form for {practice}",
        body=(
            f"Hello,\n\nYou have an appointment at {practice} on {when}, and your intake "
            "form is not finished yet. Please complete it before you come: it takes about "
            "15 minutes, and what you have already saved is kept.\n\n"
            f"Carry on here (you will be asked to sign in):\n{link}\n\n"
            f"To stop these reminders: {opt_out_link(appointment)}\n"
        ),
    )
