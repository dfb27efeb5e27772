"""Where signing in leads each role, and what a throttled second factor says (issue 17)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertNotContains

from tests.helpers import PASSWORD, current_code, password_login

pytestmark = pytest.mark.django_db


def sign_in_from_the_home_page(client, user):
    """The header's "Log in" link carries no page to return to."""
    return client.post(reverse("login"), {"username": user.email, "password": PASSWORD})


def test_a_patient_signing_in_from_the_home_page_goes_to_their_intake(client, patient):
    response = sign_in_from_the_home_page(client, patient)
    assert response["Location"] == reverse("intake:my_intake")


def test_a_patient_signing_in_with_a_page_to_return_to_goes_there(client, patient):
    target = reverse("guide:index")
    response = client.post(
        f"{reverse('login')}?next={target}", {"username": patient.email, "password": PASSWORD}
    )
    assert response["Location"] == target


def test_an_admin_signing_in_lands_on_the_admin_not_the_patients_home(client, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    response = sign_in_from_the_home_page(client, admin_user)
    assert response["Location"] == reverse("admin:index")
    # The second factor comes first, then the same page.
    second = client.get(response["Location"])
    assert second["Location"].startswith(reverse("otp_verify"))
    verified = client.post(second["Location"], {"token": current_code(device)})
    assert verified["Location"] == reverse("admin:index")
    assert client.get(verified["Location"]).status_code == 200


def test_a_verified_admin_opening_the_home_page_is_taken_to_the_admin(admin_client_verified):
    response = admin_client_verified.get(reverse("home"))
    assert response["Location"] == reverse("admin:index")


def test_a_practitioner_signing_in_lands_on_the_intake_list(client, practitioner):
    response = sign_in_from_the_home_page(client, practitioner)
    assert response["Location"] == reverse("intake:dashboard")


def test_the_home_page_still_welcomes_a_signed_in_patient(patient_client):
    assertContains(patient_client.get(reverse("home")), "Continue my intake")


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


def test_a_right_code_just_after_a_wrong_one_is_told_to_wait_and_for_how_long(client, practitioner):
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    password_login(client, practitioner)
    first = client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    assertContains(first, "That code did not match")
    # At once, before django-otp's one-second back-off is over: the code is not checked.
    response = client.post(reverse("otp_verify"), {"token": current_code(device)})
    assertNotContains(response, "did not match")
    assertContains(response, "That code was not checked")
    assertContains(response, "Wait 1 second, then enter the code your app shows")


def test_the_wait_named_grows_with_each_wrong_code(client, practitioner):
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    password_login(client, practitioner)
    client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    # Three wrong codes in a row mean a four-second wait (1, 2, 4 …).
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=3)
    response = client.post(reverse("otp_verify"), {"token": current_code(device)})
    assertContains(response, "Wait 4 seconds")


def test_enrolling_says_the_same_after_a_wrong_code(client, practitioner):
    password_login(client, practitioner)
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=practitioner, confirmed=False)
    client.post(reverse("otp_setup"), {"token": wrong_code(device), "password": PASSWORD})
    response = client.post(
        reverse("otp_setup"), {"token": current_code(device), "password": PASSWORD}
    )
    assertContains(response, "That code was not checked")
    device.refresh_from_db()
    assert not device.confirmed
