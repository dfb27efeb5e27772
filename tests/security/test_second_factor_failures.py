"""Wrong second-factor codes are audited and count towards the lockout like wrong
passwords; the trail records a login only once the second factor has passed (S25)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent
from tests.helpers import PASSWORD, current_code

A = AuditEvent.Action


@pytest.fixture
def device(practitioner) -> TOTPDevice:
    return TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)


def password_step(client: Client, user) -> None:
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


def actions_of(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=user).order_by("at", "pk").values_list("action", flat=True)
    )


def test_it_records_a_login_only_when_the_second_factor_passes(client, practitioner, device):
    password_step(client, practitioner)
    assert A.LOGIN not in actions_of(practitioner)
    assert actions_of(practitioner) == [A.PASSWORD_OK]

    client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    assert actions_of(practitioner) == [A.PASSWORD_OK, A.OTP_FAILED]

    device.throttling_failure_count = 0  # the device's own back-off, not what is tested here
    device.save()
    client.post(reverse("otp_verify"), {"token": current_code(device)})
    assert actions_of(practitioner) == [A.PASSWORD_OK, A.OTP_FAILED, A.LOGIN]


def test_it_still_records_a_login_at_once_for_a_patient_without_a_device(client, patient):
    password_step(client, patient)
    assert actions_of(patient) == [A.LOGIN]


def test_it_locks_the_account_after_five_wrong_codes(client, practitioner, device, settings):
    password_step(client, practitioner)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("otp_verify"), {"token": wrong_code(device)})
        assert response.status_code == 200
    response = client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    assert response.status_code == 429
    # The half-signed-in session is over, and the password alone no longer opens one.
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("login"), {"username": practitioner.email, "password": PASSWORD})
    assert response.status_code == 429
    # Nor does a second browser get round it.
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    response = elsewhere.post(
        reverse("login"), {"username": practitioner.email, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_it_counts_wrong_codes_and_wrong_passwords_together(client, practitioner, device, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        client.post(reverse("login"), {"username": practitioner.email, "password": "wrong-one"})
    password_step(client, practitioner)
    client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    response = client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    assert response.status_code == 429


def test_it_does_not_forget_wrong_codes_when_the_password_is_typed_again(
    client, practitioner, device, settings
):
    """Passing the password alone must not wipe the count: otherwise signing in again
    between guesses would give unlimited tries at the code."""
    password_step(client, practitioner)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    client.post(reverse("logout"))
    password_step(client, practitioner)
    response = client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    assert response.status_code == 429


def test_it_forgets_the_failures_once_the_second_factor_passes(
    client, practitioner, device, settings
):
    password_step(client, practitioner)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    client.post(reverse("otp_verify"), {"token": current_code(device)})
    client.post(reverse("logout"))
    password_step(client, practitioner)
    response = client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    assert response.status_code == 200
