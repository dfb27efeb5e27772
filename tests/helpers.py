"""What many test modules share: the cast's password and sign-in, the wizard's valid answers
and the walk through it, invitations, reviews, second-factor codes and admin forms.

Test modules import from here (and from tests/factories.py), never from each other; fixtures
stay in the conftest.py files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake import steps
from intake.models import Intake
from intake.screening.vocabulary import RED_FLAGS
from intake.services import invitation_create
from portal.middleware import LAST_SEEN_KEY
from portal.models import User
from portal.settings import BASE_DIR
from tests.mailqueue import deliver

# Accounts: the cast's password, signing in, self-registration ------------------------------------

PASSWORD = "correct-horse-battery-staple-42"


def make_user(email: str, *, role: str, full_name: str = "", staff: bool = False) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=full_name, is_staff=staff)
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(client: Client, user: User) -> Client:
    """Log the user in as if they had just opened a page; for staff, also verify a confirmed
    TOTP device in the session."""
    client.force_login(user)
    session = client.session
    session[LAST_SEEN_KEY] = time.time()
    if user.is_staff:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test device", defaults={"confirmed": True}
        )
        session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def registration_link(email: str) -> str:
    """The path and query of the newest registration link emailed to `email` (the queue's
    worker delivers what is waiting first)."""
    deliver()
    for message in reversed(mail.outbox):
        if message.to == [email]:
            found = re.search(r"https?://\S+\?confirm=\S+", message.body)
            if found:
                parts = urlsplit(found.group(0))
                return f"{parts.path}?{parts.query}"
    raise AssertionError(f"no registration link was sent to {email}")


def self_register(client: Client, *, full_name: str, email: str, password: str, **extra):
    """Register as a patient the way a person does: name and email, the link from the
    email, then a password. `extra` fields are posted with both forms. Returns the final
    response (a redirect to the first step when it worked)."""
    page = reverse("intake:register")
    response = client.post(page, {**extra, "full_name": full_name, "email": email})
    assert response.status_code == 302, response.content[:2000]
    client.get(registration_link(email.strip().lower()))
    return client.post(page, {**extra, "password1": password, "password2": password})


# The second factor -------------------------------------------------------------------------------


def password_login(client: Client, user) -> None:
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# The patient wizard: valid answers for every step, invitations, walking the steps ----------------

NEW_PASSWORD = "quiet-river-lantern-morning-9"


CANARY_MEDICATION = "Canarexolol"


PATIENT_NAME = "Harriet Quill-Nguyễn"


MED_MANAGEMENT = {
    "med-TOTAL_FORMS": "2",
    "med-INITIAL_FORMS": "0",
    "med-MIN_NUM_FORMS": "0",
    "med-MAX_NUM_FORMS": "30",
}


VALID: dict[str, dict] = {
    "about": {
        "legal_name": PATIENT_NAME,
        "preferred_name": "Hattie",
        "date_of_birth": "14/03/1961",
        "sex_at_birth": "female",
        "phone": "07700 900123",
        "emergency_name": "Sam Quill",
        "emergency_phone": "+44 7700 900124",
        "physician": "Dr Okafor, Riverside Surgery",
        "language": "English",
    },
    "pain": {
        "complaint": "Aching lower back for over a year",
        "regions": ["low_back", "left_knee"],
        "started_month": "1",
        "started_year": "2020",
        "intensity_now": "5",
        "intensity_average": "6",
        "intensity_worst": "8",
        "peg_pain": "7",
        "peg_enjoyment": "6",
        "peg_activity": "8",
        "helps": "Walking",
        "worsens": "Sitting",
        "treatments": "Physiotherapy",
        "goals": "Garden again",
    },
    "conditions": {
        "conditions": ["diabetes", "lymphoedema"],
        "lymphoedema_limbs": ["left_arm"],
        "other": "asthma\nhip replacement 2018",
    },
    "pregnancy": {"status": "no"},
    "medications": {
        **MED_MANAGEMENT,
        "med-0-name": f"{CANARY_MEDICATION} 5mg",
        "med-0-dose": "5 mg",
        "med-0-frequency": "twice daily",
        "med-0-reason": "blood pressure",
        "med-1-name": "metformin",
    },
    "allergies": {
        "allergies": ["nickel", "latex"],
        "other_allergies": "penicillin",
        "history": ["first_acupuncture"],
    },
    "red_flags": {key: ("yes" if key == "night_pain" else "no") for key in RED_FLAGS},
    "consent": {"typed_name": PATIENT_NAME, "agree": "on"},
}


def step_url(intake: Intake, step: str) -> str:
    return reverse("intake:step", args=[intake.pk, step])


def post_step(client: Client, intake: Intake, step: str, data=None, action: str = "next"):
    payload = dict(VALID[step] if data is None else data)
    payload["action"] = action
    return client.post(step_url(intake, step), payload)


def invite(practitioner, email: str = "harriet@example.com") -> tuple[Intake, str]:
    _, intake, link = invitation_create(
        patient_name=PATIENT_NAME,
        email=email,
        appointment_at=timezone.now() + timedelta(days=7),
        practitioner=practitioner,
        created_by=practitioner,
    )
    return intake, link.removeprefix("http://127.0.0.1:8000")


def accept(client: Client, path: str, password: str = NEW_PASSWORD):
    """Open the invitation link, then choose a password on the page it leads to."""
    client.get(path)
    return client.post(reverse("intake:register"), {"password1": password, "password2": password})


def token_of(path: str) -> str:
    return path.strip("/").split("/")[-1]


def complete_steps(client: Client, intake: Intake, upto: str = "consent") -> None:
    for step in steps.FORM_STEPS:
        response = post_step(client, intake, step.identifier)
        assert response.status_code == 302, (step.identifier, response.content[:3000])
        if step.identifier == upto:
            return


# Check-ins: a follow-up booked for a patient with a submitted intake, and its steps ---------------

NEW_MEDICINES = {
    "new-INITIAL_FORMS": "0",
    "new-MIN_NUM_FORMS": "0",
    "new-MAX_NUM_FORMS": "30",
}

CHECK_IN_VALID: dict[str, dict] = {
    "peg": {"peg_pain": "4", "peg_enjoyment": "3", "peg_activity": "5"},
    "since": {"other": "", "status": "unchanged"},
    "reactions": {"had_reaction": "no"},
    "red_flags": dict.fromkeys(RED_FLAGS, "no"),
}


def book_first_visit(practitioner, name: str, *, hours: float = 100):
    """Book a first visit for a new patient `name` the way the board does: its invitation
    goes to the first name @example.com."""
    from appointments.models import Appointment
    from appointments.services import appointment_create

    return appointment_create(
        patient_name=name,
        email=f"{name.split()[0].lower()}@example.com",
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(hours=hours),
        kind=Appointment.Kind.FIRST_VISIT,
        created_by=practitioner,
    )


def book_follow_up(patient, practitioner, *, days: float = 7):
    """Book a follow-up for `patient` the way the board does (appointments.services)."""
    from appointments.models import Appointment
    from appointments.services import appointment_create

    return appointment_create(
        patient_name=patient.full_name or PATIENT_NAME,
        email=patient.email,
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(days=days),
        kind=Appointment.Kind.FOLLOW_UP,
        created_by=practitioner,
    )


def medicine_changes(patient, *, stop: dict | None = None, start: list | None = None) -> dict:
    """The medicine step's post: every current record still taken except those in `stop`
    (name -> date stopped, "" if not known), and a row per (name, date started) in `start`."""
    from intake.models import MedicationRecord

    stop, start = stop or {}, start or []
    data = dict(NEW_MEDICINES, **{"new-TOTAL_FORMS": str(max(len(start), 1))})
    for record in MedicationRecord.objects.current(patient_id=patient.pk):
        stopped = record.name in stop
        data[f"still_{record.pk}"] = "no" if stopped else "yes"
        data[f"stopped_{record.pk}"] = stop.get(record.name, "")
    for number, (name, started_on) in enumerate(start):
        data[f"new-{number}-name"] = name
        data[f"new-{number}-started_on"] = started_on
    return data


def walk_check_in(client: Client, check_in: Intake, answers: dict) -> None:
    """Complete each applicable check-in step with `answers` (medicines: `medicine_changes`
    of the check-in's patient unless given)."""
    for step in steps.CHECK_IN_FORM_STEPS:
        if not step.is_applicable(Intake.objects.get(pk=check_in.pk)):
            continue
        data = answers.get(step.identifier)
        if data is None and step.identifier == "medicines":
            data = medicine_changes(check_in.patient)
        if data is None and step.identifier == "consent":
            data = VALID["consent"]
        response = client.post(step_url(check_in, step.identifier), dict(data, action="next"))
        assert response.status_code == 302, (step.identifier, response.content[:3000])


def submitted_check_in(client: Client, check_in: Intake, answers: dict | None = None) -> Intake:
    walk_check_in(client, check_in, CHECK_IN_VALID | (answers or {}))
    response = client.post(reverse("intake:submit", args=[check_in.pk]))
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert check_in.status == Intake.Status.SUBMITTED
    return check_in


# A whole intake through the real views, with chosen words in every free-text field ---------------

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


# Answers the exports are read from: medicines the engine recognises and one it does not ----------

# Answers with a medicine the reference knows (by brand), one it does not, and one it reads
# as two medicines; everything else as in the wizard tests.
EXPORT_ANSWERS = {step: dict(values) for step, values in VALID.items()}
EXPORT_ANSWERS["medications"] |= {
    "med-TOTAL_FORMS": "3",
    "med-0-name": "Eliquis 5mg",
    "med-1-name": "Zyntrex",
    "med-1-dose": "",
    "med-2-name": "warfarin and aspirin",
}


# A browser that enforces CSRF --------------------------------------------------------------------

TYPED = dict(VALID["about"], preferred_name="Typed before the break", physician="Dr Kept")


def signed_in_with_csrf(patient) -> Client:
    """A browser that enforces CSRF, signed in through the login form, with a token. Like
    every browser now, it names the page's origin when it posts a form."""
    client = Client(enforce_csrf_checks=True, headers={"Origin": "http://testserver"})
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("login"),
        {"username": patient.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    return client


# The practitioner's invitation form and screening results ----------------------------------------


def flag_data(rule: str, severity: str, **extra) -> dict:
    return {
        "rule": rule,
        "category": "bleeding",
        "severity": severity,
        "title": f"Title of {rule}",
        "action": f"Action for {rule}",
        "because": [f"because of {rule}"],
        "affects": ["MN", "CUP"],
        "guide_url": "/guide/safety/#bleeding",
    } | extra


INVITE_URL = reverse("intake:new_invitation")


def invitation_data(**changes) -> dict:
    when = timezone.localtime() + timedelta(days=7)
    return {
        "patient_name": "  Mary   O'Brien ",
        "email": "Mary@Example.com",
        "appointment_at": when.strftime("%Y-%m-%dT%H:%M"),
    } | changes


def drawn_form_token(client) -> str:
    """The hidden form_token of the invitation form as the page draws it."""
    page = client.get(INVITE_URL).content.decode()
    [token] = re.findall(r'name="form_token" value="([^"]+)"', page)
    return token


# The user admin's change form --------------------------------------------------------------------


def change_url(user: User) -> str:
    return reverse("admin:portal_user_change", args=[user.pk])


def account_form(user: User, **changes) -> dict:
    """The change form as the admin page posts it, for `user` as stored, with `changes`."""
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "_save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def group_id(name: str) -> str:
    return str(Group.objects.get(name=name).pk)


# Settings loaded in a fresh interpreter ----------------------------------------------------------

# Whatever the machine running the tests has set must not leak into the fresh interpreter.
SETTINGS_VARIABLES = {
    "PORTAL_PRODUCTION",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "EMAIL_BACKEND",
    "DEBUG",
    "PORT",
    "SITE_URL",
    "HELP_REGION",
    "CLINIC_PHONE",
    "CLINIC_HOURS",
    "CLINIC_ACCENT",
    "CLINIC_LOGO",
}


def start_settings(expression: str, **env: str) -> subprocess.CompletedProcess:
    """Load portal.settings in a new interpreter with `env`, and print `expression` (items
    separated by spaces)."""
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    clean |= {"DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    code = f"from django.conf import settings\nprint({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


# The guide ---------------------------------------------------------------------------------------

# The categories of docs/screening.md#output, written out here as the spec states them (not
# read from the engine), so that a category the engine drops still fails the guide tests.
SCREENING_CATEGORIES = [
    "bleeding",
    "electrical_device",
    "pregnancy",
    "seizure",
    "fainting",
    "infection",
    "diabetes",
    "sensation",
    "cancer",
    "lymphoedema",
    "implant",
    "thorax",
    "skin",
    "allergy",
    "cardiac_valve",
    "unstable",
    "capacity",
    "red_flag",
    "medication_review",
]
