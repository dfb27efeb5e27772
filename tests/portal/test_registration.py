"""Self-registration never tells anyone whether an address has an account (docs/security.md S6),
and makes an account only for whoever can read the address's mail."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from intake.models import Intake
from intake.services import invitation_create
from portal.models import PendingRegistration, User
from tests.helpers import NEW_PASSWORD, PASSWORD, registration_link, self_register, step_url
from tests.mailqueue import deliver

REGISTER = "/intake/register/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def visible(response) -> str:
    """The page as a person sees it; the per-response CSRF token is not part of it."""
    return CSRF_INPUT.sub("", response.content.decode())


def register(email: str, full_name: str = "Sam Sample"):
    client = Client()
    response = client.post(REGISTER, {"full_name": full_name, "email": email})
    return response, client.get(response["Location"]) if response.has_header("Location") else None


def test_it_answers_a_known_and_a_new_address_identically(patient):
    users = User.objects.count()
    known, known_page = register(patient.email)
    new, new_page = register("newcomer@example.com")

    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"] == f"{REGISTER}?sent=1"
    assert sorted(known.cookies) == sorted(new.cookies)
    assert known_page.status_code == new_page.status_code == 200
    assert visible(known_page) == visible(new_page)
    assertContains(new_page, "Check your email")
    assert User.objects.count() == users
    assert User.objects.filter(email=patient.email).count() == 1
    # Each address got one message, with the same subject.
    deliver()
    owner, newcomer = mail.outbox
    assert owner.to == [patient.email]
    assert newcomer.to == ["newcomer@example.com"]
    assert owner.subject == newcomer.subject


def test_it_tells_the_owner_without_revealing_anything_of_the_account(patient):
    intake = Intake.objects.create(
        patient=patient, patient_name="Pat Jones", answers={"pain": {"complaint": "Sciatica"}}
    )
    register(patient.email, full_name="Mallory")
    deliver()
    [message] = mail.outbox
    assert "Someone, perhaps you, asked to create an account" in message.body
    assert reverse("login") in message.body
    assert reverse("password_reset") in message.body
    for private in ("Sciatica", "Pat Jones", "Mallory", f"/intake/{intake.pk}/"):
        assert private not in message.body
    patient.refresh_from_db()
    assert patient.check_password(PASSWORD)
    assert patient.full_name == "Pat Jones"


def test_it_makes_no_account_until_the_emailed_link_is_followed(db):
    client = Client()
    client.post(REGISTER, {"full_name": "Sam Sample", "email": "Sam@Example.com"})
    assert not User.objects.exists()
    pending = PendingRegistration.objects.get()
    assert pending.email == "sam@example.com"
    link = registration_link("sam@example.com")
    # Only a hash of the link's secret is stored.
    token = link.split("?confirm=", 1)[1]
    assert token not in pending.nonce_hash
    assert len(pending.nonce_hash) == 64

    # The link leads to a clean URL: the token is not repeated anywhere after this.
    assertRedirects(client.get(link), REGISTER, fetch_redirect_response=False)
    page = client.get(REGISTER)
    assertContains(page, "Choose a password")
    assertContains(page, "sam@example.com")
    assert token not in page.content.decode()

    response = client.post(REGISTER, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    user = User.objects.get(email="sam@example.com")
    assertRedirects(response, step_url(Intake.objects.get(patient=user), "about"))
    assert user.is_active
    assert not PendingRegistration.objects.exists()


def test_it_checks_the_password_chosen_from_the_link(db, client):
    client.post(REGISTER, {"full_name": "Sam Sample", "email": "sam@example.com"})
    client.get(registration_link("sam@example.com"))
    response = client.post(REGISTER, {"password1": "short", "password2": "short"})
    assertContains(response, "at least 12 characters")
    assert not User.objects.exists()
    assert PendingRegistration.objects.exists()


@pytest.mark.parametrize("spoil", ["forged", "expired", "replaced", "used"])
def test_it_refuses_a_link_that_no_longer_works(db, spoil):
    client = Client()
    client.post(REGISTER, {"full_name": "Sam Sample", "email": "sam@example.com"})
    link = registration_link("sam@example.com")
    if spoil == "forged":
        link = f"{REGISTER}?confirm=not-a-real-token"
    elif spoil == "expired":
        PendingRegistration.objects.update(
            created_at=timezone.now() - timedelta(hours=2, seconds=1)
        )
    elif spoil == "replaced":
        Client().post(REGISTER, {"full_name": "Sam Sample", "email": "sam@example.com"})
    elif spoil == "used":
        self_register(Client(), full_name="Sam", email="sam@example.com", password=NEW_PASSWORD)

    response = client.get(link, follow=True)
    assertContains(response, "That link has expired or has already been used")
    assertContains(response, 'name="email"')
    response = client.post(REGISTER, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200  # the name-and-email form again, with errors
    assert User.objects.filter(email="sam@example.com").count() == (spoil == "used")


def test_it_keeps_typed_passwords_out_of_the_lockout_records(db):
    # A password posted after the link expired is checked against the account a double
    # click would have made; the failed check is counted, with what was posted.
    client = Client()
    client.post(REGISTER, {"full_name": "Sam Sample", "email": "sam@example.com"})
    client.get(registration_link("sam@example.com"))
    PendingRegistration.objects.update(created_at=timezone.now() - timedelta(hours=3))
    client.post(REGISTER, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    attempts = list(AccessAttempt.objects.all())
    assert attempts
    assert all("password1=" in attempt.post_data for attempt in attempts)
    assert not [attempt for attempt in attempts if NEW_PASSWORD in attempt.post_data]


def test_it_masks_passwords_kept_before_they_were_masked():
    migration = importlib.import_module("portal.migrations.0004_mask_passwords_in_lockout_records")
    stored = "next=/intake/\npassword1=Sam's secret 2026\npassword2=Sam's secret 2026\nx=a=b"
    assert migration.masked(stored) == (
        f"next=/intake/\npassword1={migration.MASK}\npassword2={migration.MASK}\nx=a=b"
    )


def test_it_handles_a_double_click_on_the_password_page(db):
    first, second = Client(), Client()
    first.post(REGISTER, {"full_name": "Sam Sample", "email": "sam@example.com"})
    link = registration_link("sam@example.com")
    first.get(link)
    second.get(link)
    passwords = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    one = first.post(REGISTER, passwords)
    two = second.post(REGISTER, passwords)
    user = User.objects.get(email="sam@example.com")
    assertRedirects(one, step_url(Intake.objects.get(patient=user), "about"))
    assertRedirects(two, reverse("intake:my_intake"), fetch_redirect_response=False)
    assert Intake.objects.filter(patient=user).count() == 1
    assert second.session["_auth_user_id"] == str(user.pk)


def test_it_makes_no_second_account_when_an_invitation_got_there_first(db, practitioner):
    client = Client()
    client.post(REGISTER, {"full_name": "Sam Sample", "email": "sam@example.com"})
    client.get(registration_link("sam@example.com"))
    _, _, invitation_link = invitation_create(
        patient_name="Sam Sample",
        email="sam@example.com",
        appointment_at=timezone.now() + timedelta(days=2),
        practitioner=practitioner,
        created_by=practitioner,
    )
    invited = Client()
    invited.get(invitation_link.split("8000", 1)[1])
    other_password = "another-long-pass-phrase-7"
    invited.post(REGISTER, {"password1": other_password, "password2": other_password})

    response = client.post(REGISTER, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assertRedirects(response, REGISTER, fetch_redirect_response=False)
    assert User.objects.filter(email="sam@example.com").count() == 1
    assert User.objects.get(email="sam@example.com").check_password(other_password)
    assert "_auth_user_id" not in client.session
