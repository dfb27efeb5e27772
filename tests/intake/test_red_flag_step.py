"""The red-flag step: "I have had none of these" answers No to every question left
unanswered and never turns a Yes into a No; the question about bleeding in pregnancy is
asked only where pregnancy applies, and an answer to it never outlives a change of the
pregnancy answer."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from intake import steps
from intake.models import Intake
from intake.screening.vocabulary import RED_FLAGS
from tests.helpers import (
    CHECK_IN_VALID,
    VALID,
    accept,
    book_follow_up,
    complete_steps,
    invite,
    post_step,
    step_url,
    submitted_intake,
    walk_check_in,
)

ASKED_OF_EVERYONE = [key for key in RED_FLAGS if key != "pregnancy_bleeding"]


@pytest.fixture
def at_red_flags(db, client, practitioner) -> tuple[Client, Intake]:
    """An invited patient (not pregnant) who has answered every step before the red flags."""
    intake, path = invite(practitioner)
    accept(client, path)
    complete_steps(client, intake, upto="allergies")
    return client, intake


def pregnant(client: Client, intake: Intake, status: str = "yes") -> None:
    post_step(client, intake, "about", {**VALID["about"], "date_of_birth": "01/01/1994"})
    weeks = {"weeks": "20"} if status == "yes" else {}
    assertRedirects(
        post_step(client, intake, "pregnancy", {"status": status, **weeks}),
        step_url(intake, "medications"),
        fetch_redirect_response=False,
    )


def answer(client: Client, intake: Intake, *identifiers: str) -> None:
    for identifier in identifiers:
        response = post_step(client, intake, identifier)
        assert response.status_code == 302, identifier


def saved(intake: Intake) -> dict:
    intake.refresh_from_db()
    return intake.answers["red_flags"]


# None of these ----------------------------------------------------------------------------


def test_it_offers_none_of_these_above_the_questions(at_red_flags):
    client, intake = at_red_flags
    page = client.get(step_url(intake, "red_flags")).content.decode()
    box = page.index('name="none_of_these"')
    assert box < page.index(f'name="{ASKED_OF_EVERYONE[0]}"')
    assert "I have had none of these" in page


def test_none_of_these_answers_no_to_every_question(at_red_flags):
    client, intake = at_red_flags
    response = post_step(client, intake, "red_flags", {"none_of_these": "on"})
    assertRedirects(response, step_url(intake, "consent"), fetch_redirect_response=False)
    assert saved(intake) == dict.fromkeys(ASKED_OF_EVERYONE, "no")
    assert "red_flags" in intake.completed_steps


def test_a_yes_wins_over_none_of_these(at_red_flags):
    client, intake = at_red_flags
    data = {"none_of_these": "on", "night_pain": "yes", "calf_pain_swelling": "yes"}
    assertRedirects(
        post_step(client, intake, "red_flags", data),
        step_url(intake, "consent"),
        fetch_redirect_response=False,
    )
    answers = saved(intake)
    assert answers["night_pain"] == answers["calf_pain_swelling"] == "yes"
    # Sorted: PostgreSQL's jsonb keeps the answers' keys in its own order, not the form's.
    assert sorted(k for k, v in answers.items() if v == "no") == sorted(
        k for k in ASKED_OF_EVERYONE if k not in ("night_pain", "calf_pain_swelling")
    )
    # The yes counts as a yes everywhere: the patient is told what to do at once.
    assertContains(client.get(step_url(intake, "consent")), 'id="urgent-help"')


def test_each_question_is_still_answered_on_its_own(at_red_flags):
    client, intake = at_red_flags
    data = dict.fromkeys(ASKED_OF_EVERYONE[1:], "no")
    response = post_step(client, intake, "red_flags", data)
    assert response.status_code == 200
    assertContains(response, "Choose yes or no for this question.", count=2)  # summary, field
    assert "red_flags" not in Intake.objects.get(pk=intake.pk).completed_steps

    data[ASKED_OF_EVERYONE[0]] = "no"
    assertRedirects(
        post_step(client, intake, "red_flags", data),
        step_url(intake, "consent"),
        fetch_redirect_response=False,
    )


def test_an_unknown_answer_is_refused_even_with_none_of_these(at_red_flags):
    client, intake = at_red_flags
    data = {"none_of_these": "on", "night_pain": "maybe"}
    response = post_step(client, intake, "red_flags", data)
    assert response.status_code == 200
    assertContains(response, 'id="error-summary"')
    assertContains(response, 'aria-describedby="id_none_of_these_help" checked')


def test_none_of_these_is_kept_in_a_draft_saved_to_finish_later(at_red_flags):
    client, intake = at_red_flags
    post_step(client, intake, "red_flags", {"none_of_these": "on", "night_pain": "maybe"}, "save")
    page = client.get(step_url(intake, "red_flags"))
    assertContains(page, 'aria-describedby="id_none_of_these_help" checked')
    assertNotContains(page, 'id="error-summary"')


# Bleeding in pregnancy ---------------------------------------------------------------------


def test_it_asks_about_bleeding_in_pregnancy_only_when_pregnancy_applies(at_red_flags):
    client, intake = at_red_flags
    assertNotContains(client.get(step_url(intake, "red_flags")), 'name="pregnancy_bleeding"')
    # A hidden question is not required, and what is posted for it is not kept.
    data = {**dict.fromkeys(ASKED_OF_EVERYONE, "no"), "pregnancy_bleeding": "yes"}
    post_step(client, intake, "red_flags", data)
    assert "pregnancy_bleeding" not in saved(intake)
    summary = client.get(step_url(intake, "consent"))
    assertNotContains(summary, 'id="urgent-help"')


@pytest.mark.parametrize("status", ["yes", "possible", "trying"])
def test_it_asks_about_bleeding_when_the_patient_is_or_may_be_pregnant(at_red_flags, status):
    client, intake = at_red_flags
    pregnant(client, intake, status)
    answer(client, intake, "medications", "allergies")
    assertContains(client.get(step_url(intake, "red_flags")), 'name="pregnancy_bleeding"')
    response = post_step(client, intake, "red_flags", dict.fromkeys(ASKED_OF_EVERYONE, "no"))
    assertContains(response, "Choose yes or no for this question.")
    post_step(client, intake, "red_flags", {"none_of_these": "on"})
    assert saved(intake)["pregnancy_bleeding"] == "no"


def test_it_never_asks_about_bleeding_in_pregnancy_when_male_at_birth(at_red_flags):
    client, intake = at_red_flags
    post_step(client, intake, "about", {**VALID["about"], "sex_at_birth": "male"})
    complete_steps(client, intake, upto="allergies")
    assertNotContains(client.get(step_url(intake, "red_flags")), 'name="pregnancy_bleeding"')


def test_a_changed_pregnancy_answer_leaves_no_stale_answer(at_red_flags):
    client, intake = at_red_flags
    pregnant(client, intake)
    answer(client, intake, "medications", "allergies")
    answers = {**VALID["red_flags"], "pregnancy_bleeding": "yes"}
    post_step(client, intake, "red_flags", answers)
    assert saved(intake)["pregnancy_bleeding"] == "yes"

    # No longer pregnant: the answer goes, from the summary and the screening input too.
    post_step(client, intake, "pregnancy", {"status": "no"})
    assert "pregnancy_bleeding" not in saved(intake)
    assert "red_flags" in intake.completed_steps
    assert "pregnancy_bleeding" not in steps.BY_ID["red_flags"].contract(intake)["red_flags"]

    # Pregnant again: the step is asked again, since the question has no answer now.
    post_step(client, intake, "pregnancy", {"status": "possible"})
    intake.refresh_from_db()
    assert "red_flags" not in intake.completed_steps
    assert steps.first_incomplete(intake) is steps.BY_ID["red_flags"]


def test_a_male_sex_at_birth_drops_an_answer_about_bleeding_in_pregnancy(at_red_flags):
    client, intake = at_red_flags
    pregnant(client, intake)
    answer(client, intake, "medications", "allergies")
    post_step(client, intake, "red_flags", {**VALID["red_flags"], "pregnancy_bleeding": "no"})
    post_step(client, intake, "about", {**VALID["about"], "sex_at_birth": "male"})
    assert "pregnancy_bleeding" not in saved(intake)


def test_a_check_in_asks_about_bleeding_when_pregnancy_is_reported_since(client, practitioner):
    first = submitted_intake(client, practitioner, VALID, email="harriet@example.com")
    check_in = book_follow_up(first.patient, practitioner).intake
    url = step_url(check_in, "red_flags")
    walk_check_in(client, check_in, {**CHECK_IN_VALID, "red_flags": {"none_of_these": "on"}})
    check_in.refresh_from_db()
    # Not pregnant at the first visit, no change since: not asked.
    assert "pregnancy_bleeding" not in saved(check_in)
    assertNotContains(client.get(url), 'name="pregnancy_bleeding"')

    since = {"other": "", "status": "possible"}
    post_step(client, check_in, "since", since)
    check_in.refresh_from_db()
    assert steps.first_incomplete(check_in).identifier == "red_flags"
    assertContains(client.get(url), 'name="pregnancy_bleeding"')
