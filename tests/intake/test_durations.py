"""Pain durations read as years and months wherever they are shown (issue 17): one helper,
intake.screening.measures.duration_text, for the practitioner's page, the patient's review
and the flags' reasons."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from intake.screening.measures import duration_text
from intake.steps import BY_ID
from tests.factories import ScreeningRunFactory, SubmittedIntakeFactory


@pytest.mark.parametrize(
    ("months", "text"),
    [
        (0, "less than a month"),
        (1, "1 month"),
        (5, "5 months"),
        (12, "1 year"),
        (13, "1 year 1 month"),
        (24, "2 years"),
        (87, "7 years 3 months"),
    ],
)
def test_duration_text(months, text):
    assert duration_text(months) == text


@pytest.mark.django_db
def test_the_intake_page_says_years_and_months(practitioner_client):
    intake = SubmittedIntakeFactory(
        answers={"pain": {"regions": ["low_back"], "duration_months": 87}}
    )
    ScreeningRunFactory(intake=intake, flags=[])
    response = practitioner_client.get(reverse("intake:intake_detail", args=[intake.pk]))
    assertContains(response, "For 7 years 3 months")
    assertNotContains(response, "87 months")


def test_the_answers_say_how_long_ago_in_years_and_months():
    rows = dict(
        BY_ID["pain"].rows({"started_month": 9, "started_year": 2019, "duration_months": 87})
    )
    assert rows["Started"] == "September 2019 (about 7 years 3 months ago)"
