"""Changes to accounts that someone other than their owner makes in the admin (docs/security.md
S24): inviting a practitioner, and recording (audit trail and a mail to the owner) every
change of another person's access or password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from outbox.services import email_enqueue
from portal import audit, notices
from portal.models import AuditEvent, User


def access_of(user: User) -> tuple:
    """What a saved account may do, as stored: compared before and after an admin's save."""
    flags = User.objects.values_list("is_active", "is_staff", "is_superuser").get(pk=user.pk)
    return flags, frozenset(user.groups.values_list("name", flat=True))


def changed_by_someone_else(request: HttpRequest, user: User, action: str, change: str) -> None:
    """On the trail, and told to the owner, unless the owner made the change themselves."""
    if user.pk == request.user.pk:
        return
    audit.record(request, action, user)
    notices.tell_owner(user, change)


def set_password_link(user: User) -> str:
    """The password-reset page's link for `user`, valid for PASSWORD_RESET_TIMEOUT."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def practitioner_invite(*, request: HttpRequest, email: str, full_name: str) -> User:
    """An account for `email` with no password and no role yet (or the same account again,
    if its earlier link was never used), a link for its owner to choose the password, and a
    word to every superuser, whose part it is to grant the practitioner role."""
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, full_name=full_name)
        audit.record(request, AuditEvent.Action.CREATE, user)
        # Both mails are queued with the account, and written when delivered: the link's
        # token is made then, so a retry after a mail-server outage still sends a live link.
        email_enqueue(kind="practitioner_invitation", to=user.email, params={"user": user.pk})
        owners = list(
            User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
        )
        if owners:
            email_enqueue(
                kind="practitioner_to_approve",
                to=owners,
                params={"user": user.pk, "by": request.user.get_username()},
                about=user,
            )
    return user
