"""The invitation and the practitioner's notice of a submitted intake, written by the
queue's worker when it delivers them (outbox.kinds). A link and a time, never health
information."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from intake.models import Intake, Invitation
from outbox.kinds import Message
from outbox.models import Email


def invitation_link(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("intake:accept_invitation", args=[invitation.link_token()])


def invitation(email: Email) -> Message | None:
    invitation = Invitation.objects.filter(pk=email.params.get("invitation")).first()
    if invitation is None or invitation.is_used or invitation.is_expired:
        return None
    if not invitation.link_key:
        # Made before links could be written again: a new link (the old one stops working).
        invitation.issue_token()
        invitation.save(update_fields=["link_key", "nonce_hash"])
    when = date_format(timezone.localtime(invitation.appointment_at), "l j F Y, H:i")
    expires = date_format(timezone.localtime(invitation.expires_at), "j F Y, H:i")
    practice = settings.PRACTICE_NAME
    return Message(
        subject=f"Your appointment at {practice}: please complete your intake",
        body=(
            f"Hello,\n\nYou have an appointment at {practice} on {when}.\n\n"
            "Before your first visit, please fill in our intake form. It takes about 15 "
            "minutes and you can save and come back at any time.\n\n"
            f"Start here (this link works once and expires on {expires}):\n"
            f"{invitation_link(invitation)}\n\n"
            "If you did not expect this email, you can ignore it.\n"
        ),
    )


def check_in(email: Email) -> Message | None:
    """Asks for the check-in before a follow-up visit: the time and a link to sign in. The
    link carries nothing (the patient signs in and "My intake" leads to the check-in)."""
    intake = Intake.objects.filter(pk=email.params.get("intake")).first()
    if intake is None or intake.is_locked:
        return None
    practice = settings.PRACTICE_NAME
    if intake.appointment_at:
        when = date_format(timezone.localtime(intake.appointment_at), "l j F Y, H:i")
        visit = f"your next appointment at {practice} on {when}"
    else:
        visit = f"your next appointment at {practice}"
    return Message(
        subject=f"Before your next visit to {practice}: a short check-in",
        body=(
            f"Hello,\n\nBefore {visit}, please answer a short check-in. It takes about "
            "two minutes, and you can stop and carry on later.\n\n"
            f"Sign in to start it: {my_intake_link()}\n\n"
            "If you did not expect this email, you can ignore it.\n"
        ),
    )


def my_intake_link() -> str:
    return settings.SITE_URL + reverse("intake:my_intake")


def intake_submitted(email: Email) -> Message | None:
    """A reference number, the appointment date and a link that needs a staff sign-in; when
    the intake needs attention (intake.urgent_help), it says so, and nothing more."""
    from intake import urgent_help

    intake = Intake.objects.filter(pk=email.params.get("intake")).first()
    if intake is None:
        return None
    attention = urgent_help.needs_attention(intake)
    if intake.appointment_at:
        when = date_format(timezone.localtime(intake.appointment_at), "l j F Y")
        appointment = f"for an appointment on {when} "
    else:
        appointment = "(no appointment booked yet) "
    return Message(
        subject=f"Intake #{intake.pk} submitted" + (": needs attention" if attention else ""),
        body=(
            f"An intake (reference #{intake.pk}) {appointment}has been submitted."
            + (" It needs attention now." if attention else "")
            + f"\n\nSign in to review it: {_detail_link(intake)}\n"
        ),
    )


def intake_attention(email: Email) -> Message | None:
    """A red-flag answer that needs care was just saved: the reference number and a link."""
    intake = Intake.objects.filter(pk=email.params.get("intake")).first()
    if intake is None:
        return None
    return Message(
        subject=f"Intake #{intake.pk} needs attention",
        body=(
            f"An intake (reference #{intake.pk}) needs attention now.\n\n"
            f"Open the portal to see it: {_detail_link(intake)}\n"
        ),
    )


def _detail_link(intake: Intake) -> str:
    return settings.SITE_URL + reverse("intake:intake_detail", args=[intake.pk])
