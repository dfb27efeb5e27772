"""Hostile text in every field a patient (or a practitioner) types, shown everywhere it is
shown: it must arrive as text, never as markup (docs/security.md S10).

Each payload goes into every free-text answer of a real intake (wizard → submit →
screening, so flags quote it in their `because`), into the invitation's name, the
practitioner's review, and a self-registered patient's name, which the admin lists.
"""

from __future__ import annotations

import json
from html import escape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from intake.models import Flag, Intake, Invitation
from portal.models import User
from tests.helpers import answers_with, review_data, self_register, sign_in, walk
from tests.mailqueue import deliver
from tests.security import markup

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>",
    "{{7*7}}",
    "'--><b>x",
]

# What must never reach a page unescaped, per payload: the markup that would run or render.
RAW_MARKERS = {
    PAYLOADS[0]: ["<script>alert(1)"],
    PAYLOADS[1]: ["<img src=x"],
    PAYLOADS[2]: [],  # harmless as text; dangerous only as a URL, which markup.read checks
    PAYLOADS[3]: ["<svg onload", "</textarea><svg"],
    PAYLOADS[4]: [],  # a template expression must come out literally (checked below)
    PAYLOADS[5]: ["--><b>x", "<b>x"],
}


def assert_inert(response, payload: str, where: str) -> None:
    assert response.status_code == 200, (where, response.status_code)
    body = response.content.decode()
    for raw in RAW_MARKERS[payload]:
        assert raw not in body, f"{where}: {raw!r} appears unescaped"
    found = markup.read(body).dangers()
    assert not found, f"{where}: {found}"


def escaped(payload: str) -> str:
    # Django escapes the same five characters as html.escape, in the same way.
    return escape(payload)


@pytest.fixture(params=PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def payload(request) -> str:
    return request.param


@pytest.fixture
def hostile(db, payload, practitioner):
    """An intake carrying the payload everywhere, invited under the payload as a name, with
    a signed review whose note and modifications carry it too."""
    staff = sign_in(Client(), practitioner)
    response = staff.post(
        reverse("intake:new_invitation"),
        {
            "patient_name": payload,
            "email": "hostile@example.com",
            "appointment_at": "2099-01-05T10:00",
            "practitioner": str(practitioner.pk),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    invitation = Invitation.objects.get(email="hostile@example.com")
    assert invitation.patient_name == payload

    # The link's token travels only in the email; the patient follows it from there.
    deliver()
    body = next(m.body for m in mail.outbox if m.to == ["hostile@example.com"])
    link = next(line for line in body.splitlines() if "/invite/" in line)
    patient = Client()
    patient.get(link[link.index("/invite/") :])
    password = "quiet-river-lantern-morning-9"
    patient.post(reverse("intake:register"), {"password1": password, "password2": password})
    intake = Intake.objects.get(invitation=invitation)
    walk(patient, intake, answers_with(payload))
    patient_review = patient.get(reverse("intake:review_answers", args=[intake.pk]))
    assert patient.post(reverse("intake:submit", args=[intake.pk])).status_code == 302
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED

    data = review_data(intake, note=payload, other_modifications=payload, avoid_points=payload)
    data["modifications"] = ["no_electro", "avoid_points"]
    response = staff.post(reverse("intake:review", args=[intake.pk]), data)
    assert response.status_code == 302, response.content[:3000]
    return {
        "intake": intake,
        "staff": staff,
        "patient": patient,
        "patient_review": patient_review,
    }


def test_it_stores_the_payload_as_typed(hostile, payload):
    intake = hostile["intake"]
    assert intake.answers["pain"]["complaint"] == payload
    assert intake.answers["medications"]["items"][0]["name"] == payload
    assert intake.answers["conditions"]["other"] == [payload.strip()]
    assert intake.latest_review().note == payload


def test_it_quotes_the_payload_in_flag_reasons_as_data(hostile, payload):
    reasons = [
        reason
        for flag in Flag.objects.filter(run__intake=hostile["intake"])
        for reason in flag.because
    ]
    assert any(payload in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    "page", ["intake:intake_detail", "intake:intake_print", "intake:review", "intake:dashboard"]
)
def test_it_escapes_the_payload_on_practitioner_pages(hostile, payload, page):
    intake = hostile["intake"]
    args = [] if page == "intake:dashboard" else [intake.pk]
    response = hostile["staff"].get(reverse(page, args=args))
    assert_inert(response, payload, page)
    if page != "intake:dashboard":
        # The payload is on the page, as text: escaped, and unevaluated for {{7*7}}.
        assertContains(response, escaped(payload))


def test_it_escapes_html_in_flag_reasons(hostile, payload):
    response = hostile["staff"].get(reverse("intake:intake_detail", args=[hostile["intake"].pk]))
    flag = Flag.objects.filter(run__intake=hostile["intake"], category="medication_review").first()
    assert flag is not None
    for reason in flag.because:
        assertContains(response, escaped(reason))


def test_it_shows_the_payload_on_the_dashboard_as_the_patients_name(hostile, payload):
    response = hostile["staff"].get(reverse("intake:dashboard"))
    assertContains(response, escaped(payload))


def test_it_exports_the_payload_as_json_data(hostile, payload):
    response = hostile["staff"].get(reverse("intake:intake_export", args=[hostile["intake"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    exported = json.loads(response.content)
    assert exported["medications"][0]["name"] == payload
    assert payload.strip() in exported["conditions"]
    assert payload in exported["allergies"]


def test_it_escapes_the_payload_on_the_patients_own_pages(hostile, payload):
    assert_inert(hostile["patient_review"], payload, "patient review")
    assertContains(hostile["patient_review"], escaped(payload))
    submitted = hostile["patient"].get(reverse("intake:submitted", args=[hostile["intake"].pk]))
    assert_inert(submitted, payload, "patient submitted page")
    assertContains(submitted, escaped(payload))


def test_it_escapes_a_registered_name_in_the_admin(db, payload, admin_client_verified):
    response = self_register(
        Client(),
        full_name=payload,
        email="named@example.com",
        password="quiet-river-lantern-morning-9",
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(email="named@example.com")
    assert user.full_name == payload
    for url in [
        reverse("admin:portal_user_changelist"),
        reverse("admin:portal_user_change", args=[user.pk]),
    ]:
        assert_inert(admin_client_verified.get(url), payload, url)
