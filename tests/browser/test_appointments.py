"""Journey 3: a practitioner books a first visit and nothing else is pressed; the queue's
worker delivers the invitation; the patient starts the intake from the emailed link; a
reminder goes the day before; the patient follows it and submits; the board shows each
stage, and no reminder follows the submission."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Appointment
from intake import steps
from intake.models import Intake
from tests.browser.browser_support import (
    PATIENT_PASSWORD,
    answers_for,
    check_page,
    fill_about_step,
    link_in,
    log_in_staff,
)
from tests.helpers import PASSWORD
from tests.mailqueue import deliver

pytestmark = pytest.mark.browser
NAME = "Bea Booked"
EMAIL = "bea@example.com"


def progress_of(page: Page, name: str):
    return page.locator("table.appointment-list tbody tr").filter(has_text=name)


def send_reminders(now) -> str:
    out = StringIO()
    call_command("send_reminders", now=now.isoformat(), stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_booking_invites_reminds_and_the_patient_submits(open_page, practitioner):
    staff = open_page("desktop")
    log_in_staff(staff, practitioner, PASSWORD)
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Appointments").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Appointments")
    staff.get_by_role("link", name="Book an appointment").click()
    check_page(staff, "appointment-new")

    starts = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    staff.get_by_label("Patient's full name").fill(NAME)
    staff.get_by_label("Patient's email address").fill(EMAIL)
    staff.get_by_label("Date and time (clinic time)").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    expect(staff.get_by_role("radio", name="First visit")).to_be_checked()
    staff.get_by_role("button", name="Book appointment").click()
    expect(staff.get_by_text("The invitation to bea@example.com is on its way")).to_be_visible()
    expect(progress_of(staff, NAME)).to_contain_text("Invitation queued")

    # The worker (make run starts one beside the server) delivers it.
    deliver()
    [invitation] = [m for m in mail.outbox if m.to == [EMAIL]]
    staff.reload()
    expect(progress_of(staff, NAME)).to_contain_text("Invitation sent")
    check_page(staff, "appointments-board")

    # The patient opens the link, chooses a password and saves the first step.
    patient = open_page("phone")
    patient.goto(link_in(invitation.body, "/invite/"))
    patient.get_by_label("Choose a password").fill(PATIENT_PASSWORD)
    patient.get_by_label("Type the same password again").fill(PATIENT_PASSWORD)
    patient.get_by_role("button", name="Save password and start").click()
    expect(patient.get_by_role("heading", level=1)).to_have_text("About you")
    fill_about_step(patient, answers_for(NAME)["about"])
    expect(patient.get_by_role("heading", level=1)).to_have_text("Your pain")
    staff.reload()
    expect(progress_of(staff, NAME)).to_contain_text("Started (step 2 of 9)")

    # The day before at 10:30 clinic time, the reminder goes.
    day_before = (starts - timedelta(days=1)).replace(hour=10, minute=30)
    assert send_reminders(day_before) == "sent 1 reminders"
    deliver()
    [reminder] = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert reminder.to == [EMAIL]
    staff.reload()
    expect(progress_of(staff, NAME).locator("td").nth(4)).not_to_have_text("—")

    # The patient carries on from the reminder's link: the remaining steps (through the
    # test client, which is quicker; journey 1 walks them in the browser), then submits.
    patient.goto(link_in(reminder.body, "/intake/"))
    intake = Intake.objects.get(appointment__email=EMAIL)
    client = Client()
    client.force_login(intake.patient)
    for step, data in answers_for(NAME).items():
        if step != "about":
            response = client.post(steps.BY_ID[step].url(intake), {**data, "action": "next"})
            assert response.status_code == 302, step
    patient.goto(steps.REVIEW.url(intake))
    patient.get_by_role("button", name=re.compile("^Submit")).click()
    expect(patient.get_by_role("heading", level=1)).to_have_text("Your intake has been sent")

    staff.reload()
    expect(progress_of(staff, NAME)).to_contain_text("Submitted")
    expect(
        progress_of(staff, NAME).get_by_role("button", name=re.compile("^Send again"))
    ).to_have_count(0)
    # Submitted: the next slot sends nothing.
    assert send_reminders(day_before + timedelta(hours=3)) == "sent 0 reminders"
    assert Appointment.objects.get().status == Appointment.Status.BOOKED
