"""Telling an account's owner that how their account signs in, or what it may do, has
changed (docs/security.md S23, S24): a new authenticator, a reset one, a new password, another
role. The mail says what changed and when, never anything about the person's health, and
asks whoever did not expect it to call the clinic."""

from __future__ import annotations

from django.utils import timezone

from outbox.services import email_enqueue


def tell_owner(user, change: str) -> None:
    """Queue a mail telling `user` that `change` (a sentence, such as "An authenticator app
    was added to your account") has just happened. It goes through the mail queue with the
    change's transaction, so a mail server that is down delays the mail, never the change
    (S30); the time is taken now, not when the worker writes the mail."""
    email_enqueue(
        kind="account_change",
        to=user.email,
        params={"change": change, "at": timezone.now().isoformat()},
        about=user,
    )
