"""The idle warning (static/js/idle-warning.js): shortly before the idle logoff a signed-in
patient is warned, focus moves to "Stay signed in", and pressing it hides the warning and
keeps the session alive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_support import assert_focus_visible, check_page, log_in
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def short_idle_timeout(settings):
    # The warning is due 4 seconds after the page loads; the logoff is minutes away.
    settings.IDLE_TIMEOUT_PATIENT = timedelta(seconds=150)
    settings.IDLE_WARNING_BEFORE = timedelta(seconds=146)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_it_warns_before_the_idle_logoff_and_lets_the_patient_stay(
    open_page, patient, short_idle_timeout, viewport
):
    page = open_page(viewport)
    log_in(page, patient.email, PASSWORD)
    signed_in = page.get_by_role("link", name="Continue my intake")
    expect(signed_in).to_be_visible()
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_hidden()

    expect(warning).to_be_visible(timeout=15_000)
    expect(warning).to_contain_text("you will be signed out soon")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    assert_focus_visible(page)
    check_page(page, "idle-warning")

    page.evaluate("() => { window.sameDocument = true; }")
    with page.expect_response("**/session/keepalive/") as keepalive:
        page.keyboard.press("Enter")
    assert keepalive.value.ok
    assert keepalive.value.json() == {"remaining": 150}
    expect(warning).to_be_hidden()
    # Still signed in, on the same page: nothing was reloaded or lost.
    assert page.evaluate("() => window.sameDocument") is True
    expect(signed_in).to_be_visible()
