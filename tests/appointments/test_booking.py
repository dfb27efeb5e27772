"""Booking, moving, cancelling and marking appointments from the practitioner's workspace,
and the invitation a first visit gets by itself."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from appointments.models import Appointment
from appointments.services import appointment_create
from intake.models import Intake
from outbox.models import Email
from portal.models import AuditEvent
from tests.mailqueue import deliver


def when(days: float) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def book(client, practitioner, *, kind="first_visit", days=5, email="mary@example.com"):
    return client.post(
        reverse("appointments:new"),
        {
            "patient_name": "Mary  Major",
            "email": email,
            "starts_at": when(days),
            "kind": kind,
            "practitioner": str(practitioner.pk),
        },
    )


def test_it_books_a_first_visit_and_the_invitation_goes_out_by_itself(
    practitioner_client, practitioner
):
    response = book(practitioner_client, practitioner)
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.patient_name == "Mary Major"
    assert appointment.status == Appointment.Status.BOOKED
    # The intake links to its appointment, the invitation expires with it.
    assert appointment.intake.appointment == appointment
    assert appointment.intake.status == Intake.Status.INVITED
    assert appointment.invitation.expires_at == appointment.starts_at
    assert appointment.intake.appointment_at == appointment.starts_at
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE, object_type="appointments.appointment"
    ).exists()
    deliver()
    [message] = mail.outbox
    assert message.to == ["mary@example.com"]
    assert "/invite/" in message.body


def test_it_books_a_follow_up_without_an_invitation(practitioner_client, practitioner):
    book(practitioner_client, practitioner, kind="follow_up")
    appointment = Appointment.objects.get()
    assert appointment.intake is None and appointment.invitation is None
    deliver()
    assert not mail.outbox


def test_it_explains_bad_booking_input_and_keeps_what_was_typed(practitioner_client, practitioner):
    response = practitioner_client.post(
        reverse("appointments:new"),
        {
            "patient_name": "Mary Major",
            "email": "not-an-address",
            "starts_at": when(-1),
            "kind": "first_visit",
            "practitioner": str(practitioner.pk),
        },
    )
    assert response.status_code == 200
    assertContains(response, "Enter a valid email address.")
    assertContains(response, "The appointment must be in the future.")
    assertContains(response, 'value="Mary Major"')
    assert not Appointment.objects.exists()


def test_it_links_an_existing_account(practitioner_client, practitioner, patient):
    book(practitioner_client, practitioner, email=patient.email.upper())
    assert Appointment.objects.get().patient == patient


def test_it_moves_an_appointment_with_its_invitation_and_intake(practitioner_client, practitioner):
    book(practitioner_client, practitioner)
    appointment = Appointment.objects.get()
    response = practitioner_client.post(
        reverse("appointments:move", args=[appointment.pk]), {"starts_at": when(9)}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    appointment.invitation.refresh_from_db()
    appointment.intake.refresh_from_db()
    assert appointment.starts_at > timezone.now() + timedelta(days=8)
    assert appointment.invitation.expires_at == appointment.starts_at
    assert appointment.invitation.appointment_at == appointment.starts_at
    assert appointment.intake.appointment_at == appointment.starts_at


def test_it_cancels_and_the_link_stops_working(practitioner_client, practitioner, client):
    book(practitioner_client, practitioner)
    deliver()
    link = mail.outbox[0].body.split("Start here", 1)[1].split("\n")[1].split("8000", 1)[1]
    appointment = Appointment.objects.get()
    practitioner_client.post(reverse("appointments:cancel", args=[appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assertContains(client.get(link), "This link has expired")


def test_it_marks_a_past_appointment_attended_but_not_a_future_one(
    practitioner_client, practitioner
):
    future = appointment_create(
        patient_name="Fay Future",
        email="fay@example.com",
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(days=1),
        kind="follow_up",
        created_by=practitioner,
    )
    past = Appointment.objects.create(
        patient_name="Pam Past",
        email="pam@example.com",
        practitioner=practitioner,
        starts_at=timezone.now() - timedelta(hours=2),
        kind="follow_up",
    )
    for appointment in (future, past):
        practitioner_client.post(
            reverse("appointments:mark", args=[appointment.pk]), {"status": "attended"}
        )
    future.refresh_from_db()
    past.refresh_from_db()
    assert future.status == Appointment.Status.BOOKED
    assert past.status == Appointment.Status.ATTENDED


def test_it_keeps_the_workspace_to_practitioners(patient_client, admin_client_verified):
    for client in (patient_client, admin_client_verified):
        assert client.get(reverse("appointments:board")).status_code == 403
        assert client.get(reverse("appointments:new")).status_code == 403


def test_it_lists_upcoming_appointments_on_the_board(practitioner_client, practitioner):
    book(practitioner_client, practitioner)
    response = practitioner_client.get(reverse("appointments:board"))
    assertContains(response, "Mary Major")
    assertContains(response, "Invitation queued")
    deliver()
    response = practitioner_client.get(reverse("appointments:board"))
    assertContains(response, "Invitation sent")
    assertNotContains(response, "Invitation queued")
    assert Email.objects.get().status == "sent"
