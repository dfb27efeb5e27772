"""`seed_demo` gives the demo patient a course of treatment: an intake and two check-ins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from intake.models import AdverseEvent, Intake
from portal.models import User
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


def test_the_demo_patient_gets_an_intake_and_two_screened_check_ins():
    call_command("load_demo", stdout=StringIO())
    call_command("seed_demo", intakes=2, seed=1, stdout=StringIO())
    patient = User.objects.get(email="patient@demo.clinic")
    intake, first, second = Intake.objects.filter(patient=patient).order_by("submitted_at")
    assert intake.kind == Intake.Kind.INTAKE
    assert [first.kind, second.kind] == [Intake.Kind.CHECK_IN] * 2
    assert (first.previous, second.previous) == (intake, first)
    assert [str(i.peg_score) for i in (intake, first, second)] == ["7.3", "5.3", "3.7"]
    assert "R06" in set(second.current_run().flags.values_list("rule", flat=True))
    event = AdverseEvent.objects.get()
    assert event.reported_in == first and event.kind == "bruising" and event.practitioner
    practitioner = User.objects.get(email="practitioner@demo.clinic")
    page = sign_in(Client(), practitioner).get(reverse("intake:intake_detail", args=[second.pk]))
    assertContains(page, "Started apixaban")
    assertContains(page, "Stopped naproxen")
    # Seeding again adds nothing for the demo patient.
    call_command("seed_demo", intakes=1, stdout=StringIO())
    assert Intake.objects.filter(patient=patient).count() == 3
