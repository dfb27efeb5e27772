"""The second factor belongs to one session and one device (docs/security.md S7): signing in
again asks for a code again, and deleting the device ends its verification at once."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers import PASSWORD, current_code


def sign_in_with_code(client: Client, user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="phone", confirmed=True)
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    response = client.post(reverse("otp_verify"), {"token": current_code(device)})
    assert response.status_code == 302
    return device


def test_it_asks_for_a_code_again_after_logging_out_and_in(practitioner):
    client = Client()
    sign_in_with_code(client, practitioner)
    assert client.get(reverse("intake:dashboard")).status_code == 200

    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": practitioner.email, "password": PASSWORD})
    response = client.get(reverse("intake:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))


def test_it_does_not_carry_verification_to_a_second_browser(practitioner):
    sign_in_with_code(Client(), practitioner)
    other = Client()
    other.post(reverse("login"), {"username": practitioner.email, "password": PASSWORD})
    assert other.get(reverse("intake:dashboard"))["Location"].startswith(reverse("otp_verify"))


def test_it_stops_trusting_a_session_whose_device_was_deleted(practitioner):
    client = Client()
    device = sign_in_with_code(client, practitioner)
    assert client.get(reverse("intake:dashboard")).status_code == 200

    device.delete()
    response = client.get(reverse("intake:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
    export = client.get(reverse("intake:intake_export", args=[1]))
    assert export.status_code == 302


def test_it_stops_trusting_an_admin_whose_device_was_deleted(admin_user):
    client = Client()
    device = sign_in_with_code(client, admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    device.delete()
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


def test_it_stops_trusting_a_device_that_is_no_longer_confirmed(practitioner):
    client = Client()
    device = sign_in_with_code(client, practitioner)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    response = client.get(reverse("intake:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
