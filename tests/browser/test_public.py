"""Pages anyone can open (home, sign-in, the guide, start/register), the error pages (400,
403, the stale-form 403, 404, 500, the sign-in lockout), the password-reset pages and the
staff two-step pages, at phone and desktop sizes: each gets a screenshot, must fit the
phone's width and must have zero serious or critical axe-core violations."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from tests.browser.browser_support import authenticator_for, check_page, log_in
from tests.helpers import PASSWORD
from tests.mailqueue import deliver

pytestmark = pytest.mark.browser


def test_it_has_no_serious_accessibility_problems_on_public_pages(any_page: Page):
    page = any_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    check_page(page, "home")

    page.goto("/accounts/login/")
    check_page(page, "login")

    # A failed login: the message must be as accessible as the form.
    page.get_by_label("Email address").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("do not match an account")).to_be_visible()
    check_page(page, "login-error")

    page.goto("/accounts/password-reset/")
    check_page(page, "password-reset")

    page.goto("/guide/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("guide")
    check_page(page, "guide-index")

    page.get_by_role("link", name="Considerations and safety").first.click()
    expect(page.locator("#section-bleeding")).to_be_visible()
    check_page(page, "guide-page")

    page.goto("/guide/")
    page.get_by_role("search").get_by_label("Search the guide").fill("needles")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("found for “needles”")
    check_page(page, "guide-search")

    page.goto("/guide/search/?q=zzzqqq")
    expect(page.get_by_role("status")).to_contain_text("No pages found")
    check_page(page, "guide-search-empty", shoot=False)

    page.goto("/intake/start/")
    check_page(page, "start")

    page.goto("/intake/register/")
    check_page(page, "register")


# The portal's URLs plus views that fail on purpose, test-only: the 500 page needs one.
@pytest.mark.urls("tests.security.error_urls")
def test_it_has_no_serious_accessibility_problems_on_error_pages(any_page: Page, patient):
    page = any_page

    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We can't find that page")
    check_page(page, "404")

    # 400: far more fields than any page has (Django refuses more than 1,000).
    fields = "&".join(f"f{i}=x" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = page.goto(f"/accounts/login/?{fields}")
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not read that request")
    check_page(page, "400")

    response = page.goto("/test-errors/crash/")
    assert response is not None and response.status == 500
    expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong on our side")
    check_page(page, "500")

    # 403 for a stale form: the sign-in form posted with a token that is not the one issued.
    page.goto("/accounts/login/")
    page.locator("input[name=csrfmiddlewaretoken]").evaluate(
        "(input) => input.value = 'x'.repeat(64)"
    )
    page.get_by_label("Email address").fill(patient.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(re.compile(r"/accounts/login/$")) as posted:
        page.get_by_role("button", name="Log in").click()
    assert posted.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Please try that again")
    check_page(page, "403-csrf")

    # 403: a patient opens the practitioners' dashboard.
    log_in(page, patient.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="My intake")).to_be_visible()
    response = page.goto("/practice/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This page isn't available to your account"
    )
    check_page(page, "403")


def test_it_has_no_serious_accessibility_problems_on_the_lockout_page(any_page: Page, patient):
    """django-axes locks the pair (account, address) after AXES_FAILURE_LIMIT failures."""
    page = any_page
    page.goto("/accounts/login/")
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Email address").fill(patient.email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many sign-in attempts")
    check_page(page, "locked-out")
    # The right password does not help while the lock lasts.
    page.goto("/accounts/login/")
    log_in(page, patient.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many sign-in attempts")


def test_it_has_no_serious_accessibility_problems_on_the_password_reset_pages(
    any_page: Page, patient, mailoutbox
):
    page = any_page
    page.goto("/accounts/password-reset/")
    page.get_by_label("Email").fill(patient.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page, "password-reset-sent")

    deliver()  # the queue's worker
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+(/accounts/reset/\S+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_page(page, "password-reset-confirm")
    new_password = "amber-kettle-harbour-sunrise-7"
    page.get_by_label(re.compile(r"^\s*New password\W*$")).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been changed")
    check_page(page, "password-reset-complete")

    # The link works once.
    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    check_page(page, "password-reset-invalid")


def test_it_has_no_serious_accessibility_problems_on_the_two_step_pages(
    open_page, practitioner, admin_user
):
    for viewport in ("phone", "desktop"):
        # A staff member without an authenticator is asked to set one up...
        page = open_page(viewport)
        log_in(page, practitioner.email, PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
        expect(page.locator(".otp-qr svg")).to_be_visible()
        check_page(page, "two-step-setup")

        # ...and one with an authenticator is asked for a code.
        page = open_page(viewport)
        if viewport == "phone":
            authenticator_for(admin_user)
        log_in(page, admin_user.email, PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
        check_page(page, "two-step")

        page.get_by_label("6-digit code from your authenticator app").fill("000000")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("That code did not match")).to_be_visible()
        check_page(page, "two-step-error", shoot=False)
