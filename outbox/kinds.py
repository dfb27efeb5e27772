"""The kinds of email, each with the function that writes it at delivery time.

A writer takes the queued row and returns the message, or None when the message is no
longer wanted (the invitation was used, the intake submitted, the appointment cancelled):
the row is then marked dropped rather than sent. Writers live beside the records they talk
about and are imported by path, so this app depends on no other.

What every writer must keep to (docs/security.md S13, proved by tests/security/test_email_canary):
no health information, no patient name beyond a greeting's first name, and only links that
need a sign-in or a single-use token to open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from outbox.models import Email


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


WRITERS: dict[str, str] = {
    "invitation": "intake.emails.invitation",
    "intake_submitted": "intake.emails.intake_submitted",
    "intake_attention": "intake.emails.intake_attention",
    "check_in": "intake.emails.check_in",
    "reminder": "appointments.emails.reminder",
    "registration_link": "portal.emails.registration_link",
    "registration_exists": "portal.emails.registration_exists",
    "password_reset": "portal.emails.password_reset",
    "account_change": "portal.emails.account_change",
    "practitioner_invitation": "portal.emails.practitioner_invitation",
    "practitioner_to_approve": "portal.emails.practitioner_to_approve",
    "guide_overdue": "guide.emails.overdue_reviews",
}


def writer(kind: str) -> Callable[[Email], Message | None]:
    return import_string(WRITERS[kind])
