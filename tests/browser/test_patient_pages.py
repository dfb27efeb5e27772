"""Every patient page type at phone and desktop sizes, with answers filled in: each wizard
step, the check-your-answers page, the submitted intake, and the pages around them
(choosing a password from an invitation, invitation problems, an existing account accepting
an invitation, no intake yet). Each gets a screenshot and zero serious or critical axe-core
violations. And on the narrowest common phone (360 px), no patient page scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from intake import steps
from tests.browser.browser_support import (
    PATIENT_PASSWORD,
    check_page,
    filled_intake,
    invite_patient,
    log_in,
)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_it_has_no_serious_accessibility_problems_on_patient_pages(
    open_page, practitioner, patient, viewport
):
    # A new patient's invitation link: choosing a password.
    _, link = invite_patient(practitioner, name="Nell New", email="nell@example.com")
    page = open_page(viewport)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome")
    check_page(page, "invitation-password")

    # A link that is not (or no longer) valid explains itself.
    page = open_page(viewport)
    response = page.goto("/invite/not-a-real-token/")
    assert response is not None and response.status == 404
    check_page(page, "invitation-problem")

    # A patient with an account, no intake yet; then an invitation for them arrives.
    log_in(page, patient.email, PASSWORD, next_path="/intake/")
    check_page(page, "no-intake")
    _, link = invite_patient(practitioner, name=patient.full_name, email=patient.email)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "invitation-confirm")

    # Every step of an intake with all its answers, then the review and the submitted page.
    intake = filled_intake(practitioner, submit=False)
    page = open_page(viewport)
    log_in(page, "hq@example.com", PATIENT_PASSWORD, next_path="/intake/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    for step in steps.FORM_STEPS:
        page.goto(step.url(intake))
        expect(page.get_by_role("heading", level=1)).to_have_text(step.title)
        check_page(page, f"step-{step.identifier.replace('_', '-')}")

    page.goto(f"/intake/{intake.pk}/review/")
    check_page(page, "review-answers")
    page.get_by_role("button", name="Submit my intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your intake has been sent")
    check_page(page, "submitted")


def test_no_patient_page_scrolls_sideways_on_a_360px_phone(open_page, practitioner):
    """WCAG 1.4.10 (reflow) at the narrowest width in common use."""
    page = open_page("small-phone")
    assert page.viewport_size == {"width": 360, "height": 740}

    def fits(name: str) -> None:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{name} is {width}px wide on a 360px phone: it scrolls sideways"

    for path, name in [
        ("/", "home"),
        ("/accounts/login/", "login"),
        ("/accounts/password-reset/", "password-reset"),
        ("/intake/start/", "start"),
        ("/intake/register/", "register"),
        ("/guide/", "guide-index"),
        ("/guide/safety/", "guide-page"),
        ("/guide/search/?q=needles", "guide-search"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        fits(name)

    _, link = invite_patient(practitioner, name="Nell Narrow", email="nell@example.com")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome")
    fits("invitation-password")

    intake = filled_intake(practitioner, submit=False)
    page = open_page("small-phone")  # the invitation above stays with the other browser
    log_in(page, "hq@example.com", PATIENT_PASSWORD, next_path="/intake/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    fits("review-answers")
    for step in steps.FORM_STEPS:
        page.goto(step.url(intake))
        expect(page.get_by_role("heading", level=1)).to_have_text(step.title)
        fits(f"step-{step.identifier}")
    # A step with errors: the summary and the messages at the fields fit too.
    page.goto(steps.BY_ID["about"].url(intake))
    page.get_by_label("Full legal name").fill("")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_be_visible()
    fits("step-about-errors")

    page.goto(f"/intake/{intake.pk}/review/")
    page.get_by_role("button", name="Submit my intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your intake has been sent")
    fits("submitted")
