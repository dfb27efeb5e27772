"""A whole intake through the real views, with chosen words in every field a patient types.

The security tests (XSS, canary, audit, Unicode) need intakes that reached the database the
way a patient's would: invitation, password, every wizard step, submission and screening.
The valid answers are the wizard tests' own (tests/intake/test_patient_wizard.py).
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from intake import steps
from intake.models import Intake
from tests.intake.test_patient_wizard import VALID, accept, invite, step_url

# Every field of the wizard that takes free text, by step. Phone numbers are left out: they
# only accept digits and a few symbols, so no payload can get through them.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "about": ("legal_name", "preferred_name", "emergency_name", "physician", "language"),
    "pain": ("complaint", "helps", "worsens", "treatments", "goals"),
    "conditions": ("other",),
    "medications": ("med-0-name", "med-0-dose", "med-0-frequency", "med-0-reason"),
    "allergies": ("other_allergies",),
    "consent": ("typed_name",),
}


def answers_with(text: str, *, fields: dict[str, tuple[str, ...]] | None = None) -> dict:
    """The valid answers of every step with `text` in each free-text field (or in `fields`).
    The consent signature must be the legal name, so both get the same text."""
    chosen = FREE_TEXT if fields is None else fields
    data = {step: dict(VALID[step]) for step in VALID}
    for step, names in chosen.items():
        for name in names:
            data[step][name] = text
    data["consent"]["typed_name"] = data["about"]["legal_name"]
    return data


def walk(client: Client, intake: Intake, answers: dict) -> None:
    """Complete every wizard step with `answers` (a dict per step); each must be accepted."""
    for step in steps.FORM_STEPS:
        payload = dict(answers[step.identifier], action="next")
        response = client.post(step_url(intake, step.identifier), payload)
        assert response.status_code == 302, (step.identifier, response.content[:3000])


def submitted_intake(client: Client, practitioner, answers: dict, email: str) -> Intake:
    """An invited patient sets a password, walks the wizard and submits; the intake comes
    back screened."""
    intake, path = invite(practitioner, email=email)
    accept(client, path)
    intake.refresh_from_db()
    walk(client, intake, answers)
    response = client.post(reverse("intake:submit", args=[intake.pk]))
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.current_run() is not None
    return intake


def review_data(intake: Intake, **changes) -> dict:
    """A valid signed review by the cast's practitioner (Dr Lin Wei), every flag read, and
    every refer or contraindicated flag overridden with a reason (the decision is a
    clearance, which those flags would otherwise refuse)."""
    run = intake.current_run()
    standing = run.flags.filter(severity__in=["refer", "contraindicated"])
    data = {
        "decision": "modified",
        "modifications": ["no_electro"],
        "note": "Reviewed.",
        "signed_name": "Dr Lin Wei",
        "version": str(intake.review_version),
        "run": str(run.pk),
        **{f"ack_{flag.pk}": "on" for flag in run.flags.all()},
        **{f"override_{flag.pk}": "on" for flag in standing},
        **{f"override_reason_{flag.pk}": "Discussed with the GP." for flag in standing},
    }
    data.update(changes)
    return data
