"""Patient accounts, and self-registration in two steps, so that it never tells anyone
whether an address already has an account (docs/security.md S6).

Step one (`registration_start`) takes a name and an email address and always answers the
same way: a message is on its way. A new address gets a link to choose a password; the
owner of an existing account is told that someone tried to register with their address,
with links to log in or reset the password. Step two (`registration_finish`) runs when the
link is followed and a password chosen: only then is the account made. Emails carry no
health information, and go through the queue (outbox, written by portal.emails): both
answers cost the page the same one queued row.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.models import Intake
from outbox.services import email_enqueue
from portal import roles
from portal.models import PendingRegistration, User

log = logging.getLogger(__name__)


def patient_create(*, email: str, password: str, full_name: str) -> User:
    user = User.objects.create_user(email, password, full_name=full_name)
    user.groups.add(Group.objects.get(name=roles.PATIENT))
    return user


@transaction.atomic
def registration_start(*, full_name: str, email: str) -> None:
    email = email.strip().lower()
    # Links live for two hours; their rows need not outlive them.
    PendingRegistration.expired().delete()
    if User.objects.filter(email=email).exists():
        email_enqueue(kind="registration_exists", to=email)
        return
    waiting = PendingRegistration.objects.exclude(email=email).count()
    if waiting >= settings.PENDING_REGISTRATIONS_MAX:
        # A flood from many addresses at once: the form answers as usual (S26), but the
        # table stays bounded until the links expire.
        log.warning("Registration not started: %s links are waiting", waiting)
        return
    # Registering again replaces the earlier link: only the newest email's link works. The
    # hash is a placeholder until the row has the id its link is made from.
    pending, _ = PendingRegistration.objects.update_or_create(
        email=email,
        defaults={
            "full_name": full_name,
            "nonce_hash": secrets.token_hex(32),
            "created_at": timezone.now(),
        },
    )
    pending.seal()
    email_enqueue(
        kind="registration_link", to=email, params={"registration": pending.pk}, about=pending
    )


def registration_finish(*, pending_pk: int, password: str) -> tuple[User, Intake] | None:
    """Make the account and its first intake (with no appointment yet) from a confirmed
    registration. Returns (user, intake), or None if the registration is gone (used,
    replaced, expired) or the address got an account some other way (an invitation) in
    the meantime."""
    try:
        with transaction.atomic():
            pending = PendingRegistration.objects.select_for_update().filter(pk=pending_pk).first()
            if pending is None or pending.is_expired:
                return None
            pending.delete()
            if User.objects.filter(email=pending.email).exists():
                return None
            user = patient_create(
                email=pending.email, password=password, full_name=pending.full_name
            )
            intake = Intake.objects.create(
                patient=user, patient_name=pending.full_name, status=Intake.Status.IN_PROGRESS
            )
            return user, intake
    except IntegrityError:
        # The same address was registered by another request at the same moment.
        return None
