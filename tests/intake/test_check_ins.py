"""Check-ins before follow-up visits (issue 14): made by booking a follow-up, walked as a
short wizard, carried forward from the previous picture and screened again on submit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from appointments.models import Appointment
from appointments.services import reminders_queue
from intake import check_ins, steps
from intake.check_ins import carry_forward
from intake.export import screening_input
from intake.models import ConsentText, Intake, MedicationRecord
from intake.services import NoCheckIn, check_in_create
from outbox.models import Email
from tests.factories import PatientFactory, SubmittedIntakeFactory
from tests.helpers import (
    CHECK_IN_VALID,
    VALID,
    book_follow_up,
    medicine_changes,
    post_step,
    review_data,
    sign_in,
    step_url,
    submitted_check_in,
    submitted_intake,
    walk_check_in,
)
from tests.mailqueue import deliver


@pytest.fixture
def first(client, practitioner) -> Intake:
    """A patient (signed in on `client`) whose first intake is submitted and screened."""
    return submitted_intake(client, practitioner, VALID, email="harriet@example.com")


@pytest.fixture
def check_in(first, practitioner) -> Intake:
    deliver()
    mail.outbox.clear()
    return book_follow_up(first.patient, practitioner).intake


def reach(client, check_in: Intake, identifier: str) -> None:
    """Complete the check-in's steps before `identifier` (steps go in order)."""
    for step in steps.CHECK_IN_FORM_STEPS:
        if step.identifier == identifier:
            return
        assert (
            post_step(
                client, check_in, step.identifier, CHECK_IN_VALID[step.identifier]
            ).status_code
            == 302
        )


def flags_of(intake: Intake) -> set[tuple[str, str]]:
    return set(intake.current_run().flags.values_list("rule", "severity"))


# Made by booking ----------------------------------------------------------------------------


def test_booking_a_follow_up_makes_the_check_in_and_queues_its_email(first, practitioner):
    deliver()
    mail.outbox.clear()
    appointment = book_follow_up(first.patient, practitioner)
    check_in = appointment.intake
    assert check_in.kind == Intake.Kind.CHECK_IN
    assert check_in.previous == first
    assert check_in.patient == first.patient
    assert check_in.status == Intake.Status.IN_PROGRESS
    assert check_in.appointment_at == appointment.starts_at
    assert Email.objects.filter(kind="check_in", object_id=str(check_in.pk)).exists()
    deliver()
    [message] = mail.outbox
    assert message.to == [first.patient.email]
    assert "check-in" in message.body
    assert reverse("intake:my_intake") in message.body
    # Sign in, and "My intake" leads to the check-in's first step.
    response = Client()
    sign_in(response, first.patient)
    assert response.get(reverse("intake:my_intake"))["Location"] == step_url(check_in, "peg")


def test_a_follow_up_without_an_account_or_a_submitted_intake_is_booked_with_a_message(
    practitioner_client, practitioner
):
    starts = {"starts_at": "2099-01-05T10:00", "kind": "follow_up"}
    response = practitioner_client.post(
        reverse("appointments:new"),
        {
            "patient_name": "No Account",
            "email": "nobody@example.com",
            **starts,
            "practitioner": str(practitioner.pk),
        },
        follow=True,
    )
    assert response.status_code == 200
    assertContains(response, "no account yet, so no check-in was sent")
    patient = PatientFactory()
    response = practitioner_client.post(
        reverse("appointments:new"),
        {
            "patient_name": "New",
            "email": patient.email,
            **starts,
            "practitioner": str(practitioner.pk),
        },
        follow=True,
    )
    assertContains(response, "has not submitted an intake yet")
    assert Appointment.objects.count() == 2
    assert not Intake.objects.filter(kind=Intake.Kind.CHECK_IN).exists()
    with pytest.raises(NoCheckIn):
        check_in_create(patient=patient, appointment_at=None, practitioner=practitioner)


def test_the_reminder_pass_reminds_of_an_unfinished_check_in(check_in, settings):
    appointment = check_in.appointment
    # Two days before, at the reminder hour: the 3-day slot is due.
    now = appointment.starts_at - timedelta(days=2, hours=1)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=now - timedelta(days=5))
    result = reminders_queue(now=now.replace(hour=11))
    assert result.queued == 1
    deliver()
    reminder = [m for m in mail.outbox if "Reminder" in m.subject]
    assert reminder and "check-in" in reminder[0].body


# The steps ----------------------------------------------------------------------------------


def test_the_check_in_asks_only_its_own_short_steps(client, check_in):
    identifiers = [s.identifier for s in steps.flow(check_in)]
    assert identifiers == [
        "peg",
        "since",
        "medicines",
        "reactions",
        "red_flags",
        "consent",
        "review",
    ]
    # The red-flag step is the intake's own (same form, same urgent help).
    assert steps.get(check_in, "red_flags") is steps.BY_ID["red_flags"]
    # The consent signed on the intake is for the wording in force: not asked again.
    assert not steps.get(check_in, "consent").is_applicable(check_in)
    page = client.get(step_url(check_in, "peg"))
    assertContains(page, "step 1 of")
    assertContains(page, "enjoyment of life")
    # An intake's step is not a check-in's.
    assert client.get(step_url(check_in, "about")).status_code == 404


def test_the_peg_step_validates_as_the_pain_step_does(client, check_in):
    response = post_step(client, check_in, "peg", {"peg_pain": "11", "peg_enjoyment": ""})
    assert response.status_code == 200
    assertContains(response, "Enter a whole number from 0 to 10.")
    assertContains(response, "Choose a number from 0 to 10.")
    # What was typed is kept as a draft.
    check_in.refresh_from_db()
    assert check_in.answers["_drafts"]["peg"]["peg_pain"] == ["11"]
    assert post_step(client, check_in, "peg", CHECK_IN_VALID["peg"]).status_code == 302
    check_in.refresh_from_db()
    assert str(check_in.peg_score) == "4.0"


def test_the_medicine_step_lists_current_medicines_and_adds_rows_without_javascript(
    client, check_in
):
    reach(client, check_in, "medicines")
    page = client.get(step_url(check_in, "medicines"))
    assertContains(page, "Canarexolol 5mg")
    assertContains(page, "metformin")
    assertContains(page, "Still taking it")
    data = medicine_changes(check_in.patient, stop={"metformin": "01/11/2026"})
    data["new-0-name"] = "apixaban"
    response = client.post(step_url(check_in, "medicines"), dict(data, action="add_row"))
    assert response.status_code == 200
    assertContains(response, "New medicine 2")
    assertContains(response, 'value="apixaban"')
    # The choice about metformin is still shown as it was made.
    metformin = MedicationRecord.objects.get(name="metformin")
    assertContains(response, f'name="still_{metformin.pk}" value="no"')
    content = response.content.decode()
    checked = content.split(f'name="still_{metformin.pk}" value="no"', 1)[1][:40]
    assert "checked" in checked


def test_the_medicine_step_explains_contradictions(client, check_in):
    reach(client, check_in, "medicines")
    data = medicine_changes(check_in.patient)
    metformin = MedicationRecord.objects.get(name="metformin")
    data[f"stopped_{metformin.pk}"] = "01/11/2026"
    data["new-0-dose"] = "5 mg"
    response = client.post(step_url(check_in, "medicines"), dict(data, action="next"))
    assert response.status_code == 200
    assertContains(response, "You said you still take this")
    assertContains(response, "Enter the name of this medicine, or remove the row.")


def test_pregnancy_is_not_asked_of_a_patient_male_at_birth(client, practitioner):
    answers = {step: dict(values) for step, values in VALID.items()}
    answers["about"]["sex_at_birth"] = "male"
    answers["pregnancy"] = {}
    first = submitted_intake(client, practitioner, answers, email="henry@example.com")
    check_in = book_follow_up(first.patient, practitioner).intake
    reach(client, check_in, "since")
    page = client.get(step_url(check_in, "since"))
    assertNotContains(page, "pregnancy")
    assert post_step(client, check_in, "since", {"other": ""}).status_code == 302


# Re-screened over the carried-forward picture ------------------------------------------------


def test_submitting_carries_the_picture_forward_and_screens_it(client, first, check_in):
    check_in = submitted_check_in(client, check_in)
    picture, intake_picture = check_in.picture, screening_input(first)
    # Carried from the intake: birth date, sex, pregnancy, allergies, history, conditions.
    for key in ("date_of_birth", "sex_at_birth", "pregnancy", "allergies", "history", "conditions"):
        assert picture[key] == intake_picture[key], key
    assert picture["pain"]["regions"] == ["low_back", "left_knee"]
    assert picture["pain"]["duration_months"] == intake_picture["pain"]["duration_months"]
    assert picture["pain"]["peg"] == {"pain": 4, "enjoyment": 3, "activity": 5}
    assert [m["name"] for m in picture["medications"]] == ["Canarexolol 5mg", "metformin"]
    # The red flags are this check-in's (all no), not the intake's night pain.
    assert intake_picture["red_flags"] == ["night_pain"] and picture["red_flags"] == []
    run = check_in.current_run()
    assert run is not None and run.intake == check_in
    assert screening_input(check_in) == {k: picture[k] for k in screening_input(check_in)}
    assert ("R19", "caution") in flags_of(check_in)  # diabetes, carried forward
    # The intake's own run is untouched.
    assert first.current_run().intake == first


def test_the_pain_shown_is_the_pictures_before_and_after_sending(
    client, first, check_in, django_assert_num_queries
):
    """The pain summary of the practitioner's page is read without the medication records
    while the check-in is open, and is the picture's pain all the same."""
    reach(client, check_in, "since")  # the PEG step sent
    check_in = Intake.objects.get(pk=check_in.pk)
    assert MedicationRecord.objects.filter(patient=check_in.patient).exists()
    expected = check_ins.picture_of(check_in)["pain"]
    assert expected["peg"] == {"pain": 4, "enjoyment": 3, "activity": 5}
    fresh = Intake.objects.get(pk=check_in.pk)
    with django_assert_num_queries(1):  # the intake before, whose picture is carried on
        assert check_ins.pain_of(fresh) == expected
    sent = submitted_check_in(client, check_in)
    assert check_ins.pain_of(sent) == sent.picture["pain"] == expected
    assert check_ins.pain_of(first) == screening_input(first)["pain"]


def test_a_medicine_started_raises_its_flag_and_one_stopped_leaves_the_list(client, check_in):
    data = medicine_changes(
        check_in.patient, stop={"metformin": "01/11/2026"}, start=[("apixaban", "20/11/2026")]
    )
    check_in = submitted_check_in(client, check_in, {"medicines": data})
    names = [m["name"] for m in check_in.picture["medications"]]
    assert names == ["Canarexolol 5mg", "apixaban"]
    assert ("R06", "caution") in flags_of(check_in)
    stopped = MedicationRecord.objects.get(name="metformin")
    assert stopped.stopped_in == check_in and str(stopped.stopped_on) == "2026-11-01"
    started = MedicationRecord.objects.get(name="apixaban")
    assert started.started_in == check_in and str(started.started_on) == "2026-11-20"
    current = MedicationRecord.objects.current(patient_id=check_in.patient_id)
    assert [r.name for r in current] == ["Canarexolol 5mg", "apixaban"]


def test_a_new_red_flag_is_raised_on_the_check_in(client, check_in):
    red_flags = dict(CHECK_IN_VALID["red_flags"], unexplained_weight_loss="yes")
    check_in = submitted_check_in(client, check_in, {"red_flags": red_flags})
    assert ("RF06", "refer") in flags_of(check_in)
    assert check_in.highest_severity == "refer"


def test_a_pregnancy_change_is_carried_into_the_picture(client, check_in):
    since = {"other": "", "status": "yes", "weeks": "12", "conditions": ["epilepsy"]}
    check_in = submitted_check_in(client, check_in, {"since": since})
    assert check_in.picture["pregnancy"] == "yes"
    assert "epilepsy or seizures" in check_in.picture["conditions"]
    assert "diabetes" in check_in.picture["conditions"]
    assert ("R03", "contraindicated") in flags_of(check_in)


def test_the_next_check_in_carries_on_from_the_last_one(client, practitioner, check_in):
    data = medicine_changes(check_in.patient, start=[("apixaban", "")])
    check_in = submitted_check_in(client, check_in, {"medicines": data})
    second = book_follow_up(check_in.patient, practitioner, days=21).intake
    assert second.previous == check_in
    reach(client, second, "medicines")
    page = client.get(step_url(second, "medicines"))
    assertContains(page, "apixaban")
    second = submitted_check_in(client, second)
    assert ("R06", "caution") in flags_of(second)


def test_carry_forward_applies_each_step_and_keeps_the_rest():
    before = {
        "date_of_birth": "1961-03-14",
        "sex_at_birth": "female",
        "pregnancy": "no",
        "conditions": ["diabetes", "pacemaker or ICD"],
        "medications": [{"name": "naproxen"}],
        "allergies": ["latex"],
        "red_flags": ["night_pain"],
        "history": ["first_acupuncture"],
        "pain": {"regions": ["low_back"], "duration_months": 12, "peg": {"pain": 8}},
    }
    records = [MedicationRecord(pk=1, name="naproxen"), MedicationRecord(pk=2, name="omeprazole")]
    answers = {
        "peg": {"peg_pain": 3, "peg_enjoyment": 2, "peg_activity": 4},
        "since": {"conditions": ["diabetes", "epilepsy"], "other": ["Gout"], "status": "unchanged"},
        "medicines": {
            "records": [
                {"id": 1, "name": "naproxen", "still": False, "stopped_on": None},
                {"id": 2, "name": "omeprazole", "still": True, "stopped_on": None},
            ],
            "started": [{"name": "apixaban", "dose": "5 mg", "started_on": "2026-11-03"}],
        },
        "red_flags": {"night_pain": "no", "unexplained_weight_loss": "yes"},
    }
    picture = carry_forward(before, answers, records=records)
    assert picture["conditions"] == ["diabetes", "pacemaker or ICD", "epilepsy or seizures", "Gout"]
    assert picture["pregnancy"] == "no"
    assert picture["medications"] == [{"name": "omeprazole"}, {"name": "apixaban", "dose": "5 mg"}]
    assert picture["red_flags"] == ["unexplained_weight_loss"]
    assert picture["pain"] == {
        "regions": ["low_back"],
        "duration_months": 12,
        "peg": {"pain": 3, "enjoyment": 2, "activity": 4},
    }
    assert picture["allergies"] == ["latex"] and picture["history"] == ["first_acupuncture"]
    assert before["medications"] == [{"name": "naproxen"}], "the previous picture is not changed"
    # Nothing answered yet: nothing changes.
    assert carry_forward(before, {}, records=records) == before


# Consent, access ----------------------------------------------------------------------------


def test_consent_is_asked_again_only_when_its_wording_changed(client, check_in):
    ConsentText.objects.create(version=ConsentText.current().version + 1, body="New wording.")
    check_in = Intake.objects.get(pk=check_in.pk)
    assert steps.get(check_in, "consent").is_applicable(check_in)
    check_in = submitted_check_in(client, check_in)
    assert check_in.consent.consent_text == ConsentText.current()


def test_another_patients_check_in_is_a_404(check_in):
    stranger = sign_in(Client(), PatientFactory())
    for url in (
        step_url(check_in, "peg"),
        reverse("intake:review_answers", args=[check_in.pk]),
        reverse("intake:submitted", args=[check_in.pk]),
    ):
        assert stranger.get(url).status_code == 404
    assert stranger.post(reverse("intake:submit", args=[check_in.pk])).status_code == 404


def test_an_intake_submitted_before_records_were_kept_starts_the_list(practitioner):
    first = SubmittedIntakeFactory(
        answers={"medications": {"none": False, "items": [{"name": "warfarin"}]}}
    )
    check_in = check_in_create(
        patient=first.patient, appointment_at=first.appointment_at, practitioner=practitioner
    )
    assert [r.name for r in MedicationRecord.objects.current(patient_id=check_in.patient_id)] == [
        "warfarin"
    ]


def test_the_check_in_review_page_shows_its_own_answers(client, check_in):
    walk_check_in(client, check_in, CHECK_IN_VALID)
    page = client.get(reverse("intake:review_answers", args=[check_in.pk]))
    assert page.status_code == 200
    assertContains(page, "Your pain this week")
    assertContains(page, "Still taking")
    assertNotContains(page, "About you")


def test_the_practitioner_reviews_a_check_in_as_an_intake(client, check_in, practitioner_client):
    check_in = submitted_check_in(client, check_in)
    for name in ("intake_detail", "intake_print", "intake_fhir", "intake_pdf", "review"):
        response = practitioner_client.get(reverse(f"intake:{name}", args=[check_in.pk]))
        assert response.status_code == 200, name
    page = practitioner_client.get(reverse("intake:intake_detail", args=[check_in.pk]))
    assertContains(page, "Your pain this week")
    response = practitioner_client.post(
        reverse("intake:review", args=[check_in.pk]), review_data(check_in)
    )
    assert response.status_code == 302
    check_in.refresh_from_db()
    assert check_in.status == Intake.Status.REVIEWED


def test_the_dashboard_labels_check_ins_and_triages_them_like_intakes(
    client, first, check_in, practitioner_client
):
    # The intake is reviewed; the check-in's new refer flag puts it first of all.
    practitioner_client.post(reverse("intake:review", args=[first.pk]), review_data(first))
    later = SubmittedIntakeFactory(appointment_at=timezone.now() + timedelta(hours=1))
    red_flags = dict(CHECK_IN_VALID["red_flags"], unexplained_weight_loss="yes")
    check_in = submitted_check_in(client, check_in, {"red_flags": red_flags})
    page = practitioner_client.get(reverse("intake:dashboard")).content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert reverse("intake:intake_detail", args=[check_in.pk]) in rows[0]
    assert "Check-in" in rows[0]
    assert reverse("intake:intake_detail", args=[later.pk]) in rows[1]
    assert all("Check-in" not in row for row in rows[1:])
