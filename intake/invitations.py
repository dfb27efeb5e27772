"""Creating invitations and telling the patient. Emails carry a link and a time, never
health information."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from intake.models import Intake, Invitation


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("intake:accept_invitation", args=[token])


@transaction.atomic
def create_invitation(
    *,
    patient_name: str,
    email: str,
    appointment_at: datetime,
    practitioner,
    created_by,
    form_token: str | None = None,
) -> tuple[Invitation, Intake, str]:
    """Make the invitation and its (not yet started) intake; return both and the link.
    A `form_token` already used raises IntegrityError before anything is made or sent."""
    invitation = Invitation(
        patient_name=patient_name,
        email=email.strip().lower(),
        appointment_at=appointment_at,
        practitioner=practitioner,
        created_by=created_by,
        form_token=form_token,
    )
    token = invitation.issue_token()
    invitation.save()
    intake = Intake.objects.create(
        invitation=invitation,
        practitioner=practitioner,
        appointment_at=appointment_at,
        patient_name=patient_name,
        status=Intake.Status.INVITED,
    )
    link = invitation_link(token)
    when = date_format(timezone.localtime(appointment_at), "l j F Y, H:i")
    send_mail(
        subject=f"Your appointment at {settings.PRACTICE_NAME}: please complete your intake",
        message=(
            f"Hello,\n\nYou have an appointment at {settings.PRACTICE_NAME} on {when}.\n\n"
            "Before your first visit, please fill in our intake form. It takes about 15 "
            "minutes and you can save and come back at any time.\n\n"
            f"Start here (this link works once and expires on "
            f"{date_format(timezone.localtime(invitation.expires_at), 'j F Y')}):\n{link}\n\n"
            "If you did not expect this email, you can ignore it.\n"
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    return invitation, intake, link
