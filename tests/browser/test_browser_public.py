"""Pages anyone can open (home, sign-in, the guide, start/register, 404) and the staff
two-step pages, at phone and desktop sizes: each gets a screenshot, must fit the phone's
width and must have zero serious or critical axe-core violations."""

from __future__ import annotations

import pytest
from browser_support import authenticator_for, check_page, log_in
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

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
    expect(page.locator("#bleeding")).to_be_visible()
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

    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We can't find that page")
    check_page(page, "404")


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
