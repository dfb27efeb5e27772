"""Getting in (invitation links, self-registration) and who may open which patient page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from intake.models import Intake, Invitation
from intake.patient_views import PENDING_INVITATION
from portal.models import AuditEvent, PendingRegistration, User
from tests.helpers import (
    NEW_PASSWORD,
    PASSWORD,
    PATIENT_NAME,
    accept,
    complete_steps,
    invite,
    self_register,
    sign_in,
    step_url,
    token_of,
)
from tests.mailqueue import deliver

PASSWORDS = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}

# Invitation links ------------------------------------------------------------------------


def test_it_shows_a_clear_page_for_a_forged_link(client, practitioner):
    invite(practitioner)
    response = client.get("/invite/not-a-real-token/")
    assert response.status_code == 404
    assertContains(response, "could not recognise this link", status_code=404)
    assertContains(response, "call the clinic on", status_code=404)
    response = client.post("/invite/not-a-real-token/", {"password1": NEW_PASSWORD})
    assert response.status_code == 405
    assert not User.objects.filter(email="harriet@example.com").exists()


def test_it_explains_an_expired_link(client, practitioner, settings):
    # With self-registration off, the register page answers a POST only for a pending
    # invitation, so the POST below shows whether the expired link left one behind.
    settings.SELF_REGISTRATION = False
    intake, path = invite(practitioner)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(path)
    assertContains(response, "This link has expired")
    assertContains(response, "ask for a new link")
    assertNotContains(response, 'name="password1"')
    assert PENDING_INVITATION not in client.session
    response = client.post(reverse("intake:register"), PASSWORDS)
    assert response.status_code == 404
    assert not User.objects.filter(email="harriet@example.com").exists()
    intake.refresh_from_db()
    assert intake.status == Intake.Status.INVITED


def test_it_refuses_a_link_that_expired_while_choosing_a_password(client, practitioner):
    intake, path = invite(practitioner)
    assertRedirects(client.get(path), reverse("intake:register"), fetch_redirect_response=False)
    assertContains(client.get(reverse("intake:register")), 'name="password1"')
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(reverse("intake:register"), PASSWORDS)
    assertContains(response, "This link has expired")
    assert not User.objects.filter(email="harriet@example.com").exists()
    assert "_auth_user_id" not in client.session
    assert PENDING_INVITATION not in client.session
    intake.refresh_from_db()
    assert intake.status == Intake.Status.INVITED
    assert intake.patient is None


def test_it_explains_a_reused_link(client, practitioner, settings):
    settings.SELF_REGISTRATION = False
    _, path = invite(practitioner)
    accept(client, path)
    stranger = Client()
    response = stranger.get(path)
    assertContains(response, "already been used")
    assertContains(response, "log in")
    assertContains(response, f'href="{reverse("password_reset")}"')
    assertNotContains(response, 'name="password1"')
    assertNotContains(response, "Save password and start")
    assert PENDING_INVITATION not in stranger.session
    other = "another-long-password-1"
    response = stranger.post(reverse("intake:register"), {"password1": other, "password2": other})
    assert response.status_code == 404
    assert "_auth_user_id" not in stranger.session
    user = User.objects.get(email="harriet@example.com")
    assert user.check_password(NEW_PASSWORD)


def test_it_refuses_a_link_used_in_another_browser_while_choosing_a_password(client, practitioner):
    intake, path = invite(practitioner)
    stranger = Client()
    stranger.get(path)
    accept(client, path)
    other = "another-long-password-1"
    response = stranger.post(reverse("intake:register"), {"password1": other, "password2": other})
    assertContains(response, "already been used")
    assert "_auth_user_id" not in stranger.session
    user = User.objects.get(email="harriet@example.com")
    assert user.check_password(NEW_PASSWORD)
    intake.refresh_from_db()
    assert intake.patient == user


def test_it_takes_a_signed_in_owner_of_a_used_link_to_their_intake(client, practitioner):
    _, path = invite(practitioner)
    accept(client, path)
    assertRedirects(client.get(path), reverse("intake:my_intake"), fetch_redirect_response=False)


def test_it_handles_a_double_click_on_set_password(client, practitioner):
    intake, path = invite(practitioner)
    other_tab = Client()
    client.get(path)
    other_tab.get(path)
    page = reverse("intake:register")
    passwords = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    first = client.post(page, passwords)
    second = other_tab.post(page, passwords)
    assertRedirects(first, step_url(intake, "about"))
    assertRedirects(second, reverse("intake:my_intake"), fetch_redirect_response=False)
    assert User.objects.filter(email="harriet@example.com").count() == 1


def test_it_checks_the_new_password(client, practitioner):
    _, path = invite(practitioner)
    client.get(path)
    page = reverse("intake:register")
    response = client.post(page, {"password1": "short", "password2": "short"})
    assertContains(response, "at least 12 characters")
    response = client.post(page, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assertContains(response, "The two passwords are different")
    response = client.post(page, {"password1": "password1234", "password2": "password1234"})
    assertContains(response, "too common")
    assert not User.objects.filter(email="harriet@example.com").exists()


def test_it_attaches_the_intake_to_an_existing_account_after_login(client, practitioner, patient):
    intake, path = invite(practitioner, email=patient.email)
    response = client.get(path, follow=True)
    assertContains(response, "You already have an account")
    assertContains(response, 'name="next" value="/intake/"')
    response = client.post(
        reverse("login"), {"username": patient.email, "password": PASSWORD, "next": "/intake/"}
    )
    assertRedirects(response, reverse("intake:my_intake"), fetch_redirect_response=False)
    response = client.get(reverse("intake:my_intake"))
    assertContains(response, "Add it to my account")
    intake.refresh_from_db()
    assert intake.patient is None
    response = client.post(reverse("intake:my_intake"))
    assertRedirects(response, step_url(intake, "about"))
    intake.refresh_from_db()
    assert intake.patient == patient
    assert intake.status == Intake.Status.IN_PROGRESS


def test_it_refuses_a_link_meant_for_another_account(patient_client, practitioner):
    intake, path = invite(practitioner, email="someone.else@example.com")
    response = patient_client.get(path)
    assertContains(response, "for someone else")
    assert PENDING_INVITATION not in patient_client.session
    intake.refresh_from_db()
    assert intake.patient is None


def test_it_refuses_a_link_opened_before_signing_in_to_another_account(
    client, patient, practitioner
):
    # Opened while signed out, the link is remembered; then a different account signs in
    # in the same browser and is offered the intake. Adding it must still be refused.
    intake, path = invite(practitioner, email="someone.else@example.com")
    client.get(path)
    assert client.session[PENDING_INVITATION] == intake.invitation.pk
    sign_in(client, patient)

    response = client.post(reverse("intake:my_intake"))

    assertContains(response, "for someone else")
    intake.refresh_from_db()
    assert intake.patient is None
    assert intake.status == Intake.Status.INVITED
    assert not Intake.objects.filter(patient=patient).exists()


def test_it_keeps_staff_out_of_invitations(practitioner_client, practitioner):
    _, path = invite(practitioner)
    response = practitioner_client.get(path)
    assert response.status_code == 403


def test_it_keeps_the_token_out_of_the_audit_trail_and_logs(client, practitioner, caplog):
    _, path = invite(practitioner)
    with caplog.at_level("DEBUG"):
        accept(client, path)
        Client().get(path)  # used by now
    token = token_of(path)
    assert not AuditEvent.objects.filter(path__contains=token).exists()
    assert token not in caplog.text


# Self-registration ---------------------------------------------------------------------------


def test_it_registers_a_patient_with_a_new_intake(db, client):
    response = self_register(
        client, full_name=PATIENT_NAME, email="New.Person@Example.com", password=NEW_PASSWORD
    )
    user = User.objects.get(email="new.person@example.com")
    intake = Intake.objects.get(patient=user)
    assertRedirects(response, step_url(intake, "about"))
    assert user.check_password(NEW_PASSWORD)
    assert user.full_name == PATIENT_NAME
    assert intake.status == Intake.Status.IN_PROGRESS
    assert intake.appointment_at is None
    assert user.groups.filter(name="patient").exists()
    assert not user.is_staff
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_does_not_register_an_address_twice(client, patient):
    response = client.post(
        reverse("intake:register"), {"full_name": "Somebody", "email": patient.email.upper()}
    )
    assertRedirects(response, reverse("intake:register") + "?sent=1")
    assert User.objects.filter(email=patient.email).count() == 1
    patient.refresh_from_db()
    assert patient.full_name == "Pat Jones"
    assert patient.check_password(PASSWORD)
    assert not PendingRegistration.objects.exists()
    deliver()
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert "already have an account" in message.body
    assert "?confirm=" not in message.body


def test_it_hides_registration_when_switched_off(db, client, settings):
    settings.SELF_REGISTRATION = False
    assert client.get(reverse("intake:register")).status_code == 404
    response = client.get(reverse("intake:start"))
    assertNotContains(response, reverse("intake:register"))


def test_it_accepts_an_invitation_with_self_registration_off(client, practitioner, settings):
    settings.SELF_REGISTRATION = False
    intake, path = invite(practitioner)
    assert Client().get(reverse("intake:register")).status_code == 404
    response = client.get(path)
    assertRedirects(response, reverse("intake:register"), fetch_redirect_response=False)
    assertContains(client.get(reverse("intake:register")), "Save password and start")
    response = client.post(reverse("intake:register"), PASSWORDS)
    assertRedirects(response, step_url(intake, "about"))
    intake.refresh_from_db()
    assert intake.patient == User.objects.get(email="harriet@example.com")
    assert intake.status == Intake.Status.IN_PROGRESS


def test_it_explains_the_intake_on_the_start_page(db, client):
    response = client.get(reverse("intake:start"))
    assertContains(response, "about 15 minutes")
    assertContains(response, reverse("intake:register"))
    assertContains(response, reverse("login"))


def test_it_starts_an_intake_for_a_patient_without_one(patient_client, patient):
    response = patient_client.get(reverse("intake:my_intake"))
    assertContains(response, "Start my intake")
    assert not Intake.objects.filter(patient=patient).exists()
    response = patient_client.post(reverse("intake:my_intake"))
    intake = Intake.objects.get(patient=patient)
    assertRedirects(response, step_url(intake, "about"))
    patient_client.post(reverse("intake:my_intake"))
    assert Intake.objects.filter(patient=patient).count() == 1


# Ownership and roles ---------------------------------------------------------------------------


@pytest.fixture
def someone_elses_intake(other_patient) -> Intake:
    return Intake.objects.create(patient=other_patient, status=Intake.Status.IN_PROGRESS)


def patient_urls(intake: Intake) -> list[tuple[str, str]]:
    urls = [("get", step_url(intake, step)) for step in ["about", "pain", "consent", "nope"]]
    urls += [("post", step_url(intake, "about"))]
    urls += [
        ("get", reverse("intake:review_answers", args=[intake.pk])),
        ("post", reverse("intake:submit", args=[intake.pk])),
        ("get", reverse("intake:submitted", args=[intake.pk])),
    ]
    return urls


def test_it_gives_404_for_another_patients_intake_on_every_patient_url(
    patient_client, someone_elses_intake
):
    for method, url in patient_urls(someone_elses_intake):
        response = getattr(patient_client, method)(url, {"legal_name": "Intruder"})
        assert response.status_code == 404, url
    someone_elses_intake.refresh_from_db()
    assert someone_elses_intake.answers == {}


def test_it_gives_404_for_a_submitted_intake_of_another_patient(patient_client, other_patient):
    intake = Intake.objects.create(patient=other_patient, status=Intake.Status.SUBMITTED)
    for method, url in patient_urls(intake):
        assert getattr(patient_client, method)(url).status_code == 404, url


def test_it_sends_anonymous_visitors_to_log_in(client, someone_elses_intake):
    for method, url in patient_urls(someone_elses_intake) + [("get", reverse("intake:my_intake"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_it_forbids_staff_on_patient_pages(practitioner_client, someone_elses_intake):
    for method, url in patient_urls(someone_elses_intake) + [("get", reverse("intake:my_intake"))]:
        assert getattr(practitioner_client, method)(url).status_code == 403, url


def test_it_refuses_get_on_submit(client, practitioner):
    intake, path = invite(practitioner)
    accept(client, path)
    response = client.get(reverse("intake:submit", args=[intake.pk]))
    assert response.status_code == 405


def test_it_keeps_answers_posted_with_a_stale_csrf_token(patient):
    client = Client(enforce_csrf_checks=True, headers={"Origin": "http://testserver"})
    sign_in(client, patient)
    intake = Intake.objects.create(patient=patient, status=Intake.Status.IN_PROGRESS)
    url = step_url(intake, "about")
    response = client.post(url, {"legal_name": "Typed before the token went stale"})
    assertRedirects(response, url, fetch_redirect_response=False)
    intake.refresh_from_db()
    assert intake.answers == {}
    response = client.get(url)
    assertContains(response, 'value="Typed before the token went stale"')


def test_it_needs_every_step_before_submitting(client, practitioner):
    intake, path = invite(practitioner)
    accept(client, path)
    complete_steps(client, intake, upto="red_flags")
    response = client.post(reverse("intake:submit", args=[intake.pk]))
    assertRedirects(response, step_url(intake, "consent"))
    intake.refresh_from_db()
    assert intake.status == Intake.Status.IN_PROGRESS
