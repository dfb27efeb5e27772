"""Forgotten password: a link by email, a new password, and nothing given away about who
has an account or what is in their intake."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from intake.models import Intake
from tests.helpers import PASSWORD
from tests.mailqueue import deliver

NEW_PASSWORD = "lantern-orchard-pebble-river-7"
CANARY_MEDICATION = "Canarexolol"
LINK = re.compile(r"https?://\S+")


@pytest.fixture
def patient_with_answers(patient):
    Intake.objects.create(
        patient=patient,
        patient_name=patient.full_name,
        status=Intake.Status.IN_PROGRESS,
        answers={
            "about": {"legal_name": "Pat Jones", "date_of_birth": "1961-03-14"},
            "medications": {"none": False, "items": [{"name": CANARY_MEDICATION}]},
            "conditions": {"conditions": ["diabetes"], "other": ["hip replacement"]},
        },
    )
    return patient


def ask_for_a_link(client: Client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_it_resets_by_email(client, patient_with_answers):
    response = ask_for_a_link(client, "Pat@Example.COM")
    assertRedirects(response, reverse("password_reset_done"))
    deliver()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pat@example.com"]
    [link] = LINK.findall(message.body)
    path = link.removeprefix(settings.SITE_URL)
    assert path.startswith("/accounts/reset/")

    # Django swaps the token in the URL for a session value before showing the form.
    form_page = client.get(path, follow=True)
    assertContains(form_page, "Choose a new password")
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assertRedirects(response, reverse("password_reset_complete"))

    browser = Client()
    old = browser.post(reverse("login"), {"username": "pat@example.com", "password": PASSWORD})
    assert old.status_code == 200
    new = browser.post(reverse("login"), {"username": "pat@example.com", "password": NEW_PASSWORD})
    assert new.status_code == 302
    assert "_auth_user_id" in browser.session

    # The link works once.
    assertContains(Client().get(path, follow=True), "This link no longer works")


def test_it_answers_an_unknown_email_the_same_way_and_sends_nothing(client, patient):
    known = ask_for_a_link(client, patient.email)
    deliver()
    mail.outbox.clear()
    unknown = ask_for_a_link(client, "nobody@example.com")
    assertRedirects(unknown, reverse("password_reset_done"))
    assert unknown["Location"] == known["Location"]
    deliver()
    assert mail.outbox == []


def test_it_puts_only_the_link_in_the_email(client, patient_with_answers):
    ask_for_a_link(client, "pat@example.com")
    deliver()
    message = mail.outbox[0]
    text = f"{message.subject}\n{message.body}"
    assert len(LINK.findall(text)) == 1
    for secret in [CANARY_MEDICATION, "diabetes", "hip replacement", "1961", "Pat Jones", "Jones"]:
        assert secret.lower() not in text.lower(), secret
