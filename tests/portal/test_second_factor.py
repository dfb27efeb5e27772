"""Staff must pass a TOTP second factor before any staff page (SECURITY.md S7)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains

from tests.conftest import PASSWORD


def password_login(client: Client, user) -> None:
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


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
    response = client.post(reverse("otp_setup"), {"token": current_code(device)})
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
