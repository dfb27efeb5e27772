"""Signing up: the name given when registering (or on the invitation) is already in the
About-you step; a sign-up or password form with errors opens with a summary of them, each a
link to its field."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from intake.models import Intake
from tests.helpers import (
    NEW_PASSWORD,
    PATIENT_NAME,
    VALID,
    accept,
    invite,
    post_step,
    registration_link,
    self_register,
    sign_in,
    step_url,
)


def summary_links(response) -> list[tuple[str, str]]:
    html = response.content.decode()
    found = re.search(
        r'<div class="alert alert-danger error-summary" id="error-summary".*?</div>', html, re.S
    )
    assert found, "no error summary"
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', found.group(0))


def test_the_about_step_starts_with_the_name_given_when_registering(db, client, settings):
    settings.SELF_REGISTRATION = True
    self_register(
        client, full_name="Robin Ashdown", email="robin@example.com", password=NEW_PASSWORD
    )
    intake = Intake.objects.get(patient__email="robin@example.com")
    assertContains(client.get(step_url(intake, "about")), 'value="Robin Ashdown"')


def test_the_about_step_starts_with_the_name_on_the_invitation(db, client, practitioner):
    intake, path = invite(practitioner)
    accept(client, path)
    response = client.get(step_url(intake, "about"))
    assertContains(response, f'name="legal_name" value="{PATIENT_NAME}"')
    assertNotContains(response, 'id="error-summary"')

    # Once answered, the step shows the answer, whatever the invitation said.
    post_step(client, intake, "about", {**VALID["about"], "legal_name": "Harriet Q. Nguyen"})
    assertContains(client.get(step_url(intake, "about")), 'value="Harriet Q. Nguyen"')


def test_the_sign_up_form_summarises_its_errors(db, client, settings):
    settings.SELF_REGISTRATION = True
    response = client.post(reverse("intake:register"), {"full_name": "", "email": "not-an-address"})
    assert response.status_code == 200
    assert summary_links(response) == [
        ("#id_full_name", "Your full name: Enter your full name."),
        ("#id_email", "Email address: Enter an email address like name@example.com."),
    ]
    assertContains(response, 'id="register-form"')
    assertContains(response, "js/error-summary.js")
    # What was typed stays.
    assertContains(response, 'value="not-an-address"')
    assertNotContains(client.get(reverse("intake:register")), 'id="error-summary"')


def test_the_invitation_password_form_summarises_its_errors(db, client, practitioner):
    _, path = invite(practitioner)
    client.get(path)
    response = client.post(
        reverse("intake:register"), {"password1": NEW_PASSWORD, "password2": "something else"}
    )
    assert summary_links(response) == [
        (
            "#id_password2",
            "Type the same password again: The two passwords are different: type them again.",
        ),
    ]
    assertContains(response, "js/error-summary.js")


def test_the_sign_up_password_form_summarises_its_errors(db, client, settings):
    settings.SELF_REGISTRATION = True
    client.post(
        reverse("intake:register"), {"full_name": "Robin Ashdown", "email": "r@example.com"}
    )
    client.get(registration_link("r@example.com"))
    response = client.post(reverse("intake:register"), {"password1": "", "password2": ""})
    assert [href for href, _ in summary_links(response)] == ["#id_password1", "#id_password2"]


def test_the_password_change_form_summarises_its_errors(patient):
    client = sign_in(Client(), patient)
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert [href for href, _ in summary_links(response)] == ["#id_old_password"]
    assertContains(response, 'id="password-form"')
