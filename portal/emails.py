"""Account emails, written by the queue's worker when it delivers them (outbox.kinds)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode

from outbox.kinds import Message
from outbox.models import Email
from portal.accounts import set_password_link
from portal.models import PendingRegistration, User

SUBJECT = "Your account at {practice}"


def _account_message(body: str) -> Message:
    practice = settings.PRACTICE_NAME
    return Message(
        subject=SUBJECT.format(practice=practice),
        body=f"Hello,\n\nThis is the intake portal of {practice}.\n\n{body}",
    )


def registration_link(email: Email) -> Message | None:
    pending = PendingRegistration.objects.filter(pk=email.params.get("registration")).first()
    # Replaced by a newer registration, used, or expired: that link would not work.
    if pending is None or pending.is_expired or pending.email != email.to:
        return None
    query = urlencode({"confirm": pending.link_token()})
    link = f"{settings.SITE_URL}{reverse('intake:register')}?{query}"
    return _account_message(
        f"To finish creating your account, open this link and choose a password (it works "
        f"once, for two hours):\n{link}\n\n"
        "If you did not ask for an account, you can ignore this email: no account is made "
        "until the link is opened.\n"
    )


def registration_exists(email: Email) -> Message:
    return _account_message(
        "Someone, perhaps you, asked to create an account with this email address. You "
        "already have an account with it, so no new account was made.\n\n"
        f"To log in: {settings.SITE_URL}{reverse('login')}\n"
        "If you have forgotten your password, choose a new one here: "
        f"{settings.SITE_URL}{reverse('password_reset')}\n\n"
        "If it was not you, you can ignore this email: nothing in your account has changed.\n"
    )


def password_reset(email: Email) -> Message | None:
    """Django's reset email, with the token made at delivery: it is valid until the password
    changes or the timeout passes, so a retry an hour later still sends a working link."""
    user = User.objects.filter(pk=email.params.get("user"), is_active=True).first()
    if user is None or user.email != email.to or not user.has_usable_password():
        return None
    site = settings.SITE_URL
    context = {
        "email": user.email,
        "domain": site.split("://", 1)[-1],
        "site_name": settings.PRACTICE_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": site.split("://", 1)[0] if "://" in site else "https",
    }
    subject = render_to_string("registration/password_reset_subject.txt", context)
    return Message(
        subject="".join(subject.splitlines()),
        body=render_to_string("registration/password_reset_email.txt", context),
    )


def account_change(email: Email) -> Message:
    """A change someone made to how the account signs in or what it may do (S23, S24)."""
    when = date_format(timezone.localtime(datetime.fromisoformat(email.params["at"])), "j F Y, H:i")
    return Message(
        subject=f"A change to your account at {settings.PRACTICE_NAME}",
        body=(
            f"Hello,\n\nThis is the intake portal of {settings.PRACTICE_NAME}.\n\n"
            f"{email.params['change']} ({when}).\n\n"
            "If this was you, there is nothing more to do. If this was not you, call the "
            f"clinic on {settings.CLINIC_PHONE} ({settings.CLINIC_HOURS}) straight away: "
            "someone else may be using your account.\n"
        ),
    )


def practitioner_invitation(email: Email) -> Message | None:
    user = User.objects.filter(pk=email.params.get("user"), is_active=True).first()
    # A password chosen already (the link was used, or an earlier mail's link): nothing to send.
    if user is None or user.email != email.to or user.has_usable_password():
        return None
    practice = settings.PRACTICE_NAME
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    return Message(
        subject=f"Your practitioner account at {practice}",
        body=(
            f"Hello,\n\nThe clinic {practice} has made you an account on its intake portal.\n\n"
            f"Choose your password here (the link works once, for {hours} hours):\n"
            f"{set_password_link(user)}\n\n"
            "You will then set up two-step sign-in with an authenticator app. Patients' "
            "intakes open to you once the clinic's owner has approved the account.\n"
        ),
    )


def practitioner_to_approve(email: Email) -> Message | None:
    user = User.objects.filter(pk=email.params.get("user")).first()
    if user is None:
        return None
    change = reverse("admin:portal_user_change", args=[user.pk])
    return Message(
        subject=f"A practitioner account to approve at {settings.PRACTICE_NAME}",
        body=(
            f"Hello,\n\n{email.params.get('by', 'An admin')} invited {user.email} to the intake "
            "portal as a practitioner. The account can see no intake until you make it "
            f"staff and give it the practitioner group:\n{settings.SITE_URL}{change}\n\n"
            "If you did not expect this invitation, deactivate the account instead.\n"
        ),
    )
