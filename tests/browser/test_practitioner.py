"""Journey 2: a practitioner signs in with the second factor, finds a submitted intake on the
dashboard, reads its flags, follows a flag to the guide's safety section and signs a
review. Plus every workspace page at phone and desktop sizes (axe-core, screenshots),
the print view with print styles, a signed intake and the dashboard after an invitation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from intake.models import Review
from tests.browser.browser_support import check_page, filled_intake, log_in_staff
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_a_practitioner_reviews_a_flagged_intake(open_page, practitioner):
    intake = filled_intake(practitioner, name="Harriet Quill")
    filled_intake(practitioner, name="Olwen Other", email="olwen@example.com")
    page = open_page("desktop")

    # Password, then the 6-digit code from the authenticator.
    log_in_staff(page, practitioner, PASSWORD)
    expect(page).to_have_url(re.compile(r"/practice/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Intakes")

    # Find the intake: search by name.
    page.get_by_label("Patient name").fill("Harriet")
    page.get_by_role("button", name="Show intakes").click()
    rows = page.locator("table.intake-list tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("Submitted")
    row.get_by_role("link", name="Harriet Quill", exact=True).click()

    # Read the flags: an anticoagulant and night pain.
    expect(page.get_by_role("heading", level=1)).to_have_text("Harriet Quill")
    flags = page.locator("li.flag")
    expect(flags.first).to_be_visible()
    bleeding = page.locator("li.flag").filter(has_text="bleeding")
    expect(bleeding.first).to_contain_text("Eliquis")
    expect(page.locator("li.flag.flag-refer").first).to_be_visible()

    # Follow the bleeding flag to the paragraph of the guide that explains it.
    bleeding.first.get_by_role("link", name=re.compile("^Safety guidance")).click()
    expect(page).to_have_url(re.compile(r"/guide/safety/#section-bleeding$"))
    section = page.locator("#section-bleeding")
    expect(section).to_have_text(re.compile("Bleeding problems and blood thinners"))
    expect(section).to_be_in_viewport()
    page.go_back()

    # Sign a review: acknowledge every flag that needs it, decide, sign.
    page.get_by_role("link", name="Review and sign").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Harriet Quill")
    for box in page.get_by_role("checkbox", name=re.compile("^I have read")).all():
        box.check()
    page.get_by_role("radio", name="Refer to physician first").check()
    page.get_by_label("Note").fill("Night pain: GP to assess before any treatment.")
    page.get_by_label("Signature: type your full name").fill("Dr Lin Wei")
    page.get_by_role("button", name="Sign and save review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Harriet Quill")
    expect(page.locator("main")).to_contain_text("Refer to physician first")
    review = Review.objects.get(intake=intake)
    assert review.decision == Review.Decision.REFER
    assert review.reviewer == practitioner
    assert review.signed_name == "Dr Lin Wei"
    assert review.acknowledged_flags.count() >= 2


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_it_has_no_serious_accessibility_problems_in_the_workspace(
    open_page, practitioner, viewport
):
    intake = filled_intake(practitioner)
    page: Page = open_page(viewport)
    log_in_staff(page, practitioner, PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("Intakes")
    check_page(page, "dashboard")

    page.goto(f"/practice/intakes/{intake.pk}/")
    expect(page.locator("li.flag").first).to_be_visible()
    check_page(page, "intake-detail")

    # The print view is checked, and photographed, as it prints: with print styles.
    page.goto(f"/practice/intakes/{intake.pk}/print/")
    page.emulate_media(media="print")
    check_page(page, "intake-print")
    page.emulate_media(media="null")

    page.goto(f"/practice/intakes/{intake.pk}/review/")
    check_page(page, "review-form")

    # A review signed without a decision or a signature: the errors are accessible too.
    page.get_by_role("button", name="Sign and save review").click()
    expect(page.get_by_role("alert")).to_contain_text("The review was not saved")
    check_page(page, "review-form-errors")

    # "Cleared for treatment" while a refer flag stands is refused, with the reason by the
    # decision field.
    for box in page.get_by_role("checkbox", name=re.compile("^I have read")).all():
        box.check()
    page.get_by_role("radio", name="Cleared for treatment").check()
    page.get_by_label("Signature: type your full name").fill("Dr Lin Wei")
    page.get_by_role("button", name="Sign and save review").click()
    expect(page.locator("#div_id_decision")).to_contain_text(
        re.compile(r"RF11 .* \(refer\) stands: choose “Refer to physician first”")
    )
    expect(page.get_by_label("Signature: type your full name")).to_have_value("Dr Lin Wei")
    check_page(page, "review-form-refused")

    # Each standing flag overridden with a reason: signed, and the intake page shows it.
    for box in page.get_by_role("checkbox", name=re.compile("^Override ")).all():
        box.check()
    for reason in page.get_by_role("textbox", name=re.compile("^Reason for overriding")).all():
        reason.fill("Assessed by GP on 3 March, letter seen.")
    page.get_by_role("button", name="Sign and save review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harriet Quill")
    expect(page.locator("main")).to_contain_text("Cleared for treatment")
    expect(page.locator(".review-overrides")).to_contain_text("Assessed by GP on 3 March")
    check_page(page, "intake-detail-reviewed")

    page.goto("/practice/invitations/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a patient")
    check_page(page, "new-invitation")

    # Sent: back on the dashboard, with the confirmation.
    page.get_by_label("Patient's full name").fill("Nia Newcomer")
    page.get_by_label("Patient's email address").fill(f"nia-{viewport}@example.com")
    page.get_by_label("Appointment date and time").fill(
        (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT10:30")
    )
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(f"Invitation sent to nia-{viewport}@")
    expect(page.get_by_role("heading", level=1)).to_have_text("Intakes")
    check_page(page, "invitation-sent")
