"""Invitations: making one (and emailing its link) and claiming it, once, for an account.
Emails carry a link and a time, never health information."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from intake.models import Intake, Invitation
from intake.services.registration import patient_create
from portal.models import User


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("intake:accept_invitation", args=[token])


@transaction.atomic
def invitation_create(
    *,
    patient_name: str,
    email: str,
    appointment_at: datetime,
    practitioner: User,
    created_by: User,
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


@dataclass
class Claim:
    """What happened when an invitation was claimed."""

    class Outcome(models.TextChoices):
        OK = "ok"
        USED = "used"
        EXPIRED = "expired"
        ACCOUNT_EXISTS = "account_exists"
        WRONG_ACCOUNT = "wrong_account"

    outcome: Outcome
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
def invitation_claim(*, invitation_pk: int, user: User | None = None, password: str = "") -> Claim:
    """Use an invitation once: for `user` (already signed in), or for a new account with
    `password`. The invitation row is locked, so of two simultaneous clicks one wins and
    the other sees it used."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation_pk)
    if invitation.is_used:
        return Claim(Claim.Outcome.USED)
    if invitation.is_expired:
        return Claim(Claim.Outcome.EXPIRED)
    if user is not None:
        if user.email != invitation.email:
            return Claim(Claim.Outcome.WRONG_ACCOUNT)
        return Claim(Claim.Outcome.OK, intake=_attach(invitation, user), user=user)
    if User.objects.filter(email=invitation.email).exists():
        return Claim(Claim.Outcome.ACCOUNT_EXISTS)
    new_user = patient_create(
        email=invitation.email, password=password, full_name=invitation.patient_name
    )
    return Claim(Claim.Outcome.OK, intake=_attach(invitation, new_user), user=new_user)
