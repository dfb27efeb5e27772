"""The appointments board: where each intake stands, the last reminder, "send again"
(rate-limited and audited) and the "not started, appointment within 48 h" filter."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from appointments.models import Appointment
from appointments.services import appointment_create
from intake.models import Intake, Invitation
from outbox.models import Email
from portal.models import AuditEvent
from tests.helpers import book_first_visit
from tests.mailqueue import deliver


def row_of(response, name: str) -> str:
    html = response.content.decode()
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


def test_it_shows_where_each_intake_stands(practitioner_client, practitioner):
    sent = book_first_visit(practitioner, "Sent Sally")
    deliver()
    queued = book_first_visit(practitioner, "Queued Quinn")
    opened = book_first_visit(practitioner, "Opened Olga")
    Invitation.objects.filter(pk=opened.invitation_id).update(opened_at=timezone.now())
    started = book_first_visit(practitioner, "Started Stan")
    Intake.objects.filter(pk=started.intake_id).update(
        status=Intake.Status.IN_PROGRESS, completed_steps=["about", "pain"], last_step="pain"
    )
    submitted = book_first_visit(practitioner, "Submitted Sue")
    Intake.objects.filter(pk=submitted.intake_id).update(status=Intake.Status.SUBMITTED)
    reviewed = book_first_visit(practitioner, "Reviewed Rob")
    Intake.objects.filter(pk=reviewed.intake_id).update(status=Intake.Status.REVIEWED)

    page = practitioner_client.get(reverse("appointments:board"))
    assert "Invitation sent" in row_of(page, sent.patient_name)
    assert "Invitation queued" in row_of(page, queued.patient_name)
    assert "Link opened" in row_of(page, opened.patient_name)
    assert "Started (step 3 of 9)" in row_of(page, started.patient_name)
    assert "Submitted" in row_of(page, submitted.patient_name)
    assert "Reviewed" in row_of(page, reviewed.patient_name)
    assert "Send again" not in row_of(page, submitted.patient_name)
    assert "Send again" in row_of(page, started.patient_name)


def test_it_says_when_the_invitation_could_not_be_delivered(practitioner_client, practitioner):
    appointment = book_first_visit(practitioner, "Bounced Bea")
    Email.objects.filter(kind="invitation").update(status=Email.Status.FAILED)
    page = practitioner_client.get(reverse("appointments:board"))
    assert "Invitation not delivered" in row_of(page, appointment.patient_name)


def test_it_sends_again_with_a_limit_and_an_audit_record(
    practitioner_client, practitioner, settings
):
    settings.RESEND_PER_HOUR = 2
    appointment = book_first_visit(practitioner, "Again Ann")
    url = reverse("appointments:send_again", args=[appointment.pk])
    for _ in range(3):
        practitioner_client.post(url)
    assert Email.objects.filter(kind="reminder").count() == 2
    response = practitioner_client.post(url, follow=True)
    assertContains(response, "Sent several times in the last hour already")
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.CREATE, object_id=str(appointment.pk)
        ).count()
        == 2  # the two reminders that went; the refused third is not a change
    )
    deliver()
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 2
    # The board now says when the last one went.
    page = practitioner_client.get(reverse("appointments:board"))
    assert "—" not in row_of(page, appointment.patient_name).split("</td>")[5]


def test_it_does_not_send_again_for_a_submitted_intake(practitioner_client, practitioner):
    appointment = book_first_visit(practitioner, "Done Dora")
    Intake.objects.filter(pk=appointment.intake_id).update(status=Intake.Status.SUBMITTED)
    response = practitioner_client.post(
        reverse("appointments:send_again", args=[appointment.pk]), follow=True
    )
    assertContains(response, "needs no reminder")
    assert not Email.objects.filter(kind="reminder").exists()


def test_it_filters_not_started_within_48_hours(practitioner_client, practitioner):
    soon = book_first_visit(practitioner, "Soon Sam", hours=30)
    book_first_visit(practitioner, "Later Lou", hours=80)
    begun = book_first_visit(practitioner, "Begun Ben", hours=20)
    Intake.objects.filter(pk=begun.intake_id).update(
        status=Intake.Status.IN_PROGRESS, completed_steps=["about"], last_step="about"
    )
    appointment_create(
        patient_name="Follow Fay",
        email="fay@example.com",
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(hours=10),
        kind=Appointment.Kind.FOLLOW_UP,
        created_by=practitioner,
    )
    page = practitioner_client.get(reverse("appointments:board") + "?only=not_started_48h")
    assertContains(page, soon.patient_name)
    for name in ("Later Lou", "Begun Ben", "Follow Fay"):
        assertNotContains(page, name)


def test_it_reads_the_board_in_a_fixed_number_of_queries(
    practitioner_client, practitioner, django_assert_max_num_queries
):
    for n in range(3):
        book_first_visit(practitioner, f"Patient{n} Person")
    url = reverse("appointments:board")
    practitioner_client.get(url)
    with django_assert_max_num_queries(12) as few:
        practitioner_client.get(url)
    for n in range(3, 15):
        book_first_visit(practitioner, f"Patient{n} Person")
    with django_assert_max_num_queries(len(few.captured_queries)):
        practitioner_client.get(url)
