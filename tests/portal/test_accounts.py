"""Signing in and out: email login, no account enumeration, lockout, session rotation,
password storage (docs/security.md S5, S6, S8, S21)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from portal.models import AuditEvent
from tests.helpers import PASSWORD

LOGIN = "/accounts/login/"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"


def attempt(client: Client, email: str, password: str, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_it_logs_a_patient_in_by_email_in_any_case(client, patient):
    response = attempt(client, "PAT@Example.COM ", PASSWORD)
    assertRedirects(response, reverse("intake:my_intake"), fetch_redirect_response=False)
    assert client.session["_auth_user_id"] == str(patient.pk)


def test_it_gives_the_same_answer_for_unknown_email_and_wrong_password(client, patient):
    wrong_password = attempt(client, patient.email, "not-the-password-123")
    unknown_email = attempt(client, "nobody@example.com", "not-the-password-123")
    assert wrong_password.status_code == unknown_email.status_code == 200
    message = "That email address and password do not match an account."
    assertContains(wrong_password, message)
    assertContains(unknown_email, message)


def test_it_locks_the_account_and_address_after_five_failures(client, patient):
    for _ in range(5):
        attempt(client, patient.email, "wrong-password-000")
    response = attempt(client, patient.email, PASSWORD)
    assert response.status_code == 429
    assertContains(response, "Too many sign-in attempts", status_code=429)
    # The pause is per email address and per network, which is what the page must say.
    assertContains(response, "with that email address, or from this network", status_code=429)
    assert "_auth_user_id" not in client.session


def test_it_keeps_the_lock_when_x_forwarded_for_is_forged(client, patient):
    for n in range(5):
        attempt(client, patient.email, "wrong-password-000", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = attempt(client, patient.email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429
    # The address is locked too, whatever the header claims.
    response = attempt(client, "nobody@example.com", "x", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert response.status_code == 429


def test_it_locks_the_account_from_every_address(patient):
    for _ in range(5):
        attempt(Client(), patient.email, "wrong-password-000", REMOTE_ADDR=ATTACKER)
    elsewhere = Client()
    response = attempt(elsewhere, patient.email, PASSWORD, REMOTE_ADDR=OWNER)
    assert response.status_code == 429
    assert "_auth_user_id" not in elsewhere.session


def test_it_does_not_let_another_address_reset_an_accounts_lock(patient):
    for _ in range(5):
        attempt(Client(), patient.email, "wrong-password-000", REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER)
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER).status_code == 429


def test_it_locks_an_address_that_tries_many_accounts(patient):
    for n in range(5):
        attempt(Client(), f"guess{n}@example.com", "wrong-password-000", REMOTE_ADDR=ATTACKER)
    # From that address, even a right password for yet another account is refused...
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    # ...while its owner, elsewhere, is not affected.
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER).status_code == 302


def test_it_does_not_reset_the_count_on_one_account_by_logging_in_to_another(
    patient, other_patient
):
    """The attacker guesses four times at the patient's account, signs in to an account of
    their own from the same address, and guesses again: the count goes on."""
    for _ in range(4):
        attempt(Client(), patient.email, "wrong-password-000", REMOTE_ADDR=ATTACKER)
    assert attempt(Client(), other_patient.email, PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 302
    attempt(Client(), patient.email, "wrong-password-001", REMOTE_ADDR=ATTACKER)
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER).status_code == 429


def test_it_forgets_the_owners_own_mistakes_after_they_get_in(patient):
    for _ in range(4):
        attempt(Client(), patient.email, "my-old-password-00", REMOTE_ADDR=OWNER)
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER).status_code == 302
    for _ in range(4):
        attempt(Client(), patient.email, "my-old-password-00", REMOTE_ADDR=OWNER)
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER).status_code == 302


def test_it_counts_every_spelling_of_an_address_as_one_account(patient):
    spellings = ["PAT@example.com", "Pat@Example.com", " pat@example.com", "pat@EXAMPLE.COM"]
    for n, spelling in enumerate([*spellings, "pAt@example.com"]):
        attempt(Client(), spelling, "wrong-password-000", REMOTE_ADDR=f"192.0.2.{10 + n}")
    assert attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER).status_code == 429


def test_it_answers_a_locked_account_as_a_locked_unknown_address(patient):
    for email in (patient.email, "ghost@example.com"):
        for n in range(5):
            attempt(Client(), email, "wrong-password-000", REMOTE_ADDR=f"192.0.2.{n}")
    known = attempt(Client(), patient.email, PASSWORD, REMOTE_ADDR=OWNER)
    unknown = attempt(Client(), "ghost@example.com", PASSWORD, REMOTE_ADDR=OWNER)
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


def test_it_locks_unknown_emails_the_same_way(client, db):
    for _ in range(5):
        attempt(client, "ghost@example.com", "wrong-password-000")
    assert attempt(client, "ghost@example.com", "x").status_code == 429
    assert AccessAttempt.objects.filter(username="ghost@example.com").exists()


def test_it_rotates_the_session_key_at_login(client, patient):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    attempt(client, patient.email, PASSWORD)
    assert client.session.session_key != before


def test_it_kills_the_session_at_logout_so_a_replayed_cookie_is_anonymous(client, patient):
    attempt(client, patient.email, PASSWORD)
    old_cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    assert replay.get(reverse("session_status")).json() == {"remaining": 0}


def test_it_ends_sessions_of_a_deactivated_user(client, patient):
    attempt(client, patient.email, PASSWORD)
    assert client.get(reverse("session_status")).json()["remaining"] > 0
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    assert client.get(reverse("session_status")).json() == {"remaining": 0}
    # Reactivated, the account signs in afresh: the old session stays ended.
    patient.is_active = True
    patient.save()
    assert client.get(reverse("session_status")).json() == {"remaining": 0}
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated
    attempt(client, patient.email, PASSWORD)
    assert client.get(reverse("session_status")).json()["remaining"] > 0


def test_it_refuses_logout_by_get(client, patient):
    attempt(client, patient.email, PASSWORD)
    assert client.get(reverse("logout")).status_code == 405


@pytest.mark.real_hashing
def test_it_stores_passwords_with_argon2(patient):
    patient.set_password("a-brand-new-passphrase-9")
    patient.save()
    patient.refresh_from_db()
    assert identify_hasher(patient.password).algorithm == "argon2"
    assert patient.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "/\\evil.example/", "javascript:alert(1)", "https://evil.example/x"],
)
def test_it_never_redirects_off_site_after_login(client, patient, target):
    response = client.post(LOGIN, {"username": patient.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:my_intake")  # on this site, whatever `next` said


def test_it_audits_logins_and_failures(client, patient):
    attempt(client, patient.email, "wrong-password-000")
    attempt(client, patient.email, PASSWORD)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert AuditEvent.Action.LOGIN_FAILED in actions
    assert AuditEvent.Action.LOGIN in actions
