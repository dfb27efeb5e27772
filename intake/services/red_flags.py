"""The clinic's notices of red-flag answers that need care now (issue 12, part 2).

One notice row per intake and answer, however often the step is saved: the row is the
memory that the clinic has been told, and the attention email is queued in the same
transaction, so a notice recorded is a notice sent (outbox).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from intake import urgent_help
from intake.models import Intake, RedFlagNotice
from outbox.services import email_enqueue


def red_flag_notice_record(*, intake: Intake, answers: Iterable[str]) -> list[str]:
    """Record a notice for each answer the clinic has not heard of for this intake and,
    if there was any, queue one attention email. Return the answers newly noticed (empty:
    the clinic knew of every one already)."""
    with transaction.atomic():
        new = [answer for answer in answers if _notice_once(intake=intake, answer=answer)]
        if new:
            # The reference number and a link, and nothing about the patient or the
            # answer (docs/security.md S13); written by intake.emails.intake_attention.
            email_enqueue(
                kind="intake_attention",
                to=urgent_help.recipients(intake),
                params={"intake": intake.pk},
                about=intake,
            )
    return new


def _notice_once(*, intake: Intake, answer: str) -> bool:
    try:
        with transaction.atomic():
            _, created = RedFlagNotice.objects.get_or_create(intake=intake, answer=answer)
    except IntegrityError:
        # Another request recorded it between the look and the insert.
        return False
    return created
