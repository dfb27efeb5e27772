"""The page types the other browser tests do not photograph at both widths: sign-up and
its errors, every wizard step with its errors, the patient's own pages, each check-in step
with its errors and both kinds of urgent help, the practitioner's check-in page, the source
list, adverse events and a patient's trend for staff, the appointments pages on a phone,
the staff pages' wrong-code state. With the tests named in `make screenshots` they put
every page type in test-artifacts/screenshots/ at 390 and 1280 px, each one also checked by
axe-core (zero serious or critical violations) and for sideways scrolling on the phone.

The pictures are for a person to look at: a green run says the pages are accessible, not
that they look right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from appointments.models import Appointment
from intake import steps
from intake.models import AdverseEvent, Intake
from tests.browser.browser_support import (
    PATIENT_PASSWORD,
    answers_for,
    authenticator_for,
    check_page,
    filled_intake,
    invite_patient,
    log_in,
    log_in_staff,
)
from tests.browser.test_urgent_help import answer_red_flags
from tests.factories import AppointmentFactory, ScoredCheckInFactory, ScoredIntakeFactory
from tests.helpers import (
    CHECK_IN_VALID,
    PASSWORD,
    book_follow_up,
    medicine_changes,
    registration_link,
)

pytestmark = pytest.mark.browser

VIEWPORTS = ("phone", "desktop")
NEXT = "Save and continue"
EMAIL = "hq@example.com"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_sign_up_and_its_errors(open_page, viewport):
    page = open_page(viewport)
    page.goto(reverse("intake:register"))
    page.get_by_role("button", name="Email me the link").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_page(page, "register-errors")

    page.get_by_label("Your full name").fill("Nell Newcomer")
    page.get_by_label("Email address").fill(f"nell-{viewport}@example.com")
    page.get_by_role("button", name="Email me the link").click()
    check_page(page, "register-sent")

    page.goto(registration_link(f"nell-{viewport}@example.com"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "register-password")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_wizard_step_with_errors(open_page, practitioner, viewport):
    """Each step sent empty: the error summary and the messages by the fields (a step that
    accepts no answer at all has no errors state to photograph). Then its answers go in
    through the test client, since a step opens only once those before it are done."""
    _, link = invite_patient(practitioner, name="Esme Empty", email="esme@example.com")
    page = open_page(viewport)
    page.goto(link)
    page.get_by_label("Choose a password").fill(PATIENT_PASSWORD)
    page.get_by_label("Type the same password again").fill(PATIENT_PASSWORD)
    page.get_by_role("button", name="Save password and start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    intake = Intake.objects.get(patient__email="esme@example.com")
    client = page_client(page)
    for step in steps.FORM_STEPS:
        page.goto(step.url(intake))
        expect(page.get_by_role("heading", level=1)).to_have_text(step.title)
        page.get_by_role("button", name=NEXT).click()
        if page.locator(".error-summary").count():
            check_page(page, f"step-{step.identifier.replace('_', '-')}-errors")
        answers = {**answers_for("Esme Empty")[step.identifier], "action": "next"}
        assert client.post(step.url(intake), answers).status_code == 302, step.identifier


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_patients_own_pages(open_page, practitioner, patient, viewport):
    page = open_page(viewport)
    log_in(page, patient.email, PASSWORD, next_path=reverse("password_change"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "password-change")

    # A patient with a history: the submitted intake shows the trend over the check-ins.
    first = ScoredIntakeFactory(patient=patient, peg=(7, 7, 7))
    first.submitted_at = timezone.now() - timedelta(days=60)
    first.save()
    for days_ago, peg in ((40, (6, 7, 6)), (20, (5, 5, 4))):
        check_in = ScoredCheckInFactory(patient=patient, peg=peg)
        check_in.submitted_at = timezone.now() - timedelta(days=days_ago)
        check_in.save()
    page.goto(reverse("intake:submitted", args=[first.pk]))
    expect(page.get_by_role("heading", name="Your pain over time")).to_be_visible()
    check_page(page, "my-intake-history")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_check_in_with_its_errors_and_urgent_help(open_page, practitioner, viewport):
    """test_check_in.py walks a check-in on a phone; here each step is photographed as it
    opens and sent empty, then answered through the test client. The red-flag step is
    answered in the browser: once with an urgent answer, once with an emergency, so that the
    next page opens with each kind of urgent help."""
    intake = filled_intake(practitioner, email=EMAIL)
    check_in = book_follow_up(intake.patient, practitioner).intake
    page = open_page(viewport)
    log_in(page, EMAIL, PATIENT_PASSWORD, next_path="/intake/")
    client = page_client(page)
    for step in steps.CHECK_IN_FORM_STEPS:
        if not step.is_applicable(Intake.objects.get(pk=check_in.pk)):
            continue
        page.goto(step.url(check_in))
        expect(page.get_by_role("heading", level=1)).to_have_text(step.title)
        name = f"check-in-{step.identifier.replace('_', '-')}"
        check_page(page, name)
        if step.identifier == "red_flags":
            answer_red_flags(page, ("Pain and swelling in one calf",))
            expect(page.get_by_role("alert")).to_be_focused()
            check_page(page, "urgent-help-urgent")
            page.goto(step.url(check_in))
            answer_red_flags(page, ("Numbness or a strange feeling",))
            expect(page.get_by_role("alert")).to_be_focused()
            check_page(page, "urgent-help-emergency")
            continue
        page.get_by_role("button", name=NEXT).click()
        if page.locator(".error-summary").count():
            check_page(page, f"{name}-errors")
        data = CHECK_IN_VALID.get(step.identifier) or medicine_changes(check_in.patient)
        assert client.post(step.url(check_in), {**data, "action": "next"}).status_code == 302

    page.goto(reverse("intake:review_answers", args=[check_in.pk]))
    check_page(page, "check-in-review")
    page.get_by_role("button", name="Submit my check-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your check-in has been sent")
    check_page(page, "check-in-submitted")

    staff = open_page(viewport)
    log_in_staff(staff, practitioner, PASSWORD, next_path=f"/practice/intakes/{check_in.pk}/")
    expect(staff.locator(".what-changed")).to_be_visible()
    check_page(staff, "check-in-practitioner")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_staff_pages_left(open_page, practitioner, admin_user, patient, viewport):
    first = ScoredIntakeFactory(patient=patient, peg=(7, 7, 7), practitioner=practitioner)
    first.submitted_at = timezone.now() - timedelta(days=60)
    first.save()
    for days_ago, peg in ((40, (6, 7, 6)), (20, (4, 4, 4))):
        check_in = ScoredCheckInFactory(patient=patient, peg=peg, practitioner=practitioner)
        check_in.submitted_at = timezone.now() - timedelta(days=days_ago)
        check_in.save()
    AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(days=1),
        status=Appointment.Status.BOOKED,
    )
    # Reactions reported on the last check-in, one with the visit unknown.
    for kind, by in (("bruising", practitioner), ("faint", practitioner), ("bruising", None)):
        AdverseEvent.objects.create(
            patient=patient, reported_in=check_in, practitioner=by, kind=kind, timing="same_day"
        )

    page = open_page(viewport)
    log_in_staff(page, practitioner, PASSWORD)
    page.goto(reverse("intake:patient_detail", args=[patient.pk]))
    expect(page.locator("svg.trend-chart")).to_be_visible()
    check_page(page, "patient-trend")

    page.goto(reverse("intake:sources"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "sources")

    page.goto(reverse("intake:adverse_events"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "adverse-events")

    page.goto(reverse("appointments:board"))
    check_page(page, "appointments-board")
    page.goto(reverse("appointments:new"))
    check_page(page, "appointment-new")
    page.goto(reverse("appointments:import"))
    check_page(page, "appointments-import")

    # The wrong-code state of the second factor.
    other = open_page(viewport)
    authenticator_for(admin_user)
    log_in(other, admin_user.email, PASSWORD)
    other.get_by_label("6-digit code from your authenticator app").fill("000000")
    other.get_by_role("button", name="Continue").click()
    expect(other.get_by_text("That code did not match")).to_be_visible()
    check_page(other, "two-step-error")


def page_client(page: Page):
    """Django's test client signed in as the browser's user (its session cookie), so that
    steps the test does not photograph are filled in quickly."""
    from django.test import Client

    client = Client()
    for cookie in page.context.cookies():
        client.cookies[cookie["name"]] = cookie["value"]
    return client
