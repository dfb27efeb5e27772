"""Automatic logoff after inactivity (docs/security.md S4) and the response headers (S11)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from portal.middleware import LAST_SEEN_KEY, LOGIN_AT_KEY
from portal.models import AuditEvent
from tests.helpers import PASSWORD


def idle_for(client, minutes: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - minutes * 60
    session.save()


def signed_in_for(client, minutes: float) -> None:
    """Backdate the login, with the user active a moment ago."""
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - minutes * 60
    session[LAST_SEEN_KEY] = time.time() - 5
    session.save()


@pytest.mark.parametrize(("minutes", "signed_in"), [(14, True), (16, False)])
def test_it_signs_staff_out_after_fifteen_idle_minutes(practitioner_client, minutes, signed_in):
    practitioner_client.get(reverse("intake:dashboard"))
    idle_for(practitioner_client, minutes)
    response = practitioner_client.get(reverse("intake:dashboard"))
    if signed_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert ("_auth_user_id" in practitioner_client.session) is signed_in


@pytest.mark.parametrize(("minutes", "signed_in"), [(29, True), (31, False)])
def test_it_signs_patients_out_after_thirty_idle_minutes(patient_client, minutes, signed_in):
    patient_client.get(reverse("home"))
    idle_for(patient_client, minutes)
    patient_client.get(reverse("home"))
    assert ("_auth_user_id" in patient_client.session) is signed_in


def test_it_records_the_idle_logoff(patient_client, patient):
    patient_client.get(reverse("home"))
    idle_for(patient_client, 31)
    patient_client.get(reverse("home"))
    assert AuditEvent.objects.filter(actor=patient, action=AuditEvent.Action.IDLE_LOGOUT).exists()


def test_it_reports_time_left_without_counting_the_poll_as_activity(patient_client):
    patient_client.get(reverse("home"))
    idle_for(patient_client, 20)
    remaining = patient_client.get(reverse("session_status")).json()["remaining"]
    assert 9 * 60 - 5 <= remaining <= 10 * 60
    again = patient_client.get(reverse("session_status")).json()["remaining"]
    assert again <= remaining


def test_it_extends_the_session_on_keepalive(patient_client):
    patient_client.get(reverse("home"))
    idle_for(patient_client, 25)
    response = patient_client.post(reverse("keepalive"))
    assert response.json()["remaining"] == 30 * 60
    assert patient_client.get(reverse("session_status")).json()["remaining"] > 29 * 60


def test_it_shows_the_idle_warning_markup_to_signed_in_users(patient_client):
    body = patient_client.get(reverse("home")).content.decode()
    assert 'data-idle-timeout="1800"' in body
    assert 'id="idle-warning"' in body


def test_it_sends_security_headers_on_public_pages(client, db):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_it_forbids_caching_of_pages_for_signed_in_users(patient_client):
    response = patient_client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]


def test_it_sets_httponly_samesite_session_cookies(client, patient):
    client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_it_refreshes_the_last_seen_time_at_most_once_a_minute(patient_client):
    idle_for(patient_client, 0.5)
    stored = patient_client.session[LAST_SEEN_KEY]
    patient_client.get(reverse("home"))
    assert patient_client.session[LAST_SEEN_KEY] == stored

    idle_for(patient_client, 1.5)
    patient_client.get(reverse("home"))
    assert patient_client.session[LAST_SEEN_KEY] > time.time() - 5


def test_it_records_the_login_time_at_login(client, patient):
    before = time.time()
    client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert before <= client.session[LOGIN_AT_KEY] <= time.time()


@pytest.mark.parametrize("user", ["patient", "practitioner"])
@pytest.mark.parametrize(("minutes", "signed_in"), [(10 * 60 - 1, True), (10 * 60 + 1, False)])
def test_it_signs_out_at_the_absolute_limit_however_active(
    request, user, minutes, signed_in, patient_client, practitioner_client
):
    client = patient_client if user == "patient" else practitioner_client
    signed_in_for(client, minutes)
    response = client.get(reverse("home"))
    assert ("_auth_user_id" in client.session) is signed_in
    if not signed_in:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        actor = request.getfixturevalue(user)
        assert AuditEvent.objects.filter(
            actor=actor, action=AuditEvent.Action.SESSION_EXPIRED
        ).exists()
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.IDLE_LOGOUT).exists()
        page = client.get(response["Location"])
        assertContains(page, "sessions end after 10 hours")


def test_it_does_not_let_keepalive_pass_the_absolute_limit(patient_client):
    signed_in_for(patient_client, 10 * 60 - 2)
    remaining = patient_client.post(reverse("keepalive")).json()["remaining"]
    assert 100 <= remaining <= 120
    assert patient_client.get(reverse("session_status")).json()["remaining"] <= 120
    signed_in_for(patient_client, 10 * 60 + 1)
    patient_client.get(reverse("home"))
    assert patient_client.get(reverse("session_status")).json() == {"remaining": 0}


def test_it_starts_the_clock_for_a_session_from_before_login_times_were_kept(patient_client):
    session = patient_client.session
    del session[LOGIN_AT_KEY]
    session.save()
    assert patient_client.get(reverse("home")).status_code == 200
    assert patient_client.session[LOGIN_AT_KEY] > time.time() - 5


def test_it_renews_the_full_idle_time_on_keepalive_even_just_after_activity(patient_client):
    idle_for(patient_client, 0.5)
    response = patient_client.post(reverse("keepalive"))
    assert response.json()["remaining"] == 30 * 60


def test_it_leaves_ending_the_session_to_the_request_after_the_poll(patient_client):
    """Told that time is up, the page sends its form (idle-warning.js), and only a request
    that ends the session can park the answers: the poll must not have ended it first."""
    patient_client.get(reverse("home"))
    idle_for(patient_client, 31)
    stored = patient_client.session[LAST_SEEN_KEY]
    assert patient_client.get(reverse("session_status")).json() == {"remaining": 0}
    assert "_auth_user_id" in patient_client.session
    assert patient_client.session[LAST_SEEN_KEY] == stored

    response = patient_client.get(reverse("home"))
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in patient_client.session
