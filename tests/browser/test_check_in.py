"""A check-in on a phone, as a patient does it before a follow-up visit: every step by
touch, a mistake explained and fixed, a medicine stopped and one started, then submitted;
each page with no serious accessibility problem and nothing sideways. The practitioner then
sees what changed at the top of the check-in's page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from intake.forms import PEG_QUESTIONS
from intake.models import Intake
from tests.browser.browser_support import (
    PATIENT_PASSWORD,
    check_page,
    filled_intake,
    log_in,
    log_in_staff,
)
from tests.helpers import PASSWORD, book_follow_up

pytestmark = pytest.mark.browser

NEXT = "Save and continue"


def test_a_patient_checks_in_on_a_phone_and_the_practitioner_sees_what_changed(
    open_page, practitioner
):
    intake = filled_intake(practitioner)  # Eliquis, diabetes, night pain
    check_in = book_follow_up(intake.patient, practitioner).intake
    page = open_page("phone")
    log_in(page, "hq@example.com", PATIENT_PASSWORD, next_path="/intake/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your pain this week")
    check_page(page, "check-in-peg")
    # A number out of range is explained by the field, and what was typed stays.
    page.get_by_label(PEG_QUESTIONS["peg_pain"]).fill("12")
    page.get_by_role("button", name=NEXT).click()
    expect(page.get_by_text("Enter a whole number from 0 to 10.").first).to_be_visible()
    check_page(page, "check-in-peg-errors")
    for key, value in (("peg_pain", "4"), ("peg_enjoyment", "3"), ("peg_activity", "4")):
        page.get_by_label(PEG_QUESTIONS[key]).fill(value)
    page.get_by_role("button", name=NEXT).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Since your last visit")
    check_page(page, "check-in-since")
    page.get_by_label("No change").check()
    page.get_by_role("button", name=NEXT).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your medicines")
    check_page(page, "check-in-medicines")
    page.get_by_role("radio", name="Stopped").check()
    page.get_by_role("button", name="Add another new medicine").click()
    expect(page.get_by_text("New medicine 2", exact=True)).to_be_visible()
    expect(page.get_by_role("radio", name="Stopped")).to_be_checked()
    page.locator("#id_new-0-name").fill("prednisolone")
    page.locator("#id_new-0-started_on").fill("01/11/2026")
    page.get_by_role("button", name=NEXT).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("After your last treatment")
    check_page(page, "check-in-reactions")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name=NEXT).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Symptoms to check")
    for radio in page.get_by_label("No", exact=True).all():
        radio.check()
    page.get_by_role("button", name=NEXT).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    check_page(page, "check-in-review")
    page.get_by_role("button", name="Submit my check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your check-in has been sent")
    check_page(page, "check-in-submitted")
    assert Intake.objects.get(pk=check_in.pk).status == Intake.Status.SUBMITTED

    staff = open_page("desktop")
    log_in_staff(staff, practitioner, PASSWORD, next_path=f"/practice/intakes/{check_in.pk}/")
    section = staff.locator(".what-changed")
    expect(section).to_contain_text("Started prednisolone")
    expect(section).to_contain_text("Long-term oral steroids")
    expect(section).to_contain_text("Stopped Eliquis 5mg")
    expect(section).to_contain_text("No longer raised: Taking an anticoagulant")
    check_page(staff, "check-in-practitioner")


def test_a_cancelled_follow_ups_check_in_tells_the_patient_it_is_no_longer_needed(
    open_page, practitioner
):
    intake = filled_intake(practitioner)
    book_follow_up(intake.patient, practitioner)
    page = open_page("phone")
    log_in(page, "hq@example.com", PATIENT_PASSWORD, next_path="/intake/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your pain this week")

    # The clinic cancels the visit from the board while the page is open on the phone.
    staff = open_page("desktop")
    log_in_staff(staff, practitioner, PASSWORD, next_path="/practice/appointments/")
    staff.get_by_role("button", name=f"Cancel {intake.patient_name}'s appointment").click()
    expect(staff.get_by_role("status")).to_contain_text("Cancelled.")
    expect(staff.locator("table.appointment-list")).to_contain_text("Check-in withdrawn")

    for key in ("peg_pain", "peg_enjoyment", "peg_activity"):
        page.get_by_label(PEG_QUESTIONS[key]).fill("3")
    page.get_by_role("button", name=NEXT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This check-in is no longer needed")
    check_page(page, "check-in-withdrawn")
    page.get_by_role("link", name="Go to my intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your intake has been sent")
