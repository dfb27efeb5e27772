"""An emergency answer on a 390x844 phone (issue 12, part 2): the next page opens with the
alert at the top, focus on it, in view without scrolling, with the numbers to call, and the
page passes axe-core."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.browser_support import PATIENT_PASSWORD, check_page, filled_intake, log_in

pytestmark = pytest.mark.browser

EMAIL = "hq@example.com"
YES = ("Numbness or a strange feeling", "Thoughts of harming yourself")


def answer_red_flags(page: Page, yes: tuple[str, ...]) -> None:
    for question in page.locator("#step-fields fieldset").all():
        text = question.inner_text()
        answer = "Yes" if any(words in text for words in yes) else "No"
        question.get_by_role("radio", name=answer, exact=True).check()
    page.get_by_role("button", name="Save and continue").click()


def test_an_emergency_answer_tells_the_patient_what_to_do_at_once(open_page, practitioner):
    intake = filled_intake(practitioner, email=EMAIL, submit=False)
    page = open_page("phone")
    log_in(page, EMAIL, PATIENT_PASSWORD, reverse("intake:step", args=[intake.pk, "red_flags"]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Symptoms to check")

    answer_red_flags(page, YES)

    expect(page.get_by_role("heading", level=1)).to_have_text("Consent")
    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert.get_by_role("heading", level=2)).to_have_text("Get medical help now")
    expect(alert).to_contain_text("Call 999 now, or go to A&E (the emergency department).")
    expect(alert).to_contain_text("talk to Samaritans at any time, day or night. Call 116 123.")
    expect(alert).to_contain_text("We have told the clinic. Your answers are saved")
    # Focus is on the alert, so a screen reader reads it first, and it is the first thing
    # on the phone's screen without scrolling.
    expect(alert).to_be_focused()
    box = alert.bounding_box()
    assert box is not None and box["y"] < 844 / 2, box
    expect(alert.get_by_role("link", name="999")).to_have_attribute("href", "tel:999")
    check_page(page, "urgent-help-emergency")

    # Once: going on to the next page shows the step alone.
    page.reload()
    expect(page.get_by_role("alert")).to_have_count(0)


def test_an_urgent_answer_asks_for_a_doctor_before_the_appointment(open_page, practitioner):
    intake = filled_intake(practitioner, email=EMAIL, submit=False)
    page = open_page("phone")
    log_in(page, EMAIL, PATIENT_PASSWORD, reverse("intake:step", args=[intake.pk, "red_flags"]))

    answer_red_flags(page, ("Pain and swelling in one calf",))

    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading", level=2)).to_have_text(
        "Please contact your doctor before your appointment"
    )
    expect(alert).to_be_focused()
    check_page(page, "urgent-help-urgent")
