"""The intake wizard as a list of step objects (after pretix's checkout flow).

A step knows its identifier (also its key in `Intake.answers` and its URL slug), its title,
its form, whether it applies to this intake and whether it is complete. Completion lives in
the database (`Intake.completed_steps`), so a patient can carry on from any device. Steps
cannot be skipped: a step opens only when every applicable step before it is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from intake import forms
from intake.models import Intake


@dataclass(frozen=True)
class Step:
    identifier: str
    title: str
    form_class: type[forms.StepForm] | None = None
    intro: str = ""

    def is_applicable(self, intake: Intake) -> bool:
        return True

    def is_completed(self, intake: Intake) -> bool:
        return self.identifier in intake.completed_steps

    def url(self, intake: Intake) -> str:
        return reverse("intake:step", args=[intake.pk, self.identifier])


@dataclass(frozen=True)
class PregnancyStep(Step):
    """Not asked of anyone whose sex at birth is male: completed as not applicable."""

    def is_applicable(self, intake: Intake) -> bool:
        return intake.answers.get("about", {}).get("sex_at_birth") != "male"

    def is_completed(self, intake: Intake) -> bool:
        return not self.is_applicable(intake) or super().is_completed(intake)


@dataclass(frozen=True)
class ConsentStep(Step):
    """Complete only while the signature is for the current consent wording: when the clinic
    publishes new wording, the patient is asked again."""

    def is_completed(self, intake: Intake) -> bool:
        return super().is_completed(intake) and intake.has_current_consent


@dataclass(frozen=True)
class ReviewStep(Step):
    """The last page: every answer, and the Submit button. Never 'complete' in itself."""

    def is_completed(self, intake: Intake) -> bool:
        return intake.is_locked

    def url(self, intake: Intake) -> str:
        return reverse("intake:review_answers", args=[intake.pk])


STEPS: tuple[Step, ...] = (
    Step(
        "about",
        "About you",
        forms.AboutForm,
        "We use these details to identify you and to reach you or someone close to you.",
    ),
    Step(
        "pain",
        "Your pain",
        forms.PainForm,
        "Tell us about the pain you would like help with. Guesses are fine.",
    ),
    Step(
        "conditions",
        "Health conditions",
        forms.ConditionsForm,
        "Some conditions change how acupuncture is given safely. If you are not sure, tick it "
        "and your practitioner will ask you about it.",
    ),
    PregnancyStep(
        "pregnancy",
        "Pregnancy",
        forms.PregnancyForm,
        "Some acupuncture points are avoided in pregnancy, so we ask everyone who could be "
        "pregnant.",
    ),
    Step(
        "medications",
        "Medications and supplements",
        forms.MedicationsForm,
        "Include prescribed medicines, medicines you buy yourself, vitamins, herbs and "
        "supplements. Blood thinners are especially important.",
    ),
    Step(
        "allergies",
        "Allergies and past experiences",
        forms.AllergiesForm,
        "Needles, tape and gloves can contain metals, adhesives or latex.",
    ),
    Step(
        "red_flags",
        "Symptoms to check",
        forms.RedFlagsForm,
        "In the past few weeks, have you had any of the following? These can be signs that "
        "you need to see a doctor first. Answer yes or no to each.",
    ),
    ConsentStep(
        "consent",
        "Consent",
        forms.ConsentForm,
        "Please read this carefully. You can ask your practitioner about any of it.",
    ),
    ReviewStep("review", "Check and submit"),
)

BY_ID: dict[str, Step] = {step.identifier: step for step in STEPS}
FORM_STEPS: tuple[Step, ...] = tuple(s for s in STEPS if s.form_class is not None)
REVIEW = BY_ID["review"]


def get(identifier: str) -> Step | None:
    return BY_ID.get(identifier)


def number(step: Step) -> int:
    return STEPS.index(step) + 1


def first_incomplete(intake: Intake) -> Step:
    """The first applicable step not yet completed; the review page when all are done."""
    for step in FORM_STEPS:
        if step.is_applicable(intake) and not step.is_completed(intake):
            return step
    return REVIEW


def can_open(intake: Intake, step: Step) -> bool:
    return STEPS.index(step) <= STEPS.index(first_incomplete(intake))


def next_step(intake: Intake, step: Step) -> Step:
    for later in STEPS[STEPS.index(step) + 1 :]:
        if later.is_applicable(intake):
            return later
    return REVIEW


def prev_step(intake: Intake, step: Step) -> Step | None:
    for earlier in reversed(STEPS[: STEPS.index(step)]):
        if earlier.is_applicable(intake):
            return earlier
    return None


def progress(intake: Intake, current: Step) -> list[dict]:
    """What the progress list shows: each step, its state and (if it can open) its link."""
    reachable = STEPS.index(first_incomplete(intake))
    items = []
    for index, step in enumerate(STEPS):
        applicable = step.is_applicable(intake)
        items.append(
            {
                "number": index + 1,
                "title": step.title,
                "current": step == current,
                "completed": step.is_completed(intake) and step is not REVIEW,
                "applicable": applicable,
                "url": step.url(intake) if applicable and index <= reachable else "",
            }
        )
    return items
