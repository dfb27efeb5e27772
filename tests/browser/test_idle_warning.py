"""The idle warning (static/js/idle-warning.js): shortly before the idle logoff a signed-in
patient is warned, focus moves to "Stay signed in", and pressing it hides the warning, keeps
the session alive and puts focus back where it was. If nobody answers, the server signs the
patient out when the time is up and the page reloads to show it; on an intake step the
form is sent instead, and what was typed comes back after signing in again."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from intake.models import Intake
from portal.models import AuditEvent
from tests.browser.browser_support import assert_focus_visible, check_page, log_in
from tests.helpers import PASSWORD

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
    # Signing in leads a patient to their intake (issue 17).
    signed_in = page.get_by_role("heading", level=1, name="My intake")
    expect(signed_in).to_be_visible()
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_hidden()
    # The patient is part-way through the page with the keyboard when the warning comes.
    page.keyboard.press("Tab")
    while not page.evaluate("() => document.activeElement.matches('main button')"):
        page.keyboard.press("Tab")
    start = page.get_by_role("button", name="Start my intake")
    expect(start).to_be_focused()

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
    # Still signed in, on the same page: nothing was reloaded or lost, and focus is back
    # on the button the patient had reached, not dropped to the top of the page.
    assert page.evaluate("() => window.sameDocument") is True
    expect(signed_in).to_be_visible()
    expect(start).to_be_focused()
    assert_focus_visible(page)


def test_it_signs_the_patient_out_when_nobody_answers_the_warning(open_page, patient, settings):
    # Warned 2 seconds after the page loads, signed out 4 seconds later.
    settings.IDLE_TIMEOUT_PATIENT = timedelta(seconds=6)
    settings.IDLE_WARNING_BEFORE = timedelta(seconds=4)
    page = open_page("desktop")
    log_in(page, patient.email, PASSWORD)
    expect(page.get_by_role("heading", level=1, name="My intake")).to_be_visible()
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=10_000)

    # Nobody presses anything: when the time is up the page reloads, once, and the server
    # signs the session out (the poll only reports that time is up). An early reload would
    # count as activity and, in production, renew the session.
    here = urlsplit(page.url).path  # the intake page sign-in led to
    loads: list[str] = []
    page.on("request", lambda r: loads.append(r.url) if r.is_navigation_request() else None)
    expect(page.get_by_role("status")).to_contain_text(
        "signed out after a period of inactivity", timeout=15_000
    )
    assert [urlsplit(url).path for url in loads].count(here) == 1, loads
    expect(page.get_by_role("link", name="Continue my intake")).to_have_count(0)
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_it_sends_what_was_typed_on_a_step_when_time_is_up_and_gives_it_back(
    open_page, patient, settings
):
    # Warned 2 seconds after the page loads, signed out 4 seconds later.
    settings.IDLE_TIMEOUT_PATIENT = timedelta(seconds=6)
    settings.IDLE_WARNING_BEFORE = timedelta(seconds=4)
    intake = Intake.objects.create(patient=patient, patient_name="Pat Jones")
    step = reverse("intake:step", args=[intake.pk, "about"])
    page = open_page("desktop")
    log_in(page, patient.email, PASSWORD, next_path=step)
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    preferred = page.get_by_label("What should we call you?")
    physician = page.get_by_label("Your GP or primary care doctor")
    preferred.fill("Typed, never saved")
    physician.fill("Dr Kept")

    # Nobody presses anything: when the time is up the page sends the form, once and with
    # no reload before it, and lands on the login page.
    loads: list[tuple[str, str]] = []
    sent: list[str] = []

    def note(request) -> None:
        if request.is_navigation_request():
            loads.append((request.method, urlsplit(request.url).path))
            if request.method == "POST":
                sent.append(request.post_data)

    page.on("request", note)
    expect(page.get_by_role("status")).to_contain_text(
        "signed out after a period of inactivity", timeout=15_000
    )
    assert loads == [("POST", step), ("GET", reverse("login"))], loads
    # Sent as "Save and finish later", which saves without moving on, were it processed.
    assert "action=save" in sent[0].split("&")
    assert AuditEvent.objects.filter(actor=patient, action=AuditEvent.Action.IDLE_LOGOUT).exists()
    # Parked, not saved: the late post neither counted as a press of its button nor renewed
    # the session.
    intake.refresh_from_db()
    assert intake.answers == {}

    page.get_by_label("Email address").fill(patient.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    expect(preferred).to_have_value("Typed, never saved")
    expect(physician).to_have_value("Dr Kept")
