"""Telling the patient what to do at once, and the clinic (issue 12, part 2).

A yes to a red flag that the reference grades EMERGENCY or URGENT puts an alert at the top
of the very next page, tells the clinic once per answer without health data, and the
submitted page says what happens next for the intake's highest flag."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
import textstat
from django.core import mail
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from intake.models import Intake, RedFlagNotice
from intake.screening import urgency
from intake.screening.vocabulary import RED_FLAGS
from tests.factories import IntakeFactory, SubmittedIntakeFactory
from tests.helpers import (
    PATIENT_NAME,
    VALID,
    accept,
    complete_steps,
    invite,
    post_step,
    step_url,
)
from tests.mailqueue import deliver

READING_GRADE_MAX = 8
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def red_flags(*yes: str) -> dict:
    return {key: ("yes" if key in yes else "no") for key in RED_FLAGS}


@pytest.fixture
def at_red_flags(db, client, practitioner) -> tuple:
    """An invited patient who has answered every step before the red-flag questions."""
    intake, path = invite(practitioner)
    accept(client, path)
    complete_steps(client, intake, upto="allergies")
    deliver()
    mail.outbox.clear()
    return client, intake


def pregnant(client, intake: Intake) -> None:
    """The question about bleeding in pregnancy is asked only of a patient who is, or may
    be, pregnant."""
    post_step(client, intake, "about", {**VALID["about"], "date_of_birth": "01/01/1994"})
    post_step(client, intake, "pregnancy", {"status": "yes", "weeks": "20"})


def alert_text(response) -> str:
    """The alert's words as a reader meets them (tags dropped, spaces collapsed)."""
    html = response.content.decode()
    match = re.search(r'<div id="urgent-help".*?</div>', html, re.S)
    assert match, "no alert on the page"
    blocks_apart = re.sub(r"</(h2|p|li|ul)>", " ", match.group(0))
    return " ".join(unescape(re.sub(r"<[^>]+>", "", blocks_apart)).split())


def notices(intake: Intake) -> list[str]:
    return sorted(RedFlagNotice.objects.filter(intake=intake).values_list("answer", flat=True))


# The reference's grades -------------------------------------------------------------------


def test_it_reads_each_answers_urgency_from_the_rules():
    # docs/clinical-reference.md#red-flags, for the questions every patient is asked.
    assert urgency.URGENCY_BY_ANSWER == {
        "saddle_numbness": "EMERGENCY",
        "bladder_change": "EMERGENCY",
        "bowel_incontinence": "EMERGENCY",
        "leg_weakness": "URGENT",
        "unexplained_weight_loss": "URGENT",
        "fever_or_infection": "URGENT",
        "significant_trauma": "URGENT",
        "night_pain": "URGENT",
        "new_neuro_symptoms": "EMERGENCY",
        "thunderclap_headache": "EMERGENCY",
        "chest_pain_breathless": "EMERGENCY",
        "calf_pain_swelling": "URGENT",
        "hot_swollen_joint": "URGENT",
        "self_harm_thoughts": "EMERGENCY",
        "pregnancy_bleeding": "EMERGENCY",
    }


# The next page ----------------------------------------------------------------------------


def test_an_emergency_answer_puts_an_alert_on_the_next_page(at_red_flags):
    client, intake = at_red_flags

    response = post_step(client, intake, "red_flags", red_flags("saddle_numbness"))
    # (Not followed here: following it would be the next page.)
    assertRedirects(response, step_url(intake, "consent"), fetch_redirect_response=False)
    page = client.get(step_url(intake, "consent"))

    html = page.content.decode()
    # At the top of the page, before the step's own heading, and focusable for the script.
    assert html.index('id="urgent-help"') < html.index("<h1")
    assertContains(page, 'role="alert" tabindex="-1" aria-labelledby="urgent-help-title"')
    assertContains(page, "/static/js/urgent-help.js")
    text = alert_text(page)
    assert text.startswith("Get medical help now You told us about: Numbness or a strange")
    assert "Call 999 now, or go to A&E (the emergency department)." in text
    assert "Do not wait for your acupuncture appointment." in text
    assert "We have told the clinic. Your answers are saved" in text
    assert "Samaritans" not in text
    assertContains(page, 'href="tel:999"')

    # Once: the page after that is the step alone.
    again = client.get(step_url(intake, "consent"))
    assertNotContains(again, 'id="urgent-help"')
    assertNotContains(again, "urgent-help.js")


def test_thoughts_of_self_harm_add_the_crisis_line(at_red_flags):
    client, intake = at_red_flags

    post_step(client, intake, "red_flags", red_flags("self_harm_thoughts"))
    text = alert_text(client.get(step_url(intake, "consent")))

    assert "Call 999 now" in text
    assert "talk to Samaritans at any time, day or night. Call 116 123. It is free." in text


def test_bleeding_in_pregnancy_sends_to_the_maternity_unit(at_red_flags):
    client, intake = at_red_flags
    pregnant(client, intake)

    post_step(client, intake, "red_flags", red_flags("pregnancy_bleeding"))
    text = alert_text(client.get(step_url(intake, "consent")))

    assert "call your maternity unit or midwife now" in text


def test_an_urgent_answer_asks_the_patient_to_contact_their_doctor(at_red_flags):
    client, intake = at_red_flags

    post_step(client, intake, "red_flags", red_flags("calf_pain_swelling"))
    page = client.get(step_url(intake, "consent"))

    assertContains(page, 'class="alert urgent-help alert-warning urgent-help-urgent"')
    text = alert_text(page)
    assert text.startswith("Please contact your doctor before your appointment")
    assert "Please contact your GP before your appointment, or call NHS 111." in text
    assert "We have told the clinic." in text
    assert "Get medical help now" not in text


def test_the_numbers_come_from_the_settings(at_red_flags, settings):
    settings.PATIENT_HELP = settings.HELP_DEFAULTS["us"]
    client, intake = at_red_flags

    post_step(client, intake, "red_flags", red_flags("self_harm_thoughts", "night_pain"))
    text = alert_text(client.get(step_url(intake, "consent")))

    assert "Call 911 now, or go to the emergency room (ER)." in text
    assert "the 988 Suicide and Crisis Lifeline at any time, day or night. Call 988." in text


def test_no_answer_that_needs_care_means_no_alert_and_no_notice(at_red_flags):
    client, intake = at_red_flags

    post_step(client, intake, "red_flags", red_flags())

    assertNotContains(client.get(step_url(intake, "consent")), 'id="urgent-help"')
    deliver()
    assert not mail.outbox
    assert notices(intake) == []


def test_a_yes_counts_even_when_the_step_is_not_complete(at_red_flags):
    client, intake = at_red_flags
    data = red_flags("chest_pain_breathless")
    del data["night_pain"]  # one question left unanswered

    response = post_step(client, intake, "red_flags", data)

    # The same step comes back with its error, and the alert above it.
    assert response.status_code == 200
    assertContains(response, "Choose yes or no for this question.")
    assert "Get medical help now" in alert_text(response)
    assert notices(intake) == ["chest_pain_breathless"]
    deliver()
    assert [m.subject for m in mail.outbox] == [f"Intake #{intake.pk} needs attention"]


def test_another_patients_intake_never_feeds_the_alert(at_red_flags, other_patient):
    client, intake = at_red_flags
    theirs = IntakeFactory(
        patient=other_patient, answers={"red_flags": red_flags("saddle_numbness")}
    )
    session = client.session
    session["_urgent_help_intake"] = theirs.pk
    session.save()

    assertNotContains(client.get(step_url(intake, "red_flags")), 'id="urgent-help"')


# The clinic -------------------------------------------------------------------------------


def test_the_clinic_hears_once_per_answer_without_health_data(at_red_flags, settings):
    settings.CLINIC_ALERT_EMAILS = ["alerts@clinic.example"]
    client, intake = at_red_flags
    practitioner = intake.practitioner

    post_step(client, intake, "red_flags", red_flags("saddle_numbness"))

    deliver()
    [message] = mail.outbox
    assert message.subject == f"Intake #{intake.pk} needs attention"
    assert message.to == [practitioner.email, "alerts@clinic.example"]
    link = f"http://127.0.0.1:8000/practice/intakes/{intake.pk}/"
    assert message.body == (
        f"An intake (reference #{intake.pk}) needs attention now.\n\n"
        f"Open the portal to see it: {link}\n"
    )
    assert PATIENT_NAME not in message.body + message.subject

    # Saved again, the same answer tells nobody again, whichever button is used.
    post_step(client, intake, "red_flags", red_flags("saddle_numbness"), action="save")
    post_step(client, intake, "red_flags", red_flags("saddle_numbness"), action="back")
    deliver()
    assert len(mail.outbox) == 1

    # A new answer that needs care is a new notice; one that does not is none.
    post_step(client, intake, "red_flags", red_flags("saddle_numbness", "night_pain"))
    post_step(client, intake, "red_flags", red_flags("saddle_numbness", "night_pain"))
    deliver()
    assert len(mail.outbox) == 2
    assert notices(intake) == ["night_pain", "saddle_numbness"]


def test_the_submission_notice_says_the_intake_needs_attention(at_red_flags, settings):
    settings.CLINIC_ALERT_EMAILS = ["alerts@clinic.example"]
    client, intake = at_red_flags
    post_step(client, intake, "red_flags", red_flags("thunderclap_headache"))
    post_step(client, intake, "consent")
    deliver()
    mail.outbox.clear()

    client.post(reverse("intake:submit", args=[intake.pk]))

    deliver()
    [message] = mail.outbox
    assert message.subject == f"Intake #{intake.pk} submitted: needs attention"
    assert "has been submitted. It needs attention now." in message.body
    assert message.to == [intake.practitioner.email, "alerts@clinic.example"]
    assert "headache" not in message.body.lower()


# The submitted page -----------------------------------------------------------------------


def submit_with(client, intake, answers: dict):
    post_step(client, intake, "red_flags", answers)
    post_step(client, intake, "consent")
    client.post(reverse("intake:submit", args=[intake.pk]))
    return client.get(reverse("intake:submitted", args=[intake.pk]))


def test_the_submitted_page_says_what_happens_after_an_emergency(at_red_flags):
    client, intake = at_red_flags

    page = submit_with(client, intake, red_flags("bladder_change"))

    intake.refresh_from_db()
    assert intake.highest_severity == "refer"
    text = alert_text(page)
    assert "Call 999 now" in text
    assert text.endswith("We have told the clinic. Your answers are saved.")
    assertContains(page, "Some of your answers mean a doctor should check you before you have")


@pytest.mark.parametrize(
    ("severity", "said"),
    [
        ("refer", "Some of your answers mean a doctor should check you before you have"),
        ("contraindicated", "one kind of treatment, or one part of the body, is not safe"),
        ("caution", "your practitioner may change how they treat you, to keep it safe"),
        ("info", "You do not need to do anything else now."),
        ("", "You do not need to do anything else now."),
    ],
)
def test_the_submitted_page_says_what_happens_for_the_highest_flag(
    patient_client, patient, severity, said
):
    intake = SubmittedIntakeFactory(
        patient=patient, highest_severity=severity, answers={"red_flags": red_flags()}
    )

    page = patient_client.get(reverse("intake:submitted", args=[intake.pk]))

    assertContains(page, said)
    assertNotContains(page, 'id="urgent-help"')


# Plain language ---------------------------------------------------------------------------


def test_the_alerts_read_at_grade_eight_or_below(at_red_flags):
    client, intake = at_red_flags
    pregnant(client, intake)
    texts = []
    for answers in (
        red_flags("saddle_numbness"),
        red_flags("self_harm_thoughts", "pregnancy_bleeding"),
        red_flags("night_pain"),
    ):
        post_step(client, intake, "red_flags", answers)
        texts.append(alert_text(client.get(step_url(intake, "consent"))))
    assert "maternity unit" in texts[1]

    for text in texts:
        # The questions the patient answered are quoted back; the advice is what is graded.
        for question in RED_FLAGS.values():
            text = text.replace(question, "")
        grade = textstat.flesch_kincaid_grade(text)
        assert grade <= READING_GRADE_MAX, (grade, text)


def test_the_next_steps_on_the_submitted_page_read_at_grade_eight_or_below():
    template = (TEMPLATES / "intake/patient/submitted.html").read_text()
    section = template[template.index('id="next-heading"') : template.index("</section>")]
    paragraphs = re.findall(r"<p>(.*?)</p>", section, re.S)
    assert len(paragraphs) == 4
    for words in paragraphs:
        grade = textstat.flesch_kincaid_grade(" ".join(words.split()))
        assert grade <= READING_GRADE_MAX, (grade, words)
