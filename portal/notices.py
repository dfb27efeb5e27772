"""Telling an account's owner that how their account signs in, or what it may do, has
changed (docs/security.md S23, S24): a new authenticator, a reset one, a new password, another
role. The mail says what changed and when, never anything about the person's health, and
asks whoever did not expect it to call the clinic."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.formats import date_format

log = logging.getLogger(__name__)


def tell_owner(user, change: str) -> None:
    """Mail `user` that `change` (a sentence, such as "An authenticator app was added to
    your account") has just happened. A mail server that is down does not undo the change:
    the change is on the audit trail either way."""
    practice = settings.PRACTICE_NAME
    when = date_format(timezone.localtime(), "j F Y, H:i")
    body = (
        f"Hello,\n\nThis is the intake portal of {practice}.\n\n"
        f"{change} ({when}).\n\n"
        "If this was you, there is nothing more to do. If this was not you, contact the "
        "clinic straight away: someone else may be using your account.\n"
    )
    try:
        send_mail(
            subject=f"A change to your account at {practice}",
            message=body,
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception as error:
        log.error("Could not tell user %s about a change (%s)", user.pk, type(error).__name__)
