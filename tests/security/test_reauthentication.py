"""Changing how an account signs in needs its password again, and its owner hears of it
(S23): enrolling an authenticator, changing the password (ASVS V6.2.2: the current
password, and the account's other sessions end). A clinic admin can reset a patient's
second factor, on the record."""

from __future__ import annotations

from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains

from portal.models import AuditEvent
from tests.helpers import PASSWORD, current_code, password_login, sign_in
from tests.mailqueue import deliver

A = AuditEvent.Action
NEW_PASSWORD = "a-fresh-and-long-passphrase-77"


def enrol(client: Client, user, **extra):
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(reverse("otp_setup"), {"token": current_code(device), **extra})


# Enrolling an authenticator ------------------------------------------------------------


def test_it_does_not_enrol_a_device_without_the_password(client, patient):
    password_login(client, patient)
    response = enrol(client, patient)
    assertContains(response, "Enter your password")
    assert not TOTPDevice.objects.filter(user=patient, confirmed=True).exists()


def test_it_does_not_enrol_a_device_with_a_wrong_password(client, patient):
    password_login(client, patient)
    response = enrol(client, patient, password="not-my-password")
    assertContains(response, "That is not the password of this account")
    assert not TOTPDevice.objects.filter(user=patient, confirmed=True).exists()
    assert AuditEvent.objects.filter(action=A.LOGIN_FAILED).exists()


def test_it_counts_wrong_passwords_on_enrolling_towards_the_lockout(client, patient, settings):
    password_login(client, patient)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = enrol(client, patient, password="not-my-password")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_enrols_with_the_password_and_tells_the_owner_by_email(client, patient):
    password_login(client, patient)
    mail.outbox.clear()
    response = enrol(client, patient, password=PASSWORD)
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=patient, confirmed=True).exists()
    assert AuditEvent.objects.filter(actor=patient, action=A.OTP_ADDED).exists()
    deliver()
    assert [message.to for message in mail.outbox] == [[patient.email]]
    body = mail.outbox[0].body
    assert "authenticator" in body
    assert "If this was not you" in body
    assert f"call the clinic on {settings.CLINIC_PHONE} ({settings.CLINIC_HOURS})" in body
    assert "Pat" not in body  # nothing about the person or their intake, just the account


# Changing the password ------------------------------------------------------------------


def test_it_offers_a_password_change_page_to_signed_in_users(patient_client):
    response = patient_client.get(reverse("password_change"))
    assertContains(response, "Current password")
    assert "no-store" in response["Cache-Control"]


def test_it_sends_anonymous_visitors_to_sign_in_before_changing_a_password(client, db):
    response = client.get(reverse("password_change"))
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_a_password_change_without_the_current_password(patient_client, patient):
    response = patient_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assertContains(response, "That is not the password of this account")
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)


def test_it_changes_the_password_and_signs_out_every_other_session(patient):
    here = sign_in(Client(), patient)
    elsewhere = sign_in(Client(), patient)
    mail.outbox.clear()

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)
    assert here.get(reverse("intake:my_intake")).wsgi_request.user.is_authenticated
    assert not elsewhere.get(reverse("intake:my_intake")).wsgi_request.user.is_authenticated
    assert AuditEvent.objects.filter(actor=patient, action=A.PASSWORD_CHANGED).exists()
    deliver()
    assert [message.to for message in mail.outbox] == [[patient.email]]
    assert NEW_PASSWORD not in mail.outbox[0].body


# The clinic resets a patient's second factor -------------------------------------------


def reset_second_factor(client: Client, *users):
    return client.post(
        reverse("admin:portal_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [u.pk for u in users]},
    )


def test_it_lets_an_admin_reset_a_patients_second_factor(
    admin_client_verified, admin_user, patient
):
    TOTPDevice.objects.create(user=patient, name="planted by a thief", confirmed=True)
    thief = sign_in(Client(), patient)
    mail.outbox.clear()

    response = reset_second_factor(admin_client_verified, patient)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=patient).exists()
    # Whoever enrolled the device is signed out with it.
    assert not thief.get(reverse("intake:my_intake")).wsgi_request.user.is_authenticated
    event = AuditEvent.objects.get(action=A.OTP_RESET)
    assert (event.actor, event.object_type, event.object_id) == (
        admin_user,
        "portal.user",
        str(patient.pk),
    )
    deliver()
    assert [message.to for message in mail.outbox] == [[patient.email]]


def test_it_leaves_staff_second_factors_to_a_superuser(admin_client_verified, practitioner):
    TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    reset_second_factor(admin_client_verified, practitioner)
    assert TOTPDevice.objects.filter(user=practitioner).exists()
    assert not AuditEvent.objects.filter(action=A.OTP_RESET).exists()
