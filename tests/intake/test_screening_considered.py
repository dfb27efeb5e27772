"""What the screening read and did not raise is stored with the run and shown to the
practitioner: on the intake page, in the print view and in the screening download."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from intake.models import Intake, ScreeningRun
from intake.screening import RULESET_VERSION
from intake.services import screening_run
from tests.factories import ScreeningRunFactory, SubmittedIntakeFactory

ANSWERS = {
    "about": {"legal_name": "Pat Jones", "date_of_birth": "1961-03-14", "sex_at_birth": "female"},
    "pregnancy": {"status": "no"},
    "conditions": {"conditions": [], "other": ["my sister has diabetes", "no stents or pacemaker"]},
    "medications": {"items": [{"name": "warfarin", "frequency": "came off it in 2023"}]},
}
SISTER = "condition 'my sister has diabetes' \u2014 diabetes: a family member's ('sister')"


@pytest.fixture
def intake(patient) -> Intake:
    return SubmittedIntakeFactory(patient=patient, answers=ANSWERS)


def test_the_run_keeps_what_was_considered(intake):
    run = screening_run(intake=intake)

    assert run.ruleset == RULESET_VERSION
    reasons = {(item["mention"], item["reason"]) for item in run.considered}
    assert ("diabetes", "a family member's ('sister')") in reasons
    assert ("an implanted cardiac device", "negated ('no')") in reasons
    assert ("warfarin, an anticoagulant", "reported as stopped \u2014 confirm") in reasons
    # The stopped anticoagulant shows at info only; nothing else is raised.
    assert {(f.rule, f.severity) for f in run.flags.all()} == {("R06", "info")}


def test_the_intake_page_and_print_view_show_it_under_the_flags(practitioner_client, intake):
    screening_run(intake=intake)

    for name in ("intake_detail", "intake_print"):
        response = practitioner_client.get(reverse(f"intake:{name}", args=[intake.pk]))
        assertContains(response, "Considered, not raised as current (3)")
        assertContains(response, escape(f"Considered, not raised: {SISTER}"))
        page = response.content.decode()
        assert page.index("Safety flags") < page.index("Considered, not raised")


def test_a_run_with_nothing_considered_shows_no_such_list(practitioner_client, intake):
    ScreeningRunFactory(intake=intake, ruleset=RULESET_VERSION)

    response = practitioner_client.get(reverse("intake:intake_detail", args=[intake.pk]))

    assertNotContains(response, "Considered, not raised")


def test_the_screening_download_is_the_screen_commands_output(practitioner_client, intake):
    run = screening_run(intake=intake)

    response = practitioner_client.get(reverse("intake:intake_screening_export", args=[intake.pk]))

    assert response["Content-Disposition"] == (
        f'attachment; filename="intake-{intake.pk}-screening.json"'
    )
    assert "no-store" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["ruleset"] == run.ruleset
    assert [f["rule"] for f in document["flags"]] == ["R06"]
    assert document["considered"] == run.considered


def test_the_screening_download_of_an_unscreened_intake_is_a_404(practitioner_client, intake):
    response = practitioner_client.get(reverse("intake:intake_screening_export", args=[intake.pk]))

    assert response.status_code == 404


def test_an_earlier_run_keeps_its_ruleset_and_considered_list(intake):
    old = ScreeningRun.objects.create(
        intake=intake, ruleset="2026.11.1", considered=[{"where": "x", "mention": "y"}]
    )

    screening_run(intake=intake)

    old.refresh_from_db()
    assert (old.ruleset, old.is_current) == ("2026.11.1", False)
    assert old.considered == [{"where": "x", "mention": "y"}]
