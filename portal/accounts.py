"""Changes to accounts that someone other than their owner makes in the admin (docs/security.md
S24): inviting a practitioner, and recording (audit trail and a mail to the owner) every
change of another person's access or password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

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
    practice = settings.PRACTICE_NAME
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    send_mail(
        subject=f"Your practitioner account at {practice}",
        message=(
            f"Hello,\n\nThe clinic {practice} has made you an account on its intake portal.\n\n"
            f"Choose your password here (the link works once, for {hours} hours):\n"
            f"{set_password_link(user)}\n\n"
            "You will then set up two-step sign-in with an authenticator app. Patients' "
            "intakes open to you once the clinic's owner has approved the account.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    owners = list(
        User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
    )
    if owners:
        change = reverse("admin:portal_user_change", args=[user.pk])
        send_mail(
            subject=f"A practitioner account to approve at {practice}",
            message=(
                f"Hello,\n\n{request.user.get_username()} invited {user.email} to the intake "
                "portal as a practitioner. The account can see no intake until you make it "
                f"staff and give it the practitioner group:\n{settings.SITE_URL}{change}\n\n"
                "If you did not expect this invitation, deactivate the account instead.\n"
            ),
            from_email=None,
            recipient_list=owners,
        )
    return user
