"""Anonymous pages that send email (password reset, registration) send only a few an hour
per address and per client, and answer the same whether they sent one or not (S26)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import PendingRegistration
from tests.mailqueue import deliver

RESET = reverse("password_reset")
REGISTER = reverse("intake:register")


def ask_reset(client: Client, email: str):
    return client.post(RESET, {"email": email})


def ask_registration(client: Client, email: str):
    return client.post(REGISTER, {"full_name": "Sam Lee", "email": email})


def answer(response) -> tuple[int, str]:
    return response.status_code, response["Location"]


@pytest.mark.parametrize("email", ["pat@example.com", "nobody@example.com"])
def test_it_sends_a_few_reset_mails_an_hour_to_one_address(client, patient, settings, email):
    answers = {answer(ask_reset(Client(REMOTE_ADDR=f"10.0.0.{n}"), email)) for n in range(20)}
    assert answers == {(302, reverse("password_reset_done"))}
    deliver()
    assert len(mail.outbox) <= settings.EMAIL_THROTTLE_PER_ADDRESS
    if email == patient.email:
        assert len(mail.outbox) == settings.EMAIL_THROTTLE_PER_ADDRESS


def test_it_sends_a_few_reset_mails_an_hour_from_one_client(client, db, settings):
    from portal.models import User

    for n in range(20):
        User.objects.create_user(f"user{n}@example.com", "x" * 20)
    answers = {answer(ask_reset(client, f"user{n}@example.com")) for n in range(20)}
    assert answers == {(302, reverse("password_reset_done"))}
    deliver()
    assert len(mail.outbox) == settings.EMAIL_THROTTLE_PER_CLIENT


def test_it_sends_a_few_registration_mails_an_hour_to_one_address(db, settings):
    clients = [Client(REMOTE_ADDR=f"10.0.1.{n}") for n in range(20)]
    answers = {answer(ask_registration(c, "sam@example.com")) for c in clients}
    assert answers == {(302, f"{REGISTER}?sent=1")}
    deliver()
    assert len(mail.outbox) == settings.EMAIL_THROTTLE_PER_ADDRESS


def test_it_sends_a_few_registration_mails_an_hour_from_one_client(client, db, settings):
    answers = {answer(ask_registration(client, f"sam{n}@example.com")) for n in range(20)}
    assert answers == {(302, f"{REGISTER}?sent=1")}
    deliver()
    assert len(mail.outbox) == settings.EMAIL_THROTTLE_PER_CLIENT
    assert PendingRegistration.objects.count() == settings.EMAIL_THROTTLE_PER_CLIENT


def test_it_counts_the_owner_notice_of_a_registration_like_any_mail(patient, settings):
    """Registering an address that has an account mails its owner: that mail is limited too."""
    for n in range(20):
        ask_registration(Client(REMOTE_ADDR=f"10.0.2.{n}"), patient.email)
    deliver()
    assert len(mail.outbox) == settings.EMAIL_THROTTLE_PER_ADDRESS


def test_it_bounds_the_registrations_waiting_for_confirmation(db, settings):
    settings.PENDING_REGISTRATIONS_MAX = 4
    for n in range(10):
        response = ask_registration(Client(REMOTE_ADDR=f"10.0.3.{n}"), f"new{n}@example.com")
        assert answer(response) == (302, f"{REGISTER}?sent=1")
    assert PendingRegistration.objects.count() == 4
    deliver()
    assert len(mail.outbox) == 4


def test_it_keeps_no_email_address_in_the_throttle(client, db):
    from portal.models import MailAllowance

    ask_registration(client, "sam@example.com")
    keys = list(MailAllowance.objects.values_list("key", flat=True))
    assert keys
    assert not any("sam" in key or "127.0.0.1" in key for key in keys)
