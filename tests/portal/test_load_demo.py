"""`manage.py load_demo`: the demo accounts the README documents, put back as documented
every time it runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertRedirects

from portal import roles
from portal.models import User

DEMO_PASSWORD = "demo-pass-2026!"
DEMO_KEY_HEX = "3132333435363738393031323334353637383930"
ACCOUNTS = {
    "patient@demo.clinic": (roles.PATIENT, False),
    "practitioner@demo.clinic": (roles.PRACTITIONER, True),
    "admin@demo.clinic": (roles.ADMIN, True),
}

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_it_prints_the_accounts_and_their_password():
    output = load_demo()
    assert DEMO_PASSWORD in output
    for email in ACCOUNTS:
        assert email in output
    assert "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in output  # the published key, in base32


def test_it_creates_each_account_with_its_role_and_password():
    load_demo()
    for email, (role, staff) in ACCOUNTS.items():
        user = User.objects.get(email=email)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff is staff
        assert user.is_active
        assert user.check_password(DEMO_PASSWORD)


def test_it_gives_staff_a_confirmed_device_with_the_published_key():
    load_demo()
    for email, (_role, staff) in ACCOUNTS.items():
        devices = TOTPDevice.objects.filter(user__email=email)
        if staff:
            device = devices.get()
            assert device.confirmed
            assert device.key == DEMO_KEY_HEX
        else:
            assert not devices.exists()


def test_it_lets_the_demo_practitioner_through_both_factors(client):
    load_demo()
    response = client.post(
        reverse("login"), {"username": "practitioner@demo.clinic", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    code = totp(bytes.fromhex(DEMO_KEY_HEX), step=30, t0=0, digits=6, drift=0)
    response = client.post(reverse("otp_verify"), {"token": f"{code:06d}"})
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)
    assertRedirects(client.get(reverse("home")), reverse("intake:dashboard"))


def test_it_puts_changed_accounts_back_when_run_again():
    load_demo()
    patient = User.objects.get(email="patient@demo.clinic")
    patient.set_password("someone-changed-it-123")
    patient.is_active = False
    patient.save()
    practitioner = User.objects.get(email="practitioner@demo.clinic")
    practitioner.set_password("another-new-password-456")
    practitioner.save()
    practitioner.groups.set([Group.objects.get(name=roles.ADMIN)])
    TOTPDevice.objects.filter(user=practitioner).update(
        key="00" * 20, confirmed=False, throttling_failure_count=9
    )

    output = load_demo()

    assert DEMO_PASSWORD in output
    assert User.objects.filter(email__endswith="@demo.clinic").count() == 3
    patient.refresh_from_db()
    assert patient.check_password(DEMO_PASSWORD)
    assert patient.is_active
    practitioner.refresh_from_db()
    assert practitioner.check_password(DEMO_PASSWORD)
    assert list(practitioner.groups.values_list("name", flat=True)) == [roles.PRACTITIONER]
    device = TOTPDevice.objects.get(user=practitioner)
    assert (device.key, device.confirmed, device.throttling_failure_count) == (
        DEMO_KEY_HEX,
        True,
        0,
    )


def test_it_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="development databases only"):
        load_demo()
    assert not User.objects.filter(email__endswith="@demo.clinic").exists()
