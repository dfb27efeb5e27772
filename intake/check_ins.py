"""A check-in's picture of the patient: what it carries forward and what it changes.

A check-in asks only what may have changed since the last visit. Its picture (in the
screening input's shape, docs/screening.md#input) is the picture of the intake or check-in
before it (`Intake.previous`) with each check-in step's answers applied by the step itself
(`Step.apply`): this week's PEG, new conditions added, a change in pregnancy, the medicine
list as the living record says after what was stopped and started, and the red flags
asked afresh. Date of birth, sex at birth, allergies, needle history and where it hurts are
carried unchanged. The picture is stored on the check-in when it is submitted
(`Intake.picture`), so what it was screened on never changes afterwards.
"""

from __future__ import annotations

import copy

from intake import steps
from intake.models import Intake, MedicationRecord


def picture_of(intake: Intake) -> dict:
    """The picture an intake or check-in leaves for the next check-in: an intake's answers
    in the contract's shape, or a check-in's picture (stored, or worked out if not yet)."""
    # Imported here: intake.export reads the steps, which reach this module.
    from intake.export import screening_input

    if not intake.is_check_in:
        return screening_input(intake)
    if intake.picture:
        return copy.deepcopy(intake.picture)
    return carry_forward(
        picture_before(intake),
        intake.answers or {},
        records=list(MedicationRecord.objects.current(patient_id=intake.patient_id)),
    )


def pain_of(intake: Intake) -> dict:
    """The pain part of the intake's picture (where it hurts, for how long, the PEG), as
    `picture_of(intake)["pain"]` says it, for the pages that show only that. A check-in not
    yet sent is worked out without the patient's medication records, which only the
    medicine list is made from (MedicineChangesStep.apply): one query fewer."""
    if not intake.is_check_in:
        picture = picture_of(intake)
    elif intake.picture:
        picture = intake.picture
    else:
        picture = carry_forward(picture_before(intake), intake.answers or {}, records=[])
    return copy.deepcopy(picture.get("pain") or {})


def picture_before(check_in: Intake) -> dict:
    """The picture the check-in starts from: its previous intake's or check-in's."""
    previous = check_in.previous
    return picture_of(previous) if previous is not None else {}


def carry_forward(before: dict, answers: dict, *, records: list[MedicationRecord]) -> dict:
    """`before` with the check-in's answered steps applied; `records` are the patient's
    medication records current before this check-in. Steps not yet answered change
    nothing. A pure function of its arguments (no queries), so the rules are unit-tested."""
    picture = copy.deepcopy(before)
    for step in steps.CHECK_IN_FORM_STEPS:
        step_answers = answers.get(step.identifier)
        if step_answers is not None:
            step.apply(picture, step_answers, records=records)
    return picture
