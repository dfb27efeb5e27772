"""Telling a patient what to do at once when a red-flag answer needs care now, and telling
the clinic (issue 12, part 2).

When the red-flag step is sent with a "yes" that the reference grades EMERGENCY or URGENT:
- the very next page the patient sees opens with an alert saying what to do now (a mark
  in the server-side session, read and cleared by `context`, a context processor, so any
  page can be the next one; the session holds the intake's id only, never an answer);
- the clinic gets one notice per such answer, however often the step is saved
  (`RedFlagNotice`), and the submission notice says so again (`needs_attention`). Notices
  name no patient and no answer.

A "yes" counts as soon as it is sent, even on a step that is not yet complete (another
answer missing): the draft keeps it, and a patient in danger should not have to fix an
unrelated field first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from intake.models import Intake
from intake.screening import urgency
from intake.screening.vocabulary import RED_FLAGS

RED_FLAGS_STEP = "red_flags"
SESSION_KEY = "_urgent_help_intake"
DRAFTS = "_drafts"  # where a step's unfinished answers wait (intake.services)
SELF_HARM = "self_harm_thoughts"
PREGNANCY = "pregnancy_bleeding"


@dataclass(frozen=True)
class PatientHelp:
    """What the alert says: how urgent, which answers, and the numbers to call."""

    level: str  # urgency.EMERGENCY or urgency.URGENT
    answers: list[str]  # the questions answered yes, in the patient's words
    self_harm: bool
    pregnancy: bool
    numbers: Mapping[str, str]

    @property
    def is_emergency(self) -> bool:
        return self.level == urgency.EMERGENCY


def yes_answers(answers: Mapping | None) -> list[str]:
    """The red-flag questions answered yes in an intake's answers: the saved step, or what
    was sent of it since (a draft), in the order they are asked."""
    answers = answers or {}
    saved = answers.get(RED_FLAGS_STEP) or {}
    draft = (answers.get(DRAFTS) or {}).get(RED_FLAGS_STEP) or {}
    source = draft or saved
    return [key for key in RED_FLAGS if _is_yes(source.get(key))]


def _is_yes(value: object) -> bool:
    # A saved answer is "yes"; a draft keeps the posted values as a list.
    return value == "yes" or (isinstance(value, list) and value[-1:] == ["yes"])


def help_for(intake: Intake) -> PatientHelp | None:
    """The help to show for the intake's red-flag answers, or None if none needs it."""
    found = urgency.of_answers(yes_answers(intake.answers))
    if not found.level:
        return None
    return PatientHelp(
        level=found.level,
        answers=[RED_FLAGS[key] for key in found.keys],
        self_harm=SELF_HARM in found.emergency,
        pregnancy=PREGNANCY in found.emergency,
        numbers=settings.PATIENT_HELP,
    )


def step_saved(request: HttpRequest, intake: Intake, step_identifier: str) -> None:
    """Call after a step's answers (complete or as a draft) are stored. For the red-flag
    step with an answer that needs care: mark the next page for the alert and tell the
    clinic about each such answer not told before."""
    if step_identifier != RED_FLAGS_STEP:
        return
    # Read back what was stored: a draft is written without updating `intake`.
    stored = Intake.objects.filter(pk=intake.pk).values_list("answers", flat=True).first()
    found = urgency.of_answers(yes_answers(stored))
    if not found.level:
        return
    request.session[SESSION_KEY] = intake.pk
    # Imported here: the service module uses this one's recipients and answer reading.
    from intake.services import red_flag_notice_record

    red_flag_notice_record(intake=intake, answers=found.keys)


def needs_attention(intake: Intake) -> bool:
    """Whether the submission notice should say the intake needs attention now: an answer
    that needs care, or a refer flag from the screening that has just run."""
    return bool(urgency.of_answers(yes_answers(intake.answers)).level) or (
        intake.highest_severity == "refer"
    )


def recipients(intake: Intake) -> list[str]:
    addresses = list(settings.CLINIC_ALERT_EMAILS)
    if intake.practitioner_id and intake.practitioner.email not in addresses:
        addresses.insert(0, intake.practitioner.email)
    return addresses


def context(request: HttpRequest) -> dict:
    """Context processor: the alert for the page after a red-flag answer that needs care.
    Read once: the mark is cleared as the page is drawn."""
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session or not request.user.is_authenticated:
        return {}
    pk = session.pop(SESSION_KEY)
    intake = Intake.objects.filter(pk=pk, patient=request.user).only("answers").first()
    return {"urgent_help": help_for(intake)} if intake is not None else {}
