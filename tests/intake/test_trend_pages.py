"""The pain trend beyond the patient page: on the print view and so in the PDF (one template
for both), and on the patient's own page, where it is only ever their own."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from pypdf import PdfReader
from pytest_django.asserts import assertContains, assertNotContains

from tests.factories import ScoredCheckInFactory, ScoredIntakeFactory
from tests.security import markup

LONDON = ZoneInfo("Europe/London")
SUMMARY = "PEG 7.0 → 4.0 since 12 Sep, a 43% improvement, clinically meaningful (at least 30%)"


def on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=LONDON)


@pytest.fixture
def visits(patient):
    first = ScoredIntakeFactory(patient=patient, peg=(7, 7, 7), submitted_at=on(9, 12))
    check_in = ScoredCheckInFactory(patient=patient, peg=(4, 4, 4), submitted_at=on(10, 20))
    return first, check_in


def text_of(body: bytes) -> str:
    reader = PdfReader(BytesIO(body))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_print_view_shows_the_patients_trend(practitioner_client, visits):
    response = practitioner_client.get(reverse("intake:intake_print", args=[visits[0].pk]))
    assertContains(response, SUMMARY)
    assertContains(response, '<svg class="trend-chart"')
    assertContains(response, 'id="print-trend-caption"')
    assertContains(response, "css/trends.css")
    assert markup.read(response.content).style_attributes == []


def test_the_pdf_holds_the_summary_and_the_table(practitioner_client, visits):
    response = practitioner_client.get(reverse("intake:intake_pdf", args=[visits[0].pk]))
    assert response.status_code == 200
    text = text_of(response.content)
    assert SUMMARY in text
    assert "Pain over time (PEG)" in text
    assert "Meaningful improvement" in text
    assert "IMMPACT recommendations" in text


def test_an_intake_with_no_patient_account_prints_without_a_trend(practitioner_client):
    intake = ScoredIntakeFactory(patient=None, patient_name="Walk In")
    response = practitioner_client.get(reverse("intake:intake_print", args=[intake.pk]))
    assert response.status_code == 200
    assertNotContains(response, "Pain over time")


def test_the_patient_sees_their_own_trend_once_there_is_a_change(patient_client, visits):
    response = patient_client.get(reverse("intake:submitted", args=[visits[1].pk]))
    assertContains(response, "Your pain over time")
    assertContains(response, SUMMARY)
    assertContains(response, '<svg class="trend-chart"')
    assertContains(response, '<td class="text-nowrap">Check-in</td>')
    assertContains(response, "IMMPACT recommendations")
    assertNotContains(response, "this clinic's reading")  # the practitioners' caveat
    found = markup.read(response.content)
    assert found.style_attributes == [] and found.dangers() == []


def test_one_visit_shows_no_trend_to_the_patient(patient_client, patient):
    intake = ScoredIntakeFactory(patient=patient, peg=(7, 7, 7), submitted_at=on(9, 12))
    response = patient_client.get(reverse("intake:submitted", args=[intake.pk]))
    assert response.status_code == 200
    assertNotContains(response, "Your pain over time")
    assertNotContains(response, "css/trends.css")


def test_a_patient_never_sees_another_patients_scores(patient_client, patient, other_patient):
    ScoredIntakeFactory(patient=other_patient, peg=(9, 9, 9), submitted_at=on(9, 1))
    ScoredCheckInFactory(patient=other_patient, peg=(1, 1, 1), submitted_at=on(9, 20))
    own = ScoredIntakeFactory(patient=patient, peg=(6, 6, 6), submitted_at=on(9, 12))
    ScoredCheckInFactory(patient=patient, peg=(5, 5, 5), submitted_at=on(10, 1))
    response = patient_client.get(reverse("intake:submitted", args=[own.pk]))
    assertContains(response, "PEG 6.0 → 5.0 since 12 Sep, a 17% improvement")
    assertNotContains(response, "9.0")
    assertNotContains(response, "1 Sep")
    # Another patient's intake is a 404, trend or not.
    other = other_patient.intakes.first()
    assert patient_client.get(reverse("intake:submitted", args=[other.pk])).status_code == 404
