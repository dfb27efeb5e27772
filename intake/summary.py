"""Every answer of an intake as labelled, plain-text rows, grouped by wizard step.

Used by the patient's review and submitted pages and by the practitioner's intake page.
Values are plain strings; templates escape them. Drafts are never shown: only saved answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format

from intake import forms, steps
from intake.models import ConsentSignature, Intake
from intake.screening.vocabulary import (
    CONDITIONS,
    HISTORY,
    LIMBS,
    PAIN_REGIONS,
    PREGNANCY,
    RED_FLAGS,
    SEX_AT_BIRTH,
)

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


def labels(keys, vocabulary: dict[str, str]) -> list[str]:
    return [vocabulary[k] for k in keys if k in vocabulary]


def show_date(value) -> str:
    try:
        return date_format(date.fromisoformat(value), "j F Y")
    except (TypeError, ValueError):
        return text(value)


def _about(a: dict, s: Section) -> None:
    s.add("Full legal name", a.get("legal_name"))
    s.add("Preferred name", a.get("preferred_name"))
    s.add("Date of birth", show_date(a.get("date_of_birth")))
    s.add("Sex recorded at birth", SEX_AT_BIRTH.get(a.get("sex_at_birth", ""), None))
    s.add("Phone number", a.get("phone"))
    s.add("Emergency contact", a.get("emergency_name"))
    s.add("Emergency contact's phone", a.get("emergency_phone"))
    s.add("GP or primary care doctor", a.get("physician"))
    s.add("Preferred language", a.get("language"))


def _pain(a: dict, s: Section) -> None:
    s.add("Main problem", a.get("complaint"))
    s.add("Where it hurts", labels(a.get("regions", []), PAIN_REGIONS))
    month, year = a.get("started_month"), a.get("started_year")
    if month and year:
        started = f"{dict(forms.MONTHS).get(month, month)} {year}"
        months = a.get("duration_months")
        if months is not None:
            started += f" (about {months} month{'s' if months != 1 else ''} ago)"
        s.add("Started", started)
    else:
        s.add("Started", None)
    s.add("Pain now (0–10)", a.get("intensity_now"))
    s.add("Average pain last week (0–10)", a.get("intensity_average"))
    s.add("Worst pain last week (0–10)", a.get("intensity_worst"))
    s.add("PEG: average pain (0–10)", a.get("peg_pain"))
    s.add("PEG: interference with enjoyment of life (0–10)", a.get("peg_enjoyment"))
    s.add("PEG: interference with general activity (0–10)", a.get("peg_activity"))
    s.add("What helps", a.get("helps"))
    s.add("What makes it worse", a.get("worsens"))
    s.add("Treatments tried", a.get("treatments"))
    s.add("Goals", a.get("goals"))


def _conditions(a: dict, s: Section) -> None:
    s.add("Conditions ticked", labels(a.get("conditions", []), CONDITIONS))
    if "lymphoedema" in a.get("conditions", []):
        s.add("Lymphoedema: limb", labels(a.get("lymphoedema_limbs", []), LIMBS))
    s.add("Other conditions", a.get("other", []))


def _pregnancy(a: dict, s: Section) -> None:
    s.add("Pregnancy", PREGNANCY.get(a.get("status", ""), None))
    if a.get("status") == "yes":
        s.add("Weeks pregnant", a.get("weeks"))


def _medications(a: dict, s: Section) -> None:
    if a.get("none"):
        s.add("Medications and supplements", "None taken")
        return
    for number, row in enumerate(a.get("items", []), start=1):
        details = ", ".join(
            part
            for part in (
                row.get("dose"),
                row.get("frequency"),
                row.get("reason") and f"for {row['reason']}",
            )
            if part
        )
        s.add(f"Medicine {number}", f"{row.get('name', '')}{f' ({details})' if details else ''}")


def _allergies(a: dict, s: Section) -> None:
    s.add("Allergies ticked", labels(a.get("allergies", []), forms.ALLERGIES))
    s.add("Other allergies", a.get("other_allergies", []))
    s.add("Needles and acupuncture", labels(a.get("history", []), HISTORY))


def _red_flags(a: dict, s: Section) -> None:
    for key, question in RED_FLAGS.items():
        s.add(question, {"yes": "Yes", "no": "No"}.get(a.get(key, "")))


def _consent(intake: Intake, s: Section) -> None:
    signature = (
        ConsentSignature.objects.filter(intake=intake).select_related("consent_text").first()
    )
    if signature is None:
        s.answered = False
        s.add("Consent", None)
        return
    s.add("Consent wording", f"Version {signature.consent_text.version}")
    s.add("Signed as", signature.typed_name)
    s.add("Signed on", date_format(signature.signed_at, "j F Y, H:i"))


BUILDERS = {
    "about": _about,
    "pain": _pain,
    "conditions": _conditions,
    "pregnancy": _pregnancy,
    "medications": _medications,
    "allergies": _allergies,
    "red_flags": _red_flags,
}


def answer_sections(intake: Intake) -> list[Section]:
    """One section per answer step, in wizard order, each with (label, value) rows."""
    answers = intake.answers or {}
    sections = []
    for step in steps.FORM_STEPS:
        section = Section(step=step.identifier, title=step.title)
        if step.identifier == "consent":
            _consent(intake, section)
        elif not step.is_applicable(intake):
            section.applicable = False
            section.add(step.title, "Not applicable")
        elif step.identifier not in answers:
            section.answered = False
            section.add(step.title, NOT_ANSWERED)
        else:
            BUILDERS[step.identifier](answers[step.identifier], section)
        sections.append(section)
    return sections
