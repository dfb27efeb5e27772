"""Every patient page type at phone and desktop sizes, with answers filled in: each wizard
step, the check-your-answers page, the submitted intake, and the pages around them
(invitation problems, an existing account accepting an invitation, no intake yet). Each
gets a screenshot and zero serious or critical axe-core violations."""

from __future__ import annotations

import pytest
from browser_support import (
    PATIENT_PASSWORD,
    check_page,
    filled_intake,
    invite_patient,
    log_in,
)
from playwright.sync_api import expect

from intake import steps
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_it_has_no_serious_accessibility_problems_on_patient_pages(
    open_page, practitioner, patient, viewport
):
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
