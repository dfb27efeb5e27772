"""An idle logoff or a stale CSRF token in the middle of a form loses nothing, and another
site cannot use the same path to plant answers (docs/security.md S4, S19)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from intake.models import Intake
from portal.middleware import LAST_SEEN_KEY, LOGIN_AT_KEY
from portal.models import AuditEvent
from portal.stash import STASH_KEY
from tests.factories import IntakeFactory
from tests.helpers import PASSWORD, TYPED, signed_in_with_csrf, step_url


@pytest.fixture
def intake(patient) -> Intake:
    return IntakeFactory(patient=patient)


def assert_signed_out_with_nothing_saved(
    client: Client, response, intake: Intake, *, audited_as: str
) -> None:
    """The post ended the session (recorded as `audited_as`) and went to the login page;
    the intake is untouched."""
    assert AuditEvent.objects.filter(actor=intake.patient, action=audited_as).exists()
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    intake.refresh_from_db()
    assert intake.answers == {}


def assert_answers_back_after_signing_in(client: Client, patient, intake: Intake) -> None:
    login = {"username": patient.email, "password": PASSWORD}
    if "csrftoken" in client.cookies:  # a browser that enforces CSRF (signed_in_with_csrf)
        login["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    client.post(reverse("login"), login)
    page = client.get(step_url(intake, "about"))
    assertContains(page, 'value="Typed before the break"')
    assertContains(page, 'value="Dr Kept"')


def test_it_keeps_a_step_posted_after_the_idle_limit_and_saves_it_after_login(
    patient_client, patient, intake
):
    patient_client.get(step_url(intake, "about"))
    session = patient_client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()

    response = patient_client.post(step_url(intake, "about"), {**TYPED, "action": "next"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    intake.refresh_from_db()
    assert intake.answers == {}
    assert "_auth_user_id" not in patient_client.session

    response = patient_client.post(
        reverse("login"), {"username": patient.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    page = patient_client.get(step_url(intake, "about"))
    assertContains(page, 'value="Typed before the break"')
    assertContains(page, 'value="Dr Kept"')
    assertContains(page, 'value="07700 900123"')

    response = patient_client.post(step_url(intake, "about"), {**TYPED, "action": "next"})
    assertRedirects(response, step_url(intake, "pain"))
    intake.refresh_from_db()
    assert intake.answers["about"]["preferred_name"] == "Typed before the break"
    assert intake.completed_steps == ["about"]


def test_it_keeps_a_step_posted_after_the_absolute_limit_and_saves_it_after_login(
    patient_client, patient, intake
):
    """Busy all along, but signed in more than ten hours ago: the session ends, the
    answers being sent are kept for after the next login, exactly as after idling."""
    patient_client.get(step_url(intake, "about"))
    session = patient_client.session
    session[LOGIN_AT_KEY] = time.time() - (10 * 60 + 1) * 60
    session[LAST_SEEN_KEY] = time.time() - 5
    session.save()

    response = patient_client.post(step_url(intake, "about"), {**TYPED, "action": "next"})
    assert_signed_out_with_nothing_saved(
        patient_client, response, intake, audited_as=AuditEvent.Action.SESSION_EXPIRED
    )

    assert_answers_back_after_signing_in(patient_client, patient, intake)
    response = patient_client.post(step_url(intake, "about"), {**TYPED, "action": "next"})
    assertRedirects(response, step_url(intake, "pain"))
    intake.refresh_from_db()
    assert intake.answers["about"]["physician"] == "Dr Kept"


def left_open_for(client: Client, hours: float) -> None:
    """Wind the session back as if the patient had signed in, opened the page and left it
    there for `hours`: the login, the last activity and the session row's last save."""
    then = time.time() - hours * 3600
    session = client.session
    session[LOGIN_AT_KEY] = then
    session[LAST_SEEN_KEY] = then
    session.save()
    # Django dates a session row's expiry from its last save, which was `hours` ago too.
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=F("expire_date") - timedelta(hours=hours)
    )


def test_it_keeps_a_step_sent_the_morning_after_from_a_page_left_open_overnight(
    patient_client, patient, intake
):
    """Eleven hours after the login the session must end, but the post has to arrive still
    tied to the patient: only then can the answers be parked for them."""
    patient_client.get(step_url(intake, "about"))
    left_open_for(patient_client, 11)

    response = patient_client.post(step_url(intake, "about"), {**TYPED, "action": "next"})
    assert_signed_out_with_nothing_saved(
        patient_client, response, intake, audited_as=AuditEvent.Action.SESSION_EXPIRED
    )

    assert_answers_back_after_signing_in(patient_client, patient, intake)


def test_it_gives_parked_answers_only_to_the_same_patient(patient_client, intake, other_patient):
    session = patient_client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()
    patient_client.post(step_url(intake, "about"), {**TYPED, "action": "next"})
    # Someone else signs in on the same browser: the parked answers are not theirs.
    patient_client.post(reverse("login"), {"username": other_patient.email, "password": PASSWORD})
    theirs = IntakeFactory(patient=other_patient)
    assertNotContains(patient_client.get(step_url(theirs, "about")), "Typed before the break")


def test_it_keeps_the_answers_when_the_csrf_token_is_stale(patient, intake):
    client = signed_in_with_csrf(patient)
    client.get(step_url(intake, "about"))
    data = {**TYPED, "action": "next", "csrfmiddlewaretoken": "stale" * 8}

    response = client.post(step_url(intake, "about"), data)
    assertRedirects(response, step_url(intake, "about"), fetch_redirect_response=False)
    intake.refresh_from_db()
    assert intake.answers == {}
    assert intake.completed_steps == []

    page = client.get(step_url(intake, "about"))
    assertContains(page, "open for a long time")
    assertContains(page, 'value="Typed before the break"')
    assertContains(page, 'value="Dr Kept"')
    intake.refresh_from_db()
    assert intake.answers == {}

    # Sent again with the fresh token from the page, the answers are saved.
    token = client.cookies["csrftoken"].value
    response = client.post(
        step_url(intake, "about"), {**TYPED, "action": "next", "csrfmiddlewaretoken": token}
    )
    assertRedirects(response, step_url(intake, "pain"), fetch_redirect_response=False)
    intake.refresh_from_db()
    assert intake.answers["about"]["physician"] == "Dr Kept"


def post_stale_after_idling(client: Client, intake: Intake):
    """Both at once: a stale token, 31 minutes after the last activity. The CSRF check
    refuses the post before the idle logoff can see it."""
    client.get(step_url(intake, "about"))
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()
    data = {**TYPED, "action": "next", "csrfmiddlewaretoken": "stale" * 8}
    return client.post(step_url(intake, "about"), data, follow=True)


def test_it_keeps_the_answers_when_the_token_is_stale_and_the_session_idle(patient, intake):
    client = signed_in_with_csrf(patient)
    response = post_stale_after_idling(client, intake)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assertContains(response, "signed out after a period of inactivity")
    # Only that: the stale-page notice ("your answers are below") is for a patient still
    # signed in, not for one looking at the login page.
    assertNotContains(response, "open for a long time")
    assert "_auth_user_id" not in client.session
    intake.refresh_from_db()
    assert intake.answers == {}

    assert_answers_back_after_signing_in(client, patient, intake)


def test_it_keeps_the_answers_when_the_token_is_stale_and_the_session_too_old(patient, intake):
    client = signed_in_with_csrf(patient)
    client.get(step_url(intake, "about"))
    left_open_for(client, 11)
    data = {**TYPED, "action": "next", "csrfmiddlewaretoken": "stale" * 8}

    response = client.post(step_url(intake, "about"), data, follow=True)
    assertContains(response, "sessions end after 10 hours")
    assertNotContains(response, "open for a long time")
    assert AuditEvent.objects.filter(
        actor=patient, action=AuditEvent.Action.SESSION_EXPIRED
    ).exists()
    assert_answers_back_after_signing_in(client, patient, intake)


def test_it_keeps_the_answers_when_the_idle_limit_passes_just_after_a_stale_token(patient, intake):
    """The stale post is parked while the session is still good, and the limit passes
    before the reload that should give the answers back: the sign-out keeps them."""
    client = signed_in_with_csrf(patient)
    client.get(step_url(intake, "about"))
    data = {**TYPED, "action": "next", "csrfmiddlewaretoken": "stale" * 8}
    response = client.post(step_url(intake, "about"), data)
    assertRedirects(response, step_url(intake, "about"), fetch_redirect_response=False)
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()

    response = client.get(step_url(intake, "about"))
    assert response["Location"].startswith(reverse("login"))
    assert_answers_back_after_signing_in(client, patient, intake)


def test_it_gives_answers_kept_through_a_stale_token_only_to_the_same_patient(
    patient, intake, other_patient
):
    client = signed_in_with_csrf(patient)
    post_stale_after_idling(client, intake)
    # Kept for Pat in this browser, when someone else signs in on it.
    assert client.session[STASH_KEY]["user_id"] == patient.pk

    token = client.cookies["csrftoken"].value
    client.post(
        reverse("login"),
        {"username": other_patient.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    theirs = IntakeFactory(patient=other_patient)
    assertNotContains(client.get(step_url(theirs, "about")), "Typed before the break")


def test_it_refuses_and_does_not_park_a_cross_origin_post(patient, intake):
    client = signed_in_with_csrf(patient)
    client.get(step_url(intake, "about"))
    token = client.cookies["csrftoken"].value
    planted = {**TYPED, "preferred_name": "Planted by evil", "csrfmiddlewaretoken": token}

    response = client.post(step_url(intake, "about"), planted, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assertContains(response, "Please try that again", status_code=403)
    intake.refresh_from_db()
    assert intake.answers == {}
    assertNotContains(client.get(step_url(intake, "about")), "Planted by evil")


def test_it_does_not_park_a_stale_post_to_a_page_that_takes_no_answers(patient, intake):
    client = signed_in_with_csrf(patient)
    response = client.post(reverse("keepalive"), {"csrfmiddlewaretoken": "stale" * 8})
    assert response.status_code == 403
    assert "_unsaved_answers" not in client.session
