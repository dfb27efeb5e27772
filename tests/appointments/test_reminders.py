"""Reminders while an intake is unfinished: 3 days and 1 day before by default, at 10:00
clinic time, never at night, at most one per slot, stopped by submission, cancellation or
the patient's link; and `send_reminders`, the one scheduled entry point.

The clinic is in Europe/London (settings.TIME_ZONE); times below are written in UTC with
their local meaning beside them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment, Reminder
from appointments.services import (
    appointment_cancel,
    appointment_create,
    appointment_update,
    reminders_queue,
)
from intake.models import Intake
from outbox.models import Email
from tests.mailqueue import deliver


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run(now: datetime) -> str:
    out = StringIO()
    call_command("send_reminders", now=now.isoformat(), stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def booked_on(appointment: Appointment, moment: datetime) -> Appointment:
    Appointment.objects.filter(pk=appointment.pk).update(created_at=moment)
    appointment.refresh_from_db()
    return appointment


@pytest.fixture
def booked(practitioner):
    """A first visit on Friday 13 December 2030 at 14:00 (GMT), booked on 3 December."""
    appointment = appointment_create(
        patient_name="Rita Remind",
        email="rita@example.com",
        practitioner=practitioner,
        starts_at=utc(2030, 12, 13, 14),
        kind=Appointment.Kind.FIRST_VISIT,
        created_by=practitioner,
    )
    return booked_on(appointment, utc(2030, 12, 3, 9))


def reminders_to(address: str) -> list:
    deliver()
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("Reminder")]


def test_it_reminds_three_days_and_one_day_before_at_ten_clinic_time(booked):
    assert run(utc(2030, 12, 10, 9, 59)) == "sent 0 reminders"  # Tuesday 09:59 GMT
    assert run(utc(2030, 12, 10, 10, 0)) == "sent 1 reminders"  # 3 days before, 10:00
    assert run(utc(2030, 12, 10, 10, 0)) == "sent 0 reminders", "run twice: nothing more"
    assert run(utc(2030, 12, 11, 12, 0)) == "sent 0 reminders", "one per slot"
    assert run(utc(2030, 12, 12, 10, 0)) == "sent 1 reminders"  # 1 day before
    assert run(utc(2030, 12, 12, 15, 0)) == "sent 0 reminders"
    assert run(utc(2030, 12, 13, 15, 0)) == "sent 0 reminders", "after the appointment"
    assert sorted(Reminder.objects.values_list("days_before", flat=True)) == [1, 3]
    [first, second] = reminders_to("rita@example.com")
    assert "Friday 13 December 2030, 14:00" in first.body


def test_it_sends_nothing_at_night_and_catches_up_in_the_morning(booked):
    # The pass did not run in the day on Tuesday; at 23:30 it waits.
    assert run(utc(2030, 12, 10, 23, 30)) == "sent 0 reminders"
    assert run(utc(2030, 12, 11, 6, 0)) == "sent 0 reminders"
    assert run(utc(2030, 12, 11, 8, 0)) == "sent 1 reminders"


def test_it_sends_only_the_latest_slot_when_booked_late(practitioner):
    booking = appointment_create(
        patient_name="Late Booker",
        email="late@example.com",
        practitioner=practitioner,
        starts_at=utc(2030, 1, 10, 14),
        kind=Appointment.Kind.FIRST_VISIT,
        created_by=practitioner,
    )
    appointment = booked_on(booking, utc(2029, 12, 1))
    # Booked long before; the pass runs late on the day before: the 1-day slot only.
    assert run(utc(2030, 1, 9, 11)) == "sent 1 reminders"
    assert list(Reminder.objects.values_list("appointment", "days_before")) == [(appointment.pk, 1)]


def test_it_skips_a_slot_that_fell_due_before_the_booking(practitioner):
    # Booked on Wednesday 11 December at 11:00 for Friday: the 3-day slot (Tuesday) was
    # before the booking, and the invitation has only just gone.
    booking = appointment_create(
        patient_name="Quick Booker",
        email="quick@example.com",
        practitioner=practitioner,
        starts_at=utc(2030, 12, 13, 14),
        kind=Appointment.Kind.FIRST_VISIT,
        created_by=practitioner,
    )
    booked_on(booking, utc(2030, 12, 11, 11))
    assert run(utc(2030, 12, 11, 11, 30)) == "sent 0 reminders"
    assert run(utc(2030, 12, 12, 10)) == "sent 1 reminders"


def test_it_lands_at_the_right_local_hour_across_a_daylight_saving_change(practitioner):
    # Clocks go forward on Sunday 31 March 2030. A first visit on Monday 1 April at
    # 10:00 BST (09:00 UTC): the 3-day reminder is Friday 29 March 10:00 GMT (10:00 UTC),
    # the 1-day reminder Sunday 31 March 10:00 BST (09:00 UTC).
    appointment_create(
        patient_name="Dee Ess Tee",
        email="dst@example.com",
        practitioner=practitioner,
        starts_at=utc(2030, 4, 1, 9),
        kind=Appointment.Kind.FIRST_VISIT,
        created_by=practitioner,
    )
    Appointment.objects.update(created_at=utc(2030, 3, 1))
    assert run(utc(2030, 3, 29, 9, 59)) == "sent 0 reminders"
    assert run(utc(2030, 3, 29, 10, 0)) == "sent 1 reminders"
    assert run(utc(2030, 3, 31, 8, 59)) == "sent 0 reminders"
    assert run(utc(2030, 3, 31, 9, 0)) == "sent 1 reminders"


def test_it_takes_the_schedule_from_settings(booked, settings):
    settings.REMINDER_DAYS_BEFORE = [2]
    settings.REMINDER_SEND_AT = "09:00"
    assert run(utc(2030, 12, 10, 10)) == "sent 0 reminders"
    assert run(utc(2030, 12, 11, 8, 59)) == "sent 0 reminders"
    assert run(utc(2030, 12, 11, 9, 0)) == "sent 1 reminders"


def test_it_stops_when_the_intake_is_submitted(booked):
    Intake.objects.filter(pk=booked.intake_id).update(status=Intake.Status.SUBMITTED)
    assert run(utc(2030, 12, 10, 10)) == "sent 0 reminders"


def test_it_drops_a_queued_reminder_if_the_intake_is_submitted_before_delivery(booked):
    run(utc(2030, 12, 10, 10))
    Intake.objects.filter(pk=booked.intake_id).update(status=Intake.Status.SUBMITTED)
    assert reminders_to("rita@example.com") == []
    assert Email.objects.get(kind="reminder").status == "dropped"


def test_it_stops_when_the_appointment_is_cancelled(booked):
    appointment_cancel(appointment=booked)
    assert run(utc(2030, 12, 10, 10)) == "sent 0 reminders"


def test_it_stops_when_the_patient_follows_the_link_and_confirms(booked, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: utc(2030, 12, 10, 10))
    run(utc(2030, 12, 10, 10))
    [message] = reminders_to("rita@example.com")
    stop = message.body.split("To stop these reminders: ", 1)[1].split()[0].split("8000", 1)[1]
    client = Client()
    page = client.get(stop)
    assert page.status_code == 200
    assert b"Rita" not in page.content, "the page names no one"
    booked.refresh_from_db()
    assert booked.reminders_stopped_at is None, "opening the link alone stops nothing"
    client.post(stop)
    booked.refresh_from_db()
    assert booked.reminders_stopped_at is not None
    monkeypatch.undo()
    assert run(utc(2030, 12, 12, 10)) == "sent 0 reminders"
    assert Client().get(stop[:-5] + "xxxx/").status_code == 404


def test_it_moves_reminders_with_the_appointment(booked, monkeypatch):
    run(utc(2030, 12, 10, 10))
    assert Reminder.objects.filter(days_before=3).exists()
    # On 10 December it moves to 23 December: both slots are ahead again.
    monkeypatch.setattr("django.utils.timezone.now", lambda: utc(2030, 12, 10, 12))
    appointment_update(appointment=booked, starts_at=utc(2030, 12, 23, 14))
    monkeypatch.undo()
    assert not Reminder.objects.exists()
    assert run(utc(2030, 12, 12, 10)) == "sent 0 reminders", "the old 1-day slot is gone"
    assert run(utc(2030, 12, 20, 10)) == "sent 1 reminders"


def test_it_says_when_the_time_given_is_not_a_time(db):
    with pytest.raises(Exception, match="ISO 8601"):
        call_command("send_reminders", now="next tuesday")


def test_it_reminds_with_the_link_to_sign_in_once_the_invitation_was_used(booked, patient):
    booked.invitation.used_at = utc(2030, 12, 4)
    booked.invitation.save()
    Intake.objects.filter(pk=booked.intake_id).update(
        patient=patient, status=Intake.Status.IN_PROGRESS
    )
    run(utc(2030, 12, 10, 10))
    [message] = reminders_to("rita@example.com")
    assert reverse("intake:my_intake") in message.body
    assert "/invite/" not in message.body


def test_it_queues_a_constant_number_of_queries_per_batch(
    practitioner, django_assert_max_num_queries
):
    for n in range(30):
        appointment_create(
            patient_name=f"Patient {n}",
            email=f"p{n}@example.com",
            practitioner=practitioner,
            starts_at=utc(2030, 1, 10, 14) + timedelta(minutes=n),
            kind=Appointment.Kind.FIRST_VISIT,
            created_by=practitioner,
        )
    Appointment.objects.update(created_at=utc(2029, 1, 1))
    # The candidates (2: a page and the empty page after it), the slots already taken, the
    # email rows, the queue's task, the reminder rows, and the savepoints around them.
    with django_assert_max_num_queries(10):
        result = reminders_queue(now=utc(2030, 1, 7, 10))
    assert result.queued == 30
