"""Invitations: making one (and queueing the email with its link) and claiming it, once,
for an account. Emails carry a link and a time, never health information."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from intake.emails import invitation_link
from intake.models import Intake, Invitation
from intake.services.registration import patient_create
from outbox.services import email_enqueue
from portal.models import User


@transaction.atomic
def invitation_create(
    *,
    patient_name: str,
    email: str,
    appointment_at: datetime,
    practitioner: User,
    created_by: User,
    form_token: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[Invitation, Intake, str]:
    """Make the invitation and its (not yet started) intake and queue the email (outbox,
    written by intake.emails when it is delivered); return both and the link. A
    `form_token` already used raises IntegrityError before anything is made or queued.
    Without `expires_at` the link lives for INVITATION_LIFETIME."""
    invitation = Invitation(
        patient_name=patient_name,
        email=email.strip().lower(),
        appointment_at=appointment_at,
        practitioner=practitioner,
        created_by=created_by,
        form_token=form_token,
        expires_at=expires_at,
    )
    invitation.issue_token()
    invitation.save()
    intake = Intake.objects.create(
        invitation=invitation,
        practitioner=practitioner,
        appointment_at=appointment_at,
        patient_name=patient_name,
        status=Intake.Status.INVITED,
    )
    email_enqueue(
        kind="invitation",
        to=invitation.email,
        params={"invitation": invitation.pk},
        about=invitation,
    )
    return invitation, intake, invitation_link(invitation)


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
