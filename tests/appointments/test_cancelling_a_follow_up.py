"""Cancelling a follow-up withdraws its check-in if the patient has not sent it: they are no
longer asked for it (its email, if still queued, is not sent; "My intake" does not lead to
it; no reminder goes), what they had typed stays on the row, and the clinic's pages say so.
A check-in already sent stands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from appointments.models import Appointment
from appointments.services import appointment_cancel, reminders_queue
from intake.models import Intake
from outbox.models import Email
from tests.helpers import (
    CHECK_IN_VALID,
    VALID,
    book_first_visit,
    book_follow_up,
    post_step,
    sign_in,
    step_url,
    submitted_check_in,
    submitted_intake,
)
from tests.mailqueue import deliver


@pytest.fixture
def first(client, practitioner) -> Intake:
    """A patient (signed in on `client`) whose first intake is submitted; its mail sent."""
    intake = submitted_intake(client, practitioner, VALID, email="harriet@example.com")
    deliver()
    mail.outbox.clear()
    return intake


@pytest.fixture
def follow_up(first, practitioner) -> Appointment:
    return book_follow_up(first.patient, practitioner)


def cancel(practitioner_client, appointment: Appointment):
    return practitioner_client.post(
        reverse("appointments:cancel", args=[appointment.pk]), follow=True
    )


def test_it_withdraws_an_untouched_check_in_and_its_email_is_not_sent(
    client, practitioner_client, first, follow_up
):
    check_in = follow_up.intake
    assert Email.objects.filter(kind="check_in", object_id=str(check_in.pk)).exists()

    response = cancel(practitioner_client, follow_up)

    assertContains(response, "Cancelled. Its check-in is withdrawn")
    assertContains(response, "Check-in withdrawn")
    check_in.refresh_from_db()
    assert check_in.status == Intake.Status.WITHDRAWN
    # The email asking for it was still queued: the worker writes nothing for it.
    deliver()
    assert not [m for m in mail.outbox if "check-in" in m.subject]
    # "My intake" leads back to the intake the patient sent, not to the withdrawn one.
    assert client.get(reverse("intake:my_intake"))["Location"] == reverse(
        "intake:submitted", args=[first.pk]
    )


def test_what_the_patient_typed_is_kept_but_no_longer_asked_for(
    client, practitioner_client, follow_up
):
    check_in = follow_up.intake
    assert post_step(client, check_in, "peg", CHECK_IN_VALID["peg"]).status_code == 302

    cancel(practitioner_client, follow_up)

    check_in.refresh_from_db()
    assert check_in.status == Intake.Status.WITHDRAWN
    assert "peg" in check_in.answers
    assert check_in.peg_score is not None
    # A page of it opened before the cancellation explains, and takes nothing more.
    posted = post_step(client, check_in, "since", CHECK_IN_VALID["since"])
    response = client.get(posted["Location"])
    assertContains(response, "This check-in is no longer needed")
    assertNotContains(response, "has been sent")
    check_in.refresh_from_db()
    assert "since" not in check_in.answers
    response = client.get(step_url(check_in, "peg"), follow=True)
    assertContains(response, "This check-in is no longer needed")


def test_no_reminder_goes_for_the_cancelled_visit(follow_up, practitioner_client):
    appointment = follow_up
    now = appointment.starts_at - timedelta(days=2, hours=1)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=now - timedelta(days=5))
    appointment_cancel(appointment=appointment)
    assert reminders_queue(now=now.replace(hour=11)).queued == 0
    assert (
        not practitioner_client.get(reverse("appointments:board")).context["rows"][0].can_send_again
    )


def test_the_clinic_sees_it_withdrawn_and_cannot_review_it(practitioner_client, follow_up):
    check_in = follow_up.intake
    cancel(practitioner_client, follow_up)

    page = practitioner_client.get(reverse("intake:intake_detail", args=[check_in.pk]))
    assertContains(page, "Withdrawn: the follow-up visit this check-in was for was cancelled")
    assertNotContains(page, "Review and sign")
    response = practitioner_client.get(reverse("intake:review", args=[check_in.pk]), follow=True)
    assertContains(response, "withdrawn when its visit was cancelled")
    patient_page = practitioner_client.get(
        reverse("intake:patient_detail", args=[check_in.patient_id])
    )
    assertContains(patient_page, "Withdrawn")


def test_the_dashboard_lists_it_only_under_its_own_status(practitioner_client, follow_up):
    check_in = follow_up.intake
    address = reverse("intake:intake_detail", args=[check_in.pk])
    dashboard = reverse("intake:dashboard")
    assertContains(practitioner_client.get(dashboard), f'href="{address}"')
    cancel(practitioner_client, follow_up)

    # Its cancelled visit is still ahead, but nothing is: not among the upcoming ones.
    page = practitioner_client.get(dashboard)
    assertNotContains(page, f'href="{address}"')
    assertContains(page, "Not withdrawn")
    asked = practitioner_client.get(dashboard, {"status": Intake.Status.WITHDRAWN})
    assertContains(asked, f'href="{address}"')


def test_a_check_in_already_sent_stands(client, practitioner_client, follow_up):
    check_in = submitted_check_in(client, follow_up.intake)

    response = cancel(practitioner_client, follow_up)

    assertContains(response, "Cancelled. No more reminders will be sent for it.")
    check_in.refresh_from_db()
    assert check_in.status == Intake.Status.SUBMITTED
    assert check_in.current_run() is not None


def test_the_next_follow_up_gets_a_fresh_check_in(client, practitioner, follow_up):
    appointment_cancel(appointment=follow_up)
    again = book_follow_up(follow_up.patient, practitioner, days=10)

    assert again.intake.pk != follow_up.intake.pk
    assert again.intake.status == Intake.Status.IN_PROGRESS
    assert client.get(reverse("intake:my_intake"))["Location"] == step_url(again.intake, "peg")


def test_cancelling_a_first_visit_leaves_its_intake_to_the_patient(practitioner):
    """Only a check-in is withdrawn: a first visit's intake is the patient's record of
    themselves and is still wanted at whatever visit they book next."""
    appointment = book_first_visit(practitioner, "New Patient")
    appointment_cancel(appointment=appointment)
    appointment.intake.refresh_from_db()
    assert appointment.intake.status == Intake.Status.INVITED


def test_another_patients_withdrawn_check_in_is_a_404(follow_up, other_patient):
    appointment_cancel(appointment=follow_up)
    other = sign_in(Client(), other_patient)
    response = other.get(reverse("intake:submitted", args=[follow_up.intake.pk]))
    assert response.status_code == 404
