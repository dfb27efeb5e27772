"""The demo patient's course of treatment, for `seed_demo`: a first intake, two attended
visits and two check-ins (one with a bruise after the first treatment, one reporting a new
blood thinner), so the demo shows check-ins, what changed and the PEG over time.

Everything goes through the portal's own services (submission, screening, the medicine
list, adverse events, the follow-up booking that makes a check-in); only the answers are
filled in directly, in the shape each step's form stores, and the dates moved back so the
visits lie in the past. Development databases only (seed_demo refuses production).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import appointment_create
from intake import steps
from intake.models import ConsentSignature, ConsentText, Intake, MedicationRecord, ScreeningRun
from intake.screening import measures
from intake.screening.vocabulary import RED_FLAGS
from intake.services import intake_submit
from portal.models import User

DEMO_PATIENT = "patient@demo.clinic"
NO_RED_FLAGS = dict.fromkeys(RED_FLAGS, "no")


def _peg(pain: int, enjoyment: int, activity: int) -> dict:
    return {"peg_pain": pain, "peg_enjoyment": enjoyment, "peg_activity": activity}


def _submit(intake: Intake, patient: User, *, days_ago: int) -> Intake:
    """Submit through the service, then date the submission and its screening back."""
    intake_submit(intake=intake, user=patient)
    when = timezone.now() - timedelta(days=days_ago)
    Intake.objects.filter(pk=intake.pk).update(submitted_at=when)
    ScreeningRun.objects.filter(intake=intake).update(created_at=when)
    intake.refresh_from_db()
    return intake


def _check_in(patient: User, practitioner: User, answers: dict, *, visit_in_days: int) -> Intake:
    """Book the follow-up (which makes the check-in) and fill in its steps."""
    appointment = appointment_create(
        patient_name=patient.full_name,
        email=patient.email,
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(days=visit_in_days),
        kind=Appointment.Kind.FOLLOW_UP,
        created_by=practitioner,
    )
    check_in = appointment.intake
    peg = answers["peg"]
    check_in.answers = answers
    check_in.completed_steps = list(answers)
    check_in.peg_score = measures.peg_score(
        pain=peg["peg_pain"], enjoyment=peg["peg_enjoyment"], activity=peg["peg_activity"]
    )
    check_in.save(update_fields=["answers", "completed_steps", "peg_score"])
    return check_in


def _still(patient: User, *, stopped: str = "", stopped_on: str | None = None) -> list[dict]:
    return [
        {
            "id": record.pk,
            "name": record.name,
            "still": record.name != stopped,
            "stopped_on": stopped_on if record.name == stopped else None,
        }
        for record in MedicationRecord.objects.current(patient_id=patient.pk)
    ]


@transaction.atomic
def seed_demo_patient(*, practitioner: User) -> int:
    """The demo patient's intake and check-ins; 0 if there is no demo patient or they have
    intakes already. Returns how many intakes and check-ins were made."""
    patient = User.objects.filter(email=DEMO_PATIENT).first()
    consent = ConsentText.current()
    if patient is None or consent is None or Intake.objects.filter(patient=patient).exists():
        return 0
    now = timezone.now()
    name = patient.full_name or "Pat Demo"
    answers = {
        "about": {
            "legal_name": name,
            "preferred_name": "Pat",
            "date_of_birth": "1968-05-02",
            "sex_at_birth": "female",
            "phone": "07700 900321",
            "emergency_name": "Sam Demo",
            "emergency_phone": "07700 900322",
            "physician": "Dr Okafor, Riverside Surgery",
            "language": "English",
        },
        "pain": {
            "complaint": "Lower back pain that spreads into the left hip",
            "regions": ["low_back", "pelvis_hips"],
            "started_month": 3,
            "started_year": now.year - 2,
            "duration_months": 20,
            "intensity_now": 7,
            "intensity_average": 6,
            "intensity_worst": 9,
            **_peg(7, 7, 8),
            "helps": "Heat and gentle walking",
            "worsens": "Sitting for long",
            "treatments": "Physiotherapy, ibuprofen",
            "goals": "Walk the dog again",
        },
        "conditions": {"conditions": ["diabetes"], "lymphoedema_limbs": [], "other": []},
        "pregnancy": {"status": "no", "weeks": None},
        "medications": {
            "none": False,
            "items": [
                {
                    "name": "naproxen",
                    "dose": "500 mg",
                    "frequency": "twice daily",
                    "reason": "pain",
                },
                {"name": "metformin", "dose": "500 mg", "frequency": "daily", "reason": "diabetes"},
            ],
        },
        "allergies": {"allergies": [], "other_allergies": [], "history": ["first_acupuncture"]},
        "red_flags": dict(NO_RED_FLAGS),
        "consent": {"typed_name": name, "agree": True, "version": consent.version},
    }
    intake = Intake.objects.create(
        patient=patient,
        practitioner=practitioner,
        patient_name=name,
        appointment_at=now - timedelta(days=42),
        answers=answers,
        completed_steps=[s.identifier for s in steps.FORM_STEPS],
        peg_score=measures.peg_score(pain=7, enjoyment=7, activity=8),
    )
    ConsentSignature.objects.create(
        intake=intake, consent_text=consent, signer=patient, typed_name=name
    )
    intake = _submit(intake, patient, days_ago=44)
    Appointment.objects.create(
        patient=patient,
        patient_name=name,
        email=patient.email,
        practitioner=practitioner,
        starts_at=now - timedelta(days=42),
        status=Appointment.Status.ATTENDED,
        intake=intake,
    )

    # Three weeks later: better, and a bruise after the first treatment.
    first = _check_in(
        patient,
        practitioner,
        {
            "peg": _peg(5, 5, 6),
            "since": {
                "conditions": [],
                "lymphoedema_limbs": [],
                "other": [],
                "status": "unchanged",
            },
            "medicines": {"records": _still(patient), "started": []},
            "reactions": {
                "had_reaction": "yes",
                "reactions": ["bruising"],
                "timing": "same_day",
                "detail": "A small bruise on the lower back, gone in three days",
            },
            "red_flags": dict(NO_RED_FLAGS),
        },
        visit_in_days=1,
    )
    first = _submit(first, patient, days_ago=22)
    Appointment.objects.filter(intake=first).update(
        starts_at=now - timedelta(days=21), status=Appointment.Status.ATTENDED
    )
    Intake.objects.filter(pk=first.pk).update(appointment_at=now - timedelta(days=21))

    # Before the next visit (in two days): better again, naproxen stopped, apixaban started.
    second = _check_in(
        patient,
        practitioner,
        {
            "peg": _peg(4, 3, 4),
            "since": {
                "conditions": [],
                "lymphoedema_limbs": [],
                "other": [],
                "status": "unchanged",
            },
            "medicines": {
                "records": _still(
                    patient,
                    stopped="naproxen",
                    stopped_on=(now - timedelta(days=12)).date().isoformat(),
                ),
                "started": [
                    {
                        "name": "apixaban",
                        "dose": "5 mg",
                        "frequency": "twice daily",
                        "reason": "blood clot",
                        "started_on": (now - timedelta(days=10)).date().isoformat(),
                    }
                ],
            },
            "reactions": {"had_reaction": "no", "reactions": [], "timing": "", "detail": ""},
            "red_flags": dict(NO_RED_FLAGS),
        },
        visit_in_days=2,
    )
    _submit(second, patient, days_ago=1)
    return 3
