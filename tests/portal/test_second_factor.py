"""A TOTP second factor: required for staff before any staff page, and for patients who
chose to enrol one (docs/security.md S7); where its pages send you next (S21)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertNotContains

from intake.models import Intake
from tests.helpers import PASSWORD, current_code, password_login


def test_it_sends_staff_without_a_device_to_enrol(client, practitioner):
    password_login(client, practitioner)
    response = client.get(reverse("intake:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


def test_it_enrols_a_device_with_a_valid_code_and_opens_the_workspace(client, practitioner):
    password_login(client, practitioner)
    page = client.get(reverse("otp_setup"))
    assertContains(page, "<svg")
    device = TOTPDevice.objects.get(user=practitioner, confirmed=False)
    response = client.post(
        reverse("otp_setup"), {"token": current_code(device), "password": PASSWORD}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("intake:dashboard")).status_code == 200


def test_it_rejects_a_wrong_code(client, practitioner):
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    password_login(client, practitioner)
    wrong = "000000" if current_code(device) != "000000" else "111111"
    response = client.post(reverse("otp_verify"), {"token": wrong})
    assertContains(response, "That code did not match")
    assert client.get(reverse("intake:dashboard")).status_code == 302


def test_it_asks_staff_with_a_device_for_a_code(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    password_login(client, admin_user)
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("otp_verify"))
    client.post(reverse("otp_verify"), {"token": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_it_keeps_a_verified_practitioner_out_of_the_admin(practitioner_client):
    response = practitioner_client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_it_lets_patients_in_without_a_second_factor(patient_client):
    assert patient_client.get(reverse("home")).status_code == 200


# Patients who chose a second factor ---------------------------------------------------------


def test_it_asks_an_enrolled_patient_for_a_code_before_any_intake_page(client, patient):
    device = TOTPDevice.objects.create(user=patient, name="phone", confirmed=True)
    intake = Intake.objects.create(patient=patient, patient_name="Pat Jones")
    password_login(client, patient)
    for page in (
        reverse("intake:my_intake"),
        reverse("intake:step", args=[intake.pk, "about"]),
        reverse("intake:review_answers", args=[intake.pk]),
        reverse("home"),
    ):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == f"{reverse('otp_verify')}?{urlencode({'next': page})}"
    # Nor can answers be posted.
    response = client.post(reverse("intake:step", args=[intake.pk, "about"]), {"action": "save"})
    assert response["Location"] == reverse("otp_verify")
    intake.refresh_from_db()
    assert intake.answers == {}

    response = client.post(
        reverse("otp_verify"), {"token": current_code(device), "next": reverse("intake:my_intake")}
    )
    assert response["Location"] == reverse("intake:my_intake")
    assert client.get(reverse("intake:my_intake")).status_code == 302  # on to the first step
    assert client.get(reverse("intake:step", args=[intake.pk, "about"])).status_code == 200


def test_it_asks_a_patient_for_the_code_from_the_sign_in_after_enrolling(client, patient):
    password_login(client, patient)
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=patient, confirmed=False)
    client.post(reverse("otp_setup"), {"token": current_code(device), "password": PASSWORD})
    assert client.get(reverse("intake:my_intake")).status_code == 200

    client.post(reverse("logout"))
    password_login(client, patient)
    response = client.get(reverse("intake:my_intake"))
    assert response["Location"].startswith(reverse("otp_verify"))


def test_it_signs_the_patient_out_elsewhere_on_enrolling_and_keeps_this_session(client, patient):
    elsewhere = Client()
    password_login(elsewhere, patient)
    assert elsewhere.get(reverse("home")).wsgi_request.user.is_authenticated
    password_login(client, patient)

    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=patient, confirmed=False)
    client.post(reverse("otp_setup"), {"token": current_code(device), "password": PASSWORD})

    # The other session was opened without the code: it ends, and signing in again asks for it.
    response = elsewhere.get(reverse("intake:my_intake"))
    assert not response.wsgi_request.user.is_authenticated
    assert response["Location"].startswith(reverse("login"))
    password_login(elsewhere, patient)
    assert elsewhere.get(reverse("intake:my_intake"))["Location"].startswith(reverse("otp_verify"))
    # The session that enrolled carries on, verified.
    assert client.get(reverse("intake:my_intake")).status_code == 200


def test_it_keeps_sessions_from_before_any_sign_out_elsewhere(patient):
    """Generation 0 is Django's own session hash, so adding the generation signed nobody out."""
    django_hash = salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
        patient.password,
        algorithm="sha256",
    ).hexdigest()
    assert patient.session_generation == 0
    assert patient.get_session_auth_hash() == django_hash
    patient.session_generation = 1
    assert patient.get_session_auth_hash() != django_hash


def test_it_lets_a_patient_in_whose_device_the_clinic_removed(client, patient):
    device = TOTPDevice.objects.create(user=patient, name="phone", confirmed=True)
    password_login(client, patient)
    assert client.get(reverse("intake:my_intake")).status_code == 302
    device.delete()
    assert client.get(reverse("intake:my_intake")).status_code == 200


# Where the second-factor pages send you next (docs/security.md S21) ------------------------------

OFF_SITE = ["//evil.example/", "/\\evil.example/", "javascript:alert(1)", "https://evil.example/x"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_it_never_redirects_off_site_after_verifying(client, practitioner, target):
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    password_login(client, practitioner)
    page = client.get(reverse("otp_verify"), {"next": target})
    assertContains(page, f'name="next" value="{reverse("home")}"')
    assertNotContains(page, "evil.example")
    response = client.post(reverse("otp_verify"), {"token": current_code(device), "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", OFF_SITE)
def test_it_never_redirects_off_site_after_enrolling(client, practitioner, target):
    password_login(client, practitioner)
    page = client.get(reverse("otp_setup"), {"next": target})
    assertContains(page, f'name="next" value="{reverse("home")}"')
    assertNotContains(page, "evil.example")
    device = TOTPDevice.objects.get(user=practitioner, confirmed=False)
    response = client.post(
        reverse("otp_setup"), {"token": current_code(device), "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_it_follows_a_next_inside_the_portal_after_verifying(client, practitioner):
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    password_login(client, practitioner)
    target = reverse("intake:dashboard")
    response = client.post(reverse("otp_verify"), {"token": current_code(device), "next": target})
    assert response["Location"] == target
