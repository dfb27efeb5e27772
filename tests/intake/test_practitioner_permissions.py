"""Who may open each page of the practitioner workspace (docs/security.md S1, S2, S7, S9)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertRedirects

from intake.models import Intake, ScreeningRun
from portal import roles
from tests.factories import ScreeningRunFactory, SubmittedIntakeFactory
from tests.helpers import make_user, sign_in

# Every workspace URL: (name, takes a pk, methods that serve a page).
WORKSPACE = [
    ("dashboard", False, {"GET", "POST"}),
    ("new_invitation", False, {"GET", "POST"}),
    ("intake_detail", True, {"GET"}),
    ("intake_print", True, {"GET"}),
    ("intake_export", True, {"GET"}),
    ("intake_screening_export", True, {"GET"}),
    ("review", True, {"GET", "POST"}),
    ("rescreen", True, {"POST"}),
]
CASES = [(name, pk, method) for name, pk, methods in WORKSPACE for method in ("GET", "POST")]


@pytest.fixture
def intake(patient) -> Intake:
    intake = SubmittedIntakeFactory(patient=patient)
    ScreeningRunFactory(intake=intake)
    return intake


def url_for(name: str, takes_pk: bool, intake: Intake) -> str:
    return reverse(f"intake:{name}", args=[intake.pk] if takes_pk else [])


def call(client: Client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize(("name", "takes_pk", "method"), CASES)
def test_it_sends_anonymous_visitors_to_login(client, intake, name, takes_pk, method):
    url = url_for(name, takes_pk, intake)
    response = call(client, method, url)
    assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)


@pytest.mark.parametrize(("name", "takes_pk", "method"), CASES)
def test_it_forbids_the_patient_who_owns_the_intake(patient_client, intake, name, takes_pk, method):
    response = call(patient_client, method, url_for(name, takes_pk, intake))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "takes_pk", "method"), CASES)
def test_it_forbids_another_patient(client, other_patient, intake, name, takes_pk, method):
    client.force_login(other_patient)
    response = call(client, method, url_for(name, takes_pk, intake))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "takes_pk", "methods"), WORKSPACE)
def test_it_serves_practitioners_and_refuses_other_methods(
    practitioner_client, intake, name, takes_pk, methods
):
    staff = practitioner_client
    url = url_for(name, takes_pk, intake)
    if "GET" in methods:
        assert staff.get(url).status_code == 200
    else:
        # State changes never happen on GET (docs/security.md S9).
        assert staff.get(url).status_code == 405
    assert staff.put(url).status_code == 405


@pytest.mark.parametrize(("name", "methods"), [(n, m) for n, pk, m in WORKSPACE if pk])
def test_it_gives_404_for_an_unknown_intake(practitioner_client, intake, name, methods):
    url = reverse(f"intake:{name}", args=[intake.pk + 1000])
    method = "GET" if "GET" in methods else "POST"
    assert call(practitioner_client, method, url).status_code == 404


@pytest.mark.parametrize(("name", "takes_pk", "methods"), WORKSPACE)
def test_it_keeps_admins_out_of_patients_intakes(
    admin_client_verified, intake, name, takes_pk, methods
):
    # Admins edit the guide and the consent text and manage accounts (docs/security.md S2).
    url = url_for(name, takes_pk, intake)
    for method in methods:
        assert call(admin_client_verified, method, url).status_code == 403


def test_it_lets_an_admin_who_is_also_a_practitioner_in(admin_user, intake):
    admin_user.groups.add(Group.objects.get(name=roles.PRACTITIONER))
    client = sign_in(Client(), admin_user)
    assert client.get(url_for("intake_detail", True, intake)).status_code == 200


def test_it_sends_staff_without_a_second_factor_to_set_one_up(practitioner, intake):
    client = Client()
    client.force_login(practitioner)
    response = client.get(reverse("intake:intake_detail", args=[intake.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


def test_it_asks_staff_with_an_unverified_device_for_a_code(practitioner, intake):
    TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    client = Client()
    client.force_login(practitioner)
    response = client.get(reverse("intake:intake_detail", args=[intake.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_verify"))


def test_it_forbids_staff_who_are_neither_practitioner_nor_admin(db, intake):
    clerk = make_user("clerk@example.com", role="patient", full_name="Cleo Clerk", staff=True)
    client = sign_in(Client(), clerk)
    assert client.get(reverse("intake:dashboard")).status_code == 403
    assert client.get(reverse("intake:intake_detail", args=[intake.pk])).status_code == 403


def test_it_requires_csrf_on_state_changes(practitioner, intake):
    client = sign_in(Client(enforce_csrf_checks=True), practitioner)
    response = client.post(reverse("intake:rescreen", args=[intake.pk]))
    assert response.status_code == 403
    assert ScreeningRun.objects.filter(intake=intake).count() == 1
