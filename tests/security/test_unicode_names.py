"""Names in any script come back exactly as typed; characters that reorder text on screen
are removed before anything is stored (docs/security.md S22)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from intake.models import Invitation, Review
from portal.models import User
from portal.text import BIDI_CONTROLS, neutralise_bidi
from tests.helpers import VALID, answers_with, review_data, self_register, sign_in, submitted_intake

NAMES = ["Nguyễn Thị Minh Khai", "مريم الحسيني", "Siobhán O'Brien", "李小龍", "Zoë Brontë"]

# "Dr Ada" with its characters drawn right to left, hiding what is really stored.
TROJAN = "Dr \u202eadA\u202c and \u2066isolated\u2069 \u202a\u202b\u202c\u202d\u2067\u2068"


def test_it_removes_every_bidi_override_and_isolate():
    every = "".join(chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    assert every == BIDI_CONTROLS
    assert neutralise_bidi(TROJAN) == "Dr adA and isolated "
    # Marks that only hint at direction (LRM, RLM) and Arabic itself are left alone.
    assert neutralise_bidi("\u200fمريم\u200e") == "\u200fمريم\u200e"


@pytest.mark.parametrize("name", NAMES)
def test_it_round_trips_a_name_to_the_practitioner_and_the_export(db, practitioner, name):
    fields = {"about": ("legal_name",), "medications": ("med-0-name",), "conditions": ("other",)}
    intake = submitted_intake(Client(), practitioner, answers_with(name, fields=fields), "u@x.org")
    assert intake.patient_name == name
    assert intake.answers["about"]["legal_name"] == name
    assert intake.consent.typed_name == name

    staff = sign_in(Client(), practitioner)
    page = staff.get(reverse("intake:intake_detail", args=[intake.pk]))
    escaped = name.replace("'", "&#x27;")
    assertContains(page, escaped)
    assertContains(staff.get(reverse("intake:dashboard")), escaped)
    assertContains(staff.get(reverse("intake:intake_print", args=[intake.pk])), escaped)

    exported = staff.get(reverse("intake:intake_export", args=[intake.pk]))
    assert exported["Content-Type"] == "application/json; charset=utf-8"
    document = json.loads(exported.content.decode("utf-8"))
    assert document["medications"][0]["name"] == name
    assert name in document["conditions"]
    assert name.encode() in exported.content  # readable UTF-8, not \u escapes


def test_it_stores_wizard_answers_without_bidi_controls(db, practitioner):
    answers = answers_with(TROJAN)
    intake = submitted_intake(Client(), practitioner, answers, "trojan@example.com")
    stored = json.dumps(intake.answers, ensure_ascii=False)
    assert not any(c in stored for c in BIDI_CONTROLS)
    assert intake.answers["pain"]["complaint"] == neutralise_bidi(TROJAN).strip()
    assert intake.answers["medications"]["items"][0]["name"] == neutralise_bidi(TROJAN).strip()
    assert intake.patient_name == neutralise_bidi(TROJAN).strip()
    assert not any(c in intake.consent.typed_name for c in BIDI_CONTROLS)
    flags = json.dumps([f.because for f in intake.current_run().flags.all()], ensure_ascii=False)
    assert not any(c in flags for c in BIDI_CONTROLS)


def test_it_removes_bidi_controls_from_registration_invitations_and_reviews(db, practitioner):
    password = "quiet-river-lantern-morning-9"
    self_register(Client(), full_name=f"Zoë {TROJAN}", email="zoe@example.com", password=password)
    assert (
        User.objects.get(email="zoe@example.com").full_name
        == neutralise_bidi(f"Zoë {TROJAN}").strip()
    )

    staff = sign_in(Client(), practitioner)
    staff.post(
        reverse("intake:new_invitation"),
        {
            "patient_name": "Mar\u202eyam",
            "email": "maryam@example.com",
            "appointment_at": "2099-05-01T10:00",
            "practitioner": str(practitioner.pk),
        },
    )
    assert Invitation.objects.get(email="maryam@example.com").patient_name == "Maryam"

    intake = submitted_intake(Client(), practitioner, VALID, "reviewed@example.com")
    data = review_data(
        intake,
        note=f"Fine {TROJAN}",
        signed_name="Dr \u2066Lin\u2069 Wei",
        other_modifications="Avoid \u202eLI4",
    )
    assert staff.post(reverse("intake:review", args=[intake.pk]), data).status_code == 302
    review = Review.objects.get(intake=intake)
    assert review.note == neutralise_bidi(f"Fine {TROJAN}").strip()
    assert review.signed_name == "Dr Lin Wei"
    assert review.modifications[-1]["text"] == "Avoid LI4"


def test_it_leaves_passwords_exactly_as_typed(db):
    password = "quiet-river-\u202elantern-9"
    self_register(Client(), full_name="Pass Word", email="pw@example.com", password=password)
    user = User.objects.get(email="pw@example.com")
    assert user.check_password(password)
