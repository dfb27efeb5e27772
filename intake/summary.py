"""Every answer of an intake as labelled, plain-text rows, grouped by wizard step.

Used by the patient's review and submitted pages and by the practitioner's intake page.
Each step says what its rows are (`Step.summary_rows`); this module makes them text. Values
are plain strings; templates escape them. Drafts are never shown: only saved answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake import steps
from intake.models import Intake

NOT_ANSWERED = "Not answered"
NONE_TICKED = "None"


@dataclass
class Section:
    step: str
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    answered: bool = True
    # False for a step that does not apply to this patient (nothing to edit).
    applicable: bool = True

    def add(self, label: str, value) -> None:
        self.rows.append((label, text(value)))


def text(value) -> str:
    if value is None or value == "":
        return NOT_ANSWERED
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) if value else NONE_TICKED
    return str(value)


def answer_sections(intake: Intake) -> list[Section]:
    """One section per answer step, in wizard order, each with (label, value) rows."""
    sections = []
    for step in steps.form_steps(intake):
        section = Section(step=step.identifier, title=step.title)
        if not step.is_applicable(intake):
            section.applicable = False
            section.add(step.title, "Not applicable")
        elif (rows := step.summary_rows(intake)) is None:
            section.answered = False
            section.add(step.title, NOT_ANSWERED)
        else:
            for label, value in rows:
                section.add(label, value)
        sections.append(section)
    return sections
