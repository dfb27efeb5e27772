"""The course of care, end to end, as issue 14's "Done when" tells it: the clinic books a first
visit; the patient, on a 390 px phone, follows the emailed invitation and fills in the intake;
the practitioner reviews it and signs a decision; the patient attends; a follow-up is booked,
which makes the check-in and queues its email; the patient checks in on the phone, reporting
apixaban (an anticoagulant) started and a PEG well over 30% better; the practitioner sees
"New since …: Started apixaban → Caution" before anything else, signs a decision under the
safety rules, and finds the PEG trend with its meaningful-change marker on the patient page.

Every step goes through the real pages in Chromium; the only thing done behind the browser's
back is the clock: the first visit's time is brought forward to an hour ago, as if the days
until it had passed. The staff side runs at desktop width, as a clinic's front desk would."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Appointment
from intake.forms import PEG_QUESTIONS
from intake.models import AdverseEvent, Intake, MedicationRecord, Review
from outbox.models import Email
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

NAME = "Noor Haddad"
EMAIL = "noor@example.com"
NEXT = "Save and continue"
# The pain step's scores (label: answer): the PEG items make 7.0 at the first visit.
PAIN_SCORES = {
    "Pain right now": "6",
    "Average pain over the last week": "7",
    "Worst pain over the last week": "9",
    "What number best describes your pain": "7",
    "enjoyment of life": "6",
    "general activity": "8",
}


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def board_row(page: Page, name: str):
    return page.locator("table.appointment-list tbody tr").filter(has_text=name)


def go_to_appointments(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Appointments").click()
    expect(heading(page)).to_have_text("Appointments")


def book(page: Page, *, kind: str, starts) -> None:
    go_to_appointments(page)
    page.get_by_role("link", name="Book an appointment").click()
    expect(heading(page)).to_have_text(re.compile("Book"))
    page.get_by_label("Patient's full name").fill(NAME)
    page.get_by_label("Patient's email address").fill(EMAIL)
    page.get_by_label("Date and time (clinic time)").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("radio", name=kind).check()
    page.get_by_role("button", name="Book appointment").click()


def no_symptoms(page: Page) -> None:
    """The red-flag step, the same on the intake and the check-in: "No" to each."""
    expect(heading(page)).to_have_text("Symptoms to check")
    for radio in page.get_by_label("No", exact=True).all():
        radio.check()
    page.get_by_role("button", name=NEXT).click()


def fill_intake(page: Page) -> None:
    """Every step of the first-visit intake by touch: no anticoagulant yet (paracetamol
    only), no red flag, PEG 7.0."""
    expect(heading(page)).to_have_text("About you")
    fill_about_step(page, answers_for(NAME)["about"])

    expect(heading(page)).to_have_text("Your pain")
    page.get_by_label("What is the main pain or problem").fill("Stiff, aching neck")
    page.locator('.body-map [data-region="neck"]').first.tap()
    expect(page.get_by_role("checkbox", name="Neck")).to_be_checked()
    page.get_by_role("combobox", name="Month").select_option(label="March")
    page.get_by_role("spinbutton", name="Year").fill("2023")
    for label, score in PAIN_SCORES.items():
        page.get_by_label(label).fill(score)
    page.get_by_role("button", name=NEXT).click()

    expect(heading(page)).to_have_text("Health conditions")
    page.get_by_role("button", name=NEXT).click()

    expect(heading(page)).to_have_text("Pregnancy")
    page.get_by_role("radio", name="No", exact=True).check()
    page.get_by_role("button", name=NEXT).click()

    expect(heading(page)).to_have_text("Medications and supplements")
    medicine = page.get_by_role("group", name="Medicine 1")
    medicine.get_by_role("combobox", name="Name").fill("paracetamol")
    medicine.get_by_label("How often (optional)").fill("when needed")
    page.get_by_role("button", name=NEXT).click()

    expect(heading(page)).to_have_text("Allergies and past experiences")
    page.get_by_role("checkbox", name="This will be my first acupuncture treatment").check()
    page.get_by_role("button", name=NEXT).click()

    no_symptoms(page)

    expect(heading(page)).to_have_text("Consent")
    page.get_by_label("Type your full name as your signature").fill(NAME)
    page.get_by_role("checkbox", name=re.compile("I have read the consent")).check()
    page.get_by_role("button", name=NEXT).click()

    expect(heading(page)).to_have_text("Check your answers")
    check_page(page, "course-intake-review", shoot=False)
    page.get_by_role("button", name="Submit my intake").click()
    expect(heading(page)).to_have_text("Your intake has been sent")


def sign_review(page: Page, *, decision: str) -> None:
    page.get_by_role("link", name="Review and sign").click()
    expect(heading(page)).to_have_text(re.compile(f"^Review: {NAME}"))
    for box in page.get_by_role("checkbox", name=re.compile("^I have read")).all():
        box.check()
    page.get_by_role("radio", name=decision).check()
    page.get_by_label("Signature: type your full name").fill("Dr Lin Wei")
    page.get_by_role("button", name="Sign and save review").click()
    expect(heading(page)).to_have_text(re.compile(f"^{NAME}"))


def test_a_course_of_care_from_booking_to_the_trend(open_page, practitioner):
    # 1. The front desk books the first visit; the worker delivers the invitation.
    staff = open_page("desktop")
    log_in_staff(staff, practitioner, PASSWORD)
    first_visit = timezone.localtime(timezone.now() + timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    book(staff, kind="First visit", starts=first_visit)
    expect(staff.get_by_text(f"The invitation to {EMAIL} is on its way")).to_be_visible()
    deliver()
    [invitation] = [m for m in mail.outbox if m.to == [EMAIL]]

    # 2. The patient, on a phone, chooses a password and fills in the intake.
    patient = open_page("phone")
    patient.goto(link_in(invitation.body, "/invite/"))
    patient.get_by_label("Choose a password").fill(PATIENT_PASSWORD)
    patient.get_by_label("Type the same password again").fill(PATIENT_PASSWORD)
    patient.get_by_role("button", name="Save password and start").click()
    fill_intake(patient)
    intake = Intake.objects.get(patient__email=EMAIL, kind=Intake.Kind.INTAKE)

    # 3. The practitioner reads it from the board and clears it for treatment.
    go_to_appointments(staff)
    expect(board_row(staff, NAME)).to_contain_text("Submitted")
    board_row(staff, NAME).get_by_role("link", name=NAME, exact=True).click()
    expect(heading(staff)).to_have_text(re.compile(f"^{NAME}"))
    sign_review(staff, decision="Cleared for treatment")
    expect(staff.locator("main")).to_contain_text("Cleared for treatment")

    # 4. The day of the visit comes (the one thing not done in a browser: the clock), and
    # the patient attends.
    appointment = Appointment.objects.get(intake=intake)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    go_to_appointments(staff)
    staff.get_by_role("link", name="Past").click()
    board_row(staff, NAME).get_by_role("button", name=f"Attended {NAME}'s appointment").click()
    expect(board_row(staff, NAME)).to_contain_text("Attended")
    check_page(staff, "course-board-past", shoot=False)

    # 5. A follow-up a week later: its booking makes the check-in and queues its email,
    # which says when, links to the sign-in and carries no health information.
    follow_up = timezone.localtime(timezone.now() + timedelta(days=7)).replace(
        hour=11, minute=30, second=0, microsecond=0
    )
    book(staff, kind="Follow-up", starts=follow_up)
    expect(staff.get_by_text(f"The check-in to {EMAIL} is on its way")).to_be_visible()
    check_in = Intake.objects.get(patient__email=EMAIL, kind=Intake.Kind.CHECK_IN)
    assert check_in.previous == intake
    assert Email.objects.filter(kind="check_in", to=EMAIL).count() == 1
    deliver()
    [asking] = [m for m in mail.outbox if "check-in" in m.subject]
    assert asking.to == [EMAIL]
    for private in ("paracetamol", "neck", "PEG", NAME):
        assert private.casefold() not in (asking.subject + asking.body).casefold(), private

    # 6. The patient follows the email on the phone (another day, a fresh browser) and
    # checks in: much better, and a blood thinner started since the visit.
    patient = open_page("phone")
    patient.goto(link_in(asking.body, "/intake/"))
    patient.get_by_label("Email address").fill(EMAIL)
    patient.get_by_label("Password").fill(PATIENT_PASSWORD)
    patient.get_by_role("button", name="Log in").click()

    expect(heading(patient)).to_have_text("Your pain this week")
    check_page(patient, "course-check-in-peg", shoot=False)
    for key, value in (("peg_pain", "4"), ("peg_enjoyment", "3"), ("peg_activity", "4")):
        patient.get_by_label(PEG_QUESTIONS[key]).fill(value)
    patient.get_by_role("button", name=NEXT).click()

    expect(heading(patient)).to_have_text("Since your last visit")
    check_page(patient, "course-check-in-since", shoot=False)
    patient.get_by_label("No change").check()
    patient.get_by_role("button", name=NEXT).click()

    expect(heading(patient)).to_have_text("Your medicines")
    check_page(patient, "course-check-in-medicines")
    patient.get_by_role("radio", name="Still taking it").check()
    patient.locator("#id_new-0-name").fill("apixaban")
    started = timezone.localdate() - timedelta(days=1)
    patient.locator("#id_new-0-started_on").fill(started.strftime("%d/%m/%Y"))
    patient.get_by_role("button", name=NEXT).click()

    expect(heading(patient)).to_have_text("After your last treatment")
    patient.get_by_label("No", exact=True).check()
    patient.get_by_role("button", name=NEXT).click()

    no_symptoms(patient)

    expect(heading(patient)).to_have_text("Check your answers")
    expect(patient.locator("main")).to_contain_text("apixaban")
    check_page(patient, "course-check-in-review", shoot=False)
    patient.get_by_role("button", name="Submit my check-in").click()
    expect(heading(patient)).to_have_text("Your check-in has been sent")
    # The patient sees their own trend too, marked the same way.
    expect(patient.get_by_role("heading", name="Your pain over time")).to_be_visible()
    expect(patient.locator("svg.trend-chart g.trend-point-improved")).to_have_count(1)
    check_page(patient, "course-check-in-submitted", shoot=False)
    assert (
        MedicationRecord.objects.current(patient_id=intake.patient_id)
        .filter(name="apixaban")
        .exists()
    )
    assert not AdverseEvent.objects.filter(patient_id=intake.patient_id).exists()

    # 7. The practitioner opens the check-in from the board: what changed comes first, the
    # new medicine with the flag it raised.
    go_to_appointments(staff)
    board_row(staff, NAME).filter(has_text="Follow-up").get_by_role(
        "link", name=NAME, exact=True
    ).click()
    expect(heading(staff)).to_have_text(re.compile(f"^{NAME}"))
    changed = staff.locator(".what-changed")
    since = timezone.localdate(intake.submitted_at)
    expect(changed.locator("li.change").first).to_have_text(
        re.compile(
            rf"^\s*New since {since.day} {since:%b}: Started apixaban → Caution Taking an "
            r"anticoagulant\s*$"
        )
    )
    # Ahead of the safety flags in the page's order.
    assert staff.evaluate(
        """() => {
          const changed = document.querySelector('.what-changed');
          const flags = document.querySelector('li.flag');
          return Boolean(changed && flags)
            && Boolean(changed.compareDocumentPosition(flags) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    check_page(staff, "course-check-in-practitioner")

    # 8. The decision on the check-in, under the safety rules: the caution must be read
    # before anything is signed; then it is signed.
    staff.get_by_role("link", name="Review and sign").click()
    expect(heading(staff)).to_have_text(re.compile(f"^Review: {NAME}"))
    check_page(staff, "course-check-in-review-form", shoot=False)
    staff.get_by_role("radio", name="Cleared with modifications").check()
    staff.get_by_label("Signature: type your full name").fill("Dr Lin Wei")
    staff.get_by_role("button", name="Sign and save review").click()
    expect(staff.get_by_role("alert")).to_contain_text("The review was not saved")
    expect(staff.get_by_label("Signature: type your full name")).to_have_value("Dr Lin Wei")
    for box in staff.get_by_role("checkbox", name=re.compile("^I have read")).all():
        box.check()
    staff.get_by_role("checkbox", name="Superficial needling only").check()
    staff.get_by_label("Note").fill("On apixaban: fewer needles, firm pressure on withdrawal.")
    staff.get_by_role("button", name="Sign and save review").click()
    expect(heading(staff)).to_have_text(re.compile(f"^{NAME}"))
    expect(staff.locator("main")).to_contain_text("Cleared with modifications")
    review = Review.objects.get(intake=check_in)
    assert review.decision == Review.Decision.CLEARED_WITH_MODIFICATIONS
    assert review.acknowledged_flags.filter(title="Taking an anticoagulant").exists()

    # 9. The patient page: both visits, both reviews, and the PEG trend with its marker.
    staff.get_by_role("link", name=re.compile("^Patient page")).click()
    expect(heading(staff)).to_have_text(re.compile(f"^{NAME}"))
    expect(staff.locator(".trend-summary")).to_have_text(
        re.compile(r"PEG 7\.0 → 3\.7 since .*, a 47% improvement, clinically meaningful")
    )
    chart = staff.locator("svg.trend-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("g.trend-point-improved")).to_have_count(1)
    table = staff.get_by_role("table", name=re.compile("^PEG score and items at each visit"))
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").last).to_contain_text("Meaningful improvement")
    expect(staff.locator(".patient-visits tbody tr")).to_have_count(2)
    expect(staff.locator(".patient-reviews tbody tr")).to_have_count(2)
    check_page(staff, "course-patient-page")
