"""The patient wizard through the real views: from an invitation link to a submitted,
locked intake; resuming; validation; medication rows without JavaScript; idle logout."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.management import ManagementUtility, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from intake import forms, services, steps
from intake.models import ConsentSignature, ConsentText, Intake, ScreeningRun
from intake.screening import RULESET_VERSION, validate_answers
from intake.screening.vocabulary import PAIN_REGIONS
from portal.middleware import LAST_SEEN_KEY
from portal.models import AuditEvent, User
from tests.helpers import (
    CANARY_MEDICATION,
    MED_MANAGEMENT,
    NEW_PASSWORD,
    PATIENT_NAME,
    VALID,
    accept,
    complete_steps,
    invite,
    post_step,
    step_url,
    token_of,
)
from tests.mailqueue import deliver


@pytest.fixture
def started(db, client, practitioner) -> tuple[Client, Intake]:
    """A patient who followed an invitation link and set a password."""
    intake, path = invite(practitioner)
    accept(client, path)
    intake.refresh_from_db()
    return client, intake


@pytest.fixture
def ready(started) -> tuple[Client, Intake]:
    client, intake = started
    complete_steps(client, intake)
    intake.refresh_from_db()
    return client, intake


# The whole walk ------------------------------------------------------------------------


def test_it_walks_from_invitation_link_to_submitted_intake(client, practitioner):
    intake, path = invite(practitioner)
    deliver()
    mail.outbox.clear()

    response = client.get(path)
    assertRedirects(response, reverse("intake:register"))
    assert token_of(path) not in response["Location"]
    response = client.get(reverse("intake:register"))
    assertContains(response, "harriet@example.com")
    assertContains(response, "Choose a password")
    assertNotContains(response, token_of(path))

    response = accept(client, path)
    assertRedirects(response, step_url(intake, "about"))
    intake.refresh_from_db()
    user = User.objects.get(email="harriet@example.com")
    assert intake.patient == user
    assert intake.status == Intake.Status.IN_PROGRESS
    assert intake.invitation.is_used
    assert user.groups.filter(name="patient").exists()

    response = client.get(step_url(intake, "about"))
    assertContains(response, "Step 1 of 9")
    assertContains(response, 'aria-current="step"')

    expected_next = ["pain", "conditions", "pregnancy", "medications", "allergies", "red_flags"]
    expected_next += ["consent"]
    for step, following in zip(
        ["about", "pain", "conditions", "pregnancy", "medications", "allergies", "red_flags"],
        expected_next,
        strict=True,
    ):
        assertRedirects(post_step(client, intake, step), step_url(intake, following))
    review = reverse("intake:review_answers", args=[intake.pk])
    assertRedirects(post_step(client, intake, "consent"), review)

    response = client.get(review)
    assertContains(response, PATIENT_NAME)
    assertContains(response, f"{CANARY_MEDICATION} 5mg")
    assertContains(response, "Submit my intake")
    assertContains(response, f"{step_url(intake, 'pain')}?from=review")

    response = client.post(reverse("intake:submit", args=[intake.pk]))
    assertRedirects(response, reverse("intake:submitted", args=[intake.pk]))
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.submitted_at is not None
    assert str(intake.peg_score) == "7.0"
    assert intake.patient_name == PATIENT_NAME
    run = ScreeningRun.objects.get(intake=intake)
    assert run.ruleset == RULESET_VERSION
    assert run.is_current
    # The flags the answers above call for, highest severity first, written out so that a
    # change in the engine or in how answers reach it shows here. (The patient is 65: the
    # only age rule still ahead of her, R39, starts at 80.)
    assert [(f.rule, f.severity) for f in run.flags.order_by("position")] == [
        ("RF11", "refer"),
        ("R24", "contraindicated"),
        ("R19", "caution"),
        ("R29", "caution"),
        ("R30", "caution"),
        ("R38", "caution"),
        ("MR01", "info"),
        ("R16", "info"),
        ("R31", "info"),
    ]
    assert run.flags.filter(category="medication_review").exists()
    assert run.flags.filter(category="red_flag").exists()
    signature = ConsentSignature.objects.get(intake=intake)
    assert signature.typed_name == PATIENT_NAME
    assert signature.signer == user
    assert signature.consent_text == ConsentText.current()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBMIT, object_id=str(intake.pk))
    # The night-pain answer (urgent) told the clinic when the step was saved; the
    # submission notice says so again, to the clinic's alert address too.
    deliver()
    clinic = [practitioner.email, "intake@clinic.example"]
    assert [(m.subject, m.to) for m in mail.outbox] == [
        (f"Intake #{intake.pk} needs attention", clinic),
        (f"Intake #{intake.pk} submitted: needs attention", clinic),
    ]

    response = client.get(reverse("intake:my_intake"))
    assertRedirects(response, reverse("intake:submitted", args=[intake.pk]))
    response = client.get(reverse("intake:submitted", args=[intake.pk]))
    assertContains(response, "call the clinic on")


def test_it_resumes_where_the_patient_left_off_after_logging_out(started):
    client, intake = started
    complete_steps(client, intake, upto="pain")
    post_step(client, intake, "conditions", action="save")
    client.post(reverse("logout"))

    other_device = Client()
    other_device.post(
        reverse("login"), {"username": "harriet@example.com", "password": NEW_PASSWORD}
    )
    response = other_device.get(reverse("intake:my_intake"))
    assertRedirects(response, step_url(intake, "pregnancy"))
    response = other_device.get(step_url(intake, "conditions"))
    assertContains(response, "hip replacement 2018")
    response = other_device.get(step_url(intake, "about"))
    assertContains(response, 'value="Hattie"')
    assertContains(response, 'value="14/03/1961"')


def test_it_saves_a_half_done_step_quietly_on_save_and_finish_later(started):
    client, intake = started
    data = dict(VALID["about"], phone="call me maybe", preferred_name="Draft name")
    del data["emergency_name"]
    response = post_step(client, intake, "about", data, action="save")
    assertRedirects(response, step_url(intake, "about"), fetch_redirect_response=False)
    intake.refresh_from_db()
    assert intake.answers["_drafts"]["about"]["preferred_name"] == ["Draft name"]
    assert "about" not in intake.completed_steps

    # What was typed comes back as typed, with a confirmation and no list of answers to
    # check: not now, and not when the patient comes back later.
    for time_shown in range(2):
        response = client.get(step_url(intake, "about"))
        if not time_shown:
            assertContains(response, "Your answers are saved, including anything not finished")
        assertContains(response, 'value="Draft name"')
        assertContains(response, 'value="call me maybe"')
        assertContains(response, 'value="14/03/1961"')
        assertNotContains(response, "Enter a phone number")
        assertNotContains(response, "answers to check")
        assertNotContains(response, 'id="error-summary"')
        assertNotContains(response, "is-invalid")

    # Moving on checks it: now the page says what is missing.
    response = post_step(client, intake, "about", data)
    assertContains(response, "Enter a phone number")
    assertContains(response, 'id="error-summary"')
    assertRedirects(post_step(client, intake, "about"), step_url(intake, "pain"))
    intake.refresh_from_db()
    assert "_drafts" not in intake.answers


def test_it_does_not_let_steps_be_skipped(started):
    client, intake = started
    for step in ["pain", "medications", "consent"]:
        assertRedirects(client.get(step_url(intake, step)), step_url(intake, "about"))
        response = post_step(client, intake, step)
        assertRedirects(response, step_url(intake, "about"))
    assertRedirects(
        client.get(reverse("intake:review_answers", args=[intake.pk])), step_url(intake, "about")
    )
    response = client.post(reverse("intake:submit", args=[intake.pk]))
    assertRedirects(response, step_url(intake, "about"))
    intake.refresh_from_db()
    assert intake.status == Intake.Status.IN_PROGRESS
    assert intake.completed_steps == []


def test_it_completes_pregnancy_automatically_for_male_patients(started):
    client, intake = started
    post_step(client, intake, "about", dict(VALID["about"], sex_at_birth="male"))
    complete_steps_from = ["pain", "conditions"]
    for step in complete_steps_from:
        post_step(client, intake, step)
    intake.refresh_from_db()
    assert steps.first_incomplete(intake).identifier == "medications"
    assertRedirects(client.get(step_url(intake, "pregnancy")), step_url(intake, "medications"))
    assert intake.answers["pregnancy"]["status"] == "not_applicable"

    post_step(client, intake, "about")
    intake.refresh_from_db()
    assert steps.first_incomplete(intake).identifier == "pregnancy"


def test_it_asks_for_consent_again_when_the_wording_changes(ready):
    client, intake = ready
    ConsentText.objects.create(version=2, body="New wording.\n\nSecond paragraph.")
    review = reverse("intake:review_answers", args=[intake.pk])
    assertRedirects(client.get(review), step_url(intake, "consent"))
    response = client.get(step_url(intake, "consent"))
    assertContains(response, "updated its consent wording")
    assertContains(response, "Second paragraph.")
    assertRedirects(post_step(client, intake, "consent"), review)
    assert ConsentSignature.objects.get(intake=intake).consent_text.version == 2


# Submission ------------------------------------------------------------------------------


def test_it_submits_exactly_once_on_a_double_click(ready):
    client, intake = ready
    deliver()
    mail.outbox.clear()
    submit = reverse("intake:submit", args=[intake.pk])
    first = client.post(submit)
    second = client.post(submit)
    assertRedirects(first, reverse("intake:submitted", args=[intake.pk]))
    assertRedirects(second, reverse("intake:submitted", args=[intake.pk]))
    assert ScreeningRun.objects.filter(intake=intake).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBMIT).count() == 1
    deliver()
    assert len(mail.outbox) == 1


def test_it_lets_only_one_of_two_racing_submissions_win(ready):
    client, intake = ready
    user = intake.patient
    deliver()
    mail.outbox.clear()
    stale_copy = Intake.objects.get(pk=intake.pk)
    assert services.intake_submit(intake=intake, user=user) is True
    # The second request loaded the intake before the first one committed.
    assert services.intake_submit(intake=stale_copy, user=user) is False
    assert ScreeningRun.objects.filter(intake=intake).count() == 1
    deliver()
    assert len(mail.outbox) == 1


def test_it_sends_a_notification_without_health_data(ready):
    client, intake = ready
    deliver()
    mail.outbox.clear()
    client.post(reverse("intake:submit", args=[intake.pk]))
    deliver()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    text = f"{message.subject}\n{message.body}"
    assert f"#{intake.pk}" in text
    assert f"/practice/intakes/{intake.pk}/" in text
    for secret in [CANARY_MEDICATION, PATIENT_NAME, "Quill", "diabetes", "1961", "Hattie"]:
        assert secret.lower() not in text.lower(), secret


def test_it_mails_the_clinic_when_no_practitioner_is_assigned(ready, settings):
    client, intake = ready
    Intake.objects.filter(pk=intake.pk).update(practitioner=None)
    deliver()
    mail.outbox.clear()
    client.post(reverse("intake:submit", args=[intake.pk]))
    deliver()
    assert mail.outbox[0].to == [settings.DEFAULT_FROM_EMAIL]


def test_it_makes_a_submitted_intake_read_only(ready):
    client, intake = ready
    client.post(reverse("intake:submit", args=[intake.pk]))
    submitted = reverse("intake:submitted", args=[intake.pk])
    before = Intake.objects.get(pk=intake.pk).answers

    for step in steps.FORM_STEPS:
        assertRedirects(client.get(step_url(intake, step.identifier)), submitted)
        data = dict(VALID[step.identifier])
        if step.identifier == "about":
            data["legal_name"] = "Someone Else"
        assertRedirects(post_step(client, intake, step.identifier, data), submitted)
        assertRedirects(post_step(client, intake, step.identifier, {}, "save"), submitted)
    assertRedirects(client.get(reverse("intake:review_answers", args=[intake.pk])), submitted)
    assert Intake.objects.get(pk=intake.pk).answers == before
    response = client.get(submitted)
    assertContains(response, PATIENT_NAME)
    assertNotContains(response, "?from=review")


def test_it_ignores_posted_status_and_owner_fields(started, other_patient):
    client, intake = started
    data = dict(VALID["about"], status="submitted", patient=str(other_patient.pk))
    post_step(client, intake, "about", data)
    intake.refresh_from_db()
    assert intake.status == Intake.Status.IN_PROGRESS
    assert intake.patient.email == "harriet@example.com"
    assert "status" not in intake.answers["about"]


# Validation --------------------------------------------------------------------------------

TEN_THOUSAND = "x" * 10_000

# For each step, fields that must come back as typed when something else on the page is
# invalid: (field, pattern in the re-rendered page). The first one the case leaves alone
# is checked.
KEPT: dict[str, list[tuple[str, str]]] = {
    "about": [
        ("phone", r'name="phone" value="07700 900123"'),
        ("physician", r'value="Dr Okafor, Riverside Surgery"'),
    ],
    "pain": [("goals", r"Garden again</textarea>")],
    "conditions": [
        ("other", r"hip replacement 2018</textarea>"),
        ("conditions", r'name="conditions" value="diabetes"[^>]*checked'),
    ],
    "pregnancy": [("status", r'name="status" value="yes"[^>]*checked')],
    "medications": [("med-1-name", r'name="med-1-name" value="metformin"')],
    "allergies": [("history", r'name="history" value="first_acupuncture"[^>]*checked')],
    "red_flags": [("saddle_numbness", r'name="saddle_numbness" value="no"[^>]*checked')],
    "consent": [
        ("typed_name", rf'name="typed_name" value="{PATIENT_NAME}"'),
        ("agree", r'name="agree"[^>]*checked'),
    ],
}
# Where the valid answer is not the right starting point for a case.
VALIDATION_BASE = {"pregnancy": {"status": "yes", "weeks": "12"}}


@pytest.mark.parametrize(
    ("step", "changes", "message"),
    [
        ("about", {"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ("about", {"date_of_birth": "1880-01-01"}, "130 or older"),
        ("about", {"date_of_birth": "1961-02-31"}, "Enter a real date"),
        ("about", {"date_of_birth": "31/02/1961"}, "Enter a real date"),
        ("about", {"legal_name": ""}, "Enter your full name"),
        ("about", {"legal_name": TEN_THOUSAND}, "shorten it to 150 characters"),
        ("about", {"legal_name": "Pat\x00Jones"}, "hidden control character"),
        ("about", {"sex_at_birth": "robot"}, "Choose one of the options"),
        ("pain", {"intensity_now": "11"}, "whole number from 0 to 10"),
        ("pain", {"peg_activity": "-1"}, "whole number from 0 to 10"),
        ("pain", {"peg_pain": ""}, "Choose a number from 0 to 10"),
        ("pain", {"complaint": TEN_THOUSAND}, "shorten it to 1000 characters"),
        ("pain", {"regions": []}, "Tick at least one area"),
        ("pain", {"started_year": "2099"}, "cannot have started in the future"),
        ("pain", {"started_year": "1960"}, "before your date of birth"),
        ("conditions", {"lymphoedema_limbs": []}, "Tick the arm or leg"),
        ("conditions", {"other": TEN_THOUSAND}, "too long"),
        ("pregnancy", {"weeks": "0"}, "Enter a number of weeks from 1 to 45"),
        ("pregnancy", {"weeks": "46"}, "Enter a number of weeks from 1 to 45"),
        ("medications", {"med-0-name": TEN_THOUSAND}, "shorten it to 150 characters"),
        ("allergies", {"other_allergies": TEN_THOUSAND}, "shorten it to 4000 characters"),
        ("red_flags", {"night_pain": ""}, "Choose yes or no"),
        ("consent", {"agree": ""}, "Tick the box to say you agree"),
        ("consent", {"typed_name": ""}, "Type your full name to sign"),
        ("consent", {"typed_name": TEN_THOUSAND}, "shorten it to 150 characters"),
    ],
)
def test_it_explains_each_invalid_answer_and_keeps_the_rest(started, step, changes, message):
    client, intake = started
    previous = steps.prev_step(intake, steps.get(intake, step))
    if previous is not None:
        complete_steps(client, intake, upto=previous.identifier)
    data = {**VALIDATION_BASE.get(step, VALID[step]), **changes}
    response = post_step(client, intake, step, data)
    assert response.status_code == 200
    assertContains(response, message)
    assertContains(response, 'id="error-summary"')
    intake.refresh_from_db()
    assert step not in intake.completed_steps

    field, pattern = next((f, p) for f, p in KEPT[step] if f not in changes)
    assert re.search(pattern, response.content.decode()), field
    typed = data[field]
    draft = intake.answers["_drafts"][step]
    assert draft[field] == (typed if isinstance(typed, list) else [typed])
    for name, value in changes.items():
        if isinstance(value, str) and value:
            assert draft[name] == [value.replace("\x00", "")]


@pytest.mark.parametrize("weeks", ["0", "46"])
def test_it_gives_one_message_for_weeks_out_of_range(started, weeks):
    client, intake = started
    complete_steps(client, intake, upto="conditions")
    response = post_step(client, intake, "pregnancy", {"status": "yes", "weeks": weeks})
    assertContains(response, "Enter a number of weeks from 1 to 45")
    assertNotContains(response, "Enter how many weeks pregnant you are")


def test_it_refuses_pregnancy_at_age_six(started):
    client, intake = started
    six_years_ago = (timezone.localdate() - timedelta(days=6 * 366)).isoformat()
    post_step(client, intake, "about", dict(VALID["about"], date_of_birth=six_years_ago))
    post_step(client, intake, "pain", dict(VALID["pain"], started_year="2024"))
    post_step(client, intake, "conditions")
    response = post_step(client, intake, "pregnancy", {"status": "yes", "weeks": "12"})
    assert response.status_code == 200
    assertContains(response, "does not match your date of birth (age 6)")
    response = post_step(client, intake, "pregnancy", {"status": "yes"})
    assertContains(response, "how many weeks pregnant")


def test_it_links_each_error_in_the_summary_to_its_field(started):
    client, intake = started
    response = post_step(client, intake, "about", dict(VALID["about"], phone="", sex_at_birth=""))
    assertContains(response, 'href="#id_phone"')
    assertContains(response, 'href="#id_sex_at_birth_0"')
    assertContains(response, 'aria-describedby="id_phone_error"')


def test_it_ignores_unknown_fields_and_refuses_a_flood_of_them(started):
    client, intake = started
    data = {**VALID["about"], **{f"junk{i}": "x" for i in range(50)}}
    assertRedirects(post_step(client, intake, "about", data), step_url(intake, "pain"))
    intake.refresh_from_db()
    assert not any(key.startswith("junk") for key in intake.answers["about"])
    # Beyond Django's DATA_UPLOAD_MAX_NUMBER_FIELDS the request is refused outright (400).
    data = {**VALID["about"], **{f"junk{i}": "x" for i in range(1001)}}
    assert post_step(client, intake, "about", data).status_code == 400


# Medications -------------------------------------------------------------------------------


@pytest.fixture
def at_medications(started) -> tuple[Client, Intake]:
    client, intake = started
    complete_steps(client, intake, upto="pregnancy")
    return client, intake


def test_it_requires_medications_or_none(at_medications):
    client, intake = at_medications
    empty = {**MED_MANAGEMENT, "med-TOTAL_FORMS": "1"}
    response = post_step(client, intake, "medications", empty)
    assertContains(response, "List the medicines and supplements you take, or tick")

    both = {**VALID["medications"], "none": "on"}
    response = post_step(client, intake, "medications", both)
    assertContains(response, "but also listed some")

    assertRedirects(
        post_step(client, intake, "medications", {**empty, "none": "on"}),
        step_url(intake, "allergies"),
    )
    intake.refresh_from_db()
    assert intake.answers["medications"] == {"none": True, "items": []}


def test_it_adds_and_removes_medication_rows_without_javascript(at_medications):
    client, intake = at_medications
    data = {
        **MED_MANAGEMENT,
        "med-0-name": "warfarin",
        "med-0-dose": "3 mg",
        "med-1-name": "ibuprofen",
    }
    response = post_step(client, intake, "medications", data, action="add_row")
    assert response.status_code == 200
    assertContains(response, 'name="med-TOTAL_FORMS" value="3"')
    assertContains(response, 'value="warfarin"')
    assertContains(response, 'value="3 mg"')
    assertContains(response, 'name="med-1-name" value="ibuprofen"')
    assertContains(response, "Medicine 3")

    data = {
        **MED_MANAGEMENT,
        "med-TOTAL_FORMS": "3",
        "med-0-name": "warfarin",
        "med-1-name": "ibuprofen",
        "med-2-name": "fish oil",
    }
    response = post_step(client, intake, "medications", data, action="remove_row:1")
    assertContains(response, 'name="med-TOTAL_FORMS" value="2"')
    assertNotContains(response, 'value="ibuprofen" list=')
    assertContains(response, 'value="fish oil"')
    intake.refresh_from_db()
    assert "medications" not in intake.answers

    data = {**MED_MANAGEMENT, "med-0-name": "warfarin", "med-1-name": "fish oil"}
    post_step(client, intake, "medications", data)
    intake.refresh_from_db()
    names = [row["name"] for row in intake.answers["medications"]["items"]]
    assert names == ["warfarin", "fish oil"]


def test_it_says_why_no_row_can_be_added_once_the_list_is_full(at_medications):
    client, intake = at_medications
    most = forms.MEDICATION_ROWS_MAX
    one_short = {**MED_MANAGEMENT, "med-TOTAL_FORMS": str(most - 1)}
    one_short |= {f"med-{i}-name": f"medicine {i}" for i in range(most - 1)}
    page = post_step(client, intake, "medications", one_short, action="add_row")
    # The last row there is room for is added, and the button goes with it.
    assertContains(page, f'name="med-TOTAL_FORMS" value="{most}"')
    assertNotContains(page, 'value="add_row"')
    assertContains(page, f"This list holds at most {most} medicines")

    full = {**one_short, "med-TOTAL_FORMS": str(most), f"med-{most - 1}-name": "fish oil"}
    page = post_step(client, intake, "medications", full, action="add_row")
    # A stale page's "Add another" changes nothing and loses nothing: the same message.
    assertContains(page, f'name="med-TOTAL_FORMS" value="{most}"')
    assertContains(page, 'value="fish oil"')
    assertContains(page, "Please bring any others")

    fewer = {**full, "med-TOTAL_FORMS": str(most - 1)}
    page = post_step(client, intake, "medications", fewer, action="remove_row:0")
    assertContains(page, 'value="add_row"')
    assertNotContains(page, "This list holds at most")


def test_it_opens_the_page_at_the_new_row_with_focus_in_its_name(at_medications):
    client, intake = at_medications
    response = client.get(step_url(intake, "medications"))
    # The button sends the page to the anchor of the row it will add.
    assertContains(response, f'formaction="{step_url(intake, "medications")}#id_med-1-name"')
    assertNotContains(response, "autofocus")

    data = {**MED_MANAGEMENT, "med-0-name": "warfarin", "med-1-name": "ibuprofen"}
    page = post_step(client, intake, "medications", data, action="add_row").content.decode()
    assert page.count("data-new-row") == 1
    assert re.search(r"<fieldset [^>]*data-new-row>\s*<legend [^>]*>Medicine 3<", page)
    assert re.findall(r"<input[^>]*\bautofocus\b[^>]*>", page) == [
        re.search(r'<input[^>]*name="med-2-name"[^>]*>', page).group(0)
    ]
    assert f'formaction="{step_url(intake, "medications")}#id_med-3-name"' in page

    # Removing a row is no new row: nothing takes the focus.
    data["med-TOTAL_FORMS"] = "3"
    page = post_step(client, intake, "medications", data, action="remove_row:2").content.decode()
    assert "autofocus" not in page and "data-new-row" not in page


def test_it_keeps_half_done_medicine_rows_quietly_on_save_and_finish_later(at_medications):
    client, intake = at_medications
    data = {**MED_MANAGEMENT, "med-0-name": "warfarin", "med-1-dose": "10 mg"}
    response = post_step(client, intake, "medications", data, action="save")
    assertRedirects(response, step_url(intake, "medications"), fetch_redirect_response=False)
    response = client.get(step_url(intake, "medications"))
    assertContains(response, 'name="med-0-name" value="warfarin"')
    assertContains(response, 'name="med-1-dose" value="10 mg"')
    assertContains(response, 'name="med-TOTAL_FORMS" value="2"')
    assertNotContains(response, "Enter the name of this medicine")
    assertNotContains(response, 'id="error-summary"')


def test_it_asks_for_a_name_when_a_row_has_only_a_dose(at_medications):
    client, intake = at_medications
    data = {**MED_MANAGEMENT, "med-0-name": "warfarin", "med-1-dose": "10 mg"}
    response = post_step(client, intake, "medications", data)
    assertContains(response, "Enter the name of this medicine, or remove the row")


def test_it_offers_medication_suggestions_in_a_datalist(at_medications):
    client, intake = at_medications
    response = client.get(step_url(intake, "medications"))
    assertContains(response, '<datalist id="medication-names">')
    assertContains(response, 'list="medication-names"')
    datalist = re.search(
        r'<datalist id="medication-names">(.*?)</datalist>', response.content.decode(), re.S
    )
    options = re.findall(r'<option value="([^"]*)"></option>', datalist.group(1))
    # Generic names and brands, from the screening reference, each offered once.
    for name in ["warfarin", "apixaban", "Eliquis", "Xarelto", "metformin"]:
        assert name in options, name
    assert len(options) == len(set(options)) > 100


# Body map ----------------------------------------------------------------------------------


def test_it_draws_a_body_map_backed_by_real_checkboxes(started):
    client, intake = started
    complete_steps(client, intake, upto="about")
    post_step(client, intake, "pain")
    response = client.get(step_url(intake, "pain"))
    assertContains(response, 'type="checkbox" name="regions" value="low_back"')
    assertContains(
        response, '<label class="form-check-label" for="id_regions_8">Lower back</label>'
    )
    assert re.search(
        r'class="body-region is-selected" data-region="low_back"', response.content.decode()
    )
    assertContains(response, 'class="body-region" data-region="neck"')
    assertNotContains(response, "style=")
    assertNotContains(response, "<script>")


def test_every_pain_region_has_a_checkbox_and_a_shape_on_the_figures(started):
    client, intake = started
    complete_steps(client, intake, upto="about")
    page = client.get(step_url(intake, "pain")).content.decode()
    fieldset = re.search(r'<fieldset class="mb-4 body-map-fieldset".*?</fieldset>', page, re.S)
    assert fieldset, "the regions are not grouped in their own fieldset"
    assert "<legend" in fieldset.group(0) and "Where do you feel pain?" in fieldset.group(0)
    boxes = re.findall(r'type="checkbox" name="regions" value="([a-z_]+)"', fieldset.group(0))
    assert sorted(boxes) == sorted(PAIN_REGIONS)
    shapes = re.findall(
        r'<path id="body-map-(front|back)-([a-z_]+)" class="body-region" data-region="([a-z_]+)"',
        page,
    )
    ids = [f"{view}-{region}" for view, region, _ in shapes]
    assert len(ids) == len(set(ids)), "two shapes share an id"
    assert all(region == data_region for _, region, data_region in shapes)
    assert {region for _, region, _ in shapes} == set(PAIN_REGIONS)
    # The front figure has the face, chest and tummy, the back the upper and lower back;
    # the rest of the body is on both.
    front = {region for view, region, _ in shapes if view == "front"}
    back = {region for view, region, _ in shapes if view == "back"}
    assert front - back == {"face_jaw", "chest", "abdomen"}
    assert back - front == {"upper_back", "low_back"}
    # The figures are a shortcut for the pointer, hidden from screen readers.
    assert '<div class="body-map" aria-hidden="true">' in page


# Idle logout -------------------------------------------------------------------------------


def test_it_keeps_answers_posted_after_an_idle_logout(started):
    client, intake = started
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 3 * 60 * 60
    session.save()
    data = dict(VALID["about"], preferred_name="Typed while idle")
    response = post_step(client, intake, "about", data)
    assert response.status_code == 302
    intake.refresh_from_db()
    assert "about" not in intake.answers

    # Follow the redirect as a browser would: the login page carries `next` in its form.
    location = urlsplit(response["Location"])
    assert location.path == reverse("login")
    next_url = parse_qs(location.query)["next"][0]
    assert next_url == step_url(intake, "about")
    login_page = client.get(response["Location"])
    assertContains(login_page, f'name="next" value="{next_url}"')
    response = client.post(
        reverse("login"),
        {"username": "harriet@example.com", "password": NEW_PASSWORD, "next": next_url},
        follow=True,
    )
    assertRedirects(response, step_url(intake, "about"))
    assertContains(response, 'value="Typed while idle"')
    assertContains(response, 'value="07700 900123"')
    assertContains(response, 'value="Sam Quill"')


# Export ------------------------------------------------------------------------------------


def test_it_exports_a_walked_intake_in_the_contract_shape(ready):
    client, intake = ready
    out = StringIO()
    call_command("export_intake", str(intake.pk), stdout=out)
    exported = json.loads(out.getvalue())
    assert exported == {
        "date_of_birth": "1961-03-14",
        "sex_at_birth": "female",
        "pregnancy": "no",
        "conditions": [
            "diabetes",
            "lymphoedema or lymph nodes removed (left arm)",
            "asthma",
            "hip replacement 2018",
        ],
        "medications": [
            {
                "name": f"{CANARY_MEDICATION} 5mg",
                "dose": "5 mg",
                "frequency": "twice daily",
                "reason": "blood pressure",
            },
            {"name": "metformin"},
        ],
        "allergies": ["nickel", "latex", "penicillin"],
        "history": ["first_acupuncture"],
        "red_flags": ["night_pain"],
        "pain": {
            "regions": ["low_back", "left_knee"],
            "duration_months": exported["pain"]["duration_months"],
            "peg": {"pain": 7, "enjoyment": 6, "activity": 8},
        },
    }
    now = timezone.localdate()
    assert exported["pain"]["duration_months"] == (now.year - 2020) * 12 + now.month - 1
    assert validate_answers(exported)["medications"]


def test_it_exits_with_status_two_for_an_unknown_intake(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "export_intake", "999999"]).execute()
    assert exit_info.value.code == 2
    assert "No intake with id 999999" in capsys.readouterr().err


def test_it_keeps_the_submission_when_screening_fails(ready, monkeypatch):
    client, intake = ready

    def broken(**kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr("intake.services.screening.screening_run", broken)
    deliver()
    mail.outbox.clear()
    response = client.post(reverse("intake:submit", args=[intake.pk]))
    assertRedirects(response, reverse("intake:submitted", args=[intake.pk]))
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert not ScreeningRun.objects.filter(intake=intake).exists()
    deliver()
    assert len(mail.outbox) == 1


def test_it_goes_back_without_losing_what_was_typed(ready):
    client, intake = ready
    data = dict(VALID["pain"], peg_pain="12", goals="Walk the dog")
    response = post_step(client, intake, "pain", data, action="back")
    assertRedirects(response, step_url(intake, "about"), fetch_redirect_response=False)
    response = client.get(step_url(intake, "pain"))
    assertContains(response, "Walk the dog</textarea>")
    assertContains(response, "whole number from 0 to 10")
    response = client.get(reverse("intake:review_answers", args=[intake.pk]))
    assertContains(response, "were not finished")
    assertContains(response, f"{step_url(intake, 'pain')}?from=review")

    response = post_step(client, intake, "about", action="back")
    assertRedirects(response, step_url(intake, "about"))


def test_it_returns_to_the_review_after_an_edit(ready):
    client, intake = ready
    url = f"{step_url(intake, 'allergies')}?from=review"
    response = client.get(url)
    assertContains(response, 'name="from_review" value="1"')
    data = {**VALID["allergies"], "from_review": "1", "action": "next"}
    response = client.post(step_url(intake, "allergies"), data)
    assertRedirects(response, reverse("intake:review_answers", args=[intake.pk]))


def test_it_rechecks_pregnancy_when_the_birth_date_changes(started):
    client, intake = started
    post_step(client, intake, "about", dict(VALID["about"], date_of_birth="01/01/1990"))
    post_step(client, intake, "pain")
    post_step(client, intake, "conditions")
    assertRedirects(
        post_step(client, intake, "pregnancy", {"status": "yes", "weeks": "20"}),
        step_url(intake, "medications"),
    )
    response = post_step(client, intake, "about", dict(VALID["about"], date_of_birth="01/01/1940"))
    assertContains(response, "does not match your answer about pregnancy")
