"""Clinic admins manage the guide, the consent text and accounts, and cannot reach
patients' health data by a side door (docs/security.md S24): no setting of passwords, no
practitioner role or staff account without a superuser, no taking over an address. Every
change of another person's access or password is on the trail and mailed to them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal import roles
from portal.models import AuditEvent, User
from tests.factories import IntakeFactory
from tests.helpers import PASSWORD, account_form, change_url, group_id, make_user, sign_in
from tests.mailqueue import deliver

A = AuditEvent.Action
INVITE = reverse("admin:portal_user_invite_practitioner")


@pytest.fixture
def owner(db) -> User:
    """The clinic owner: the superuser."""
    boss = make_user("owner@example.com", role=roles.ADMIN, full_name="Olga Owner", staff=True)
    User.objects.filter(pk=boss.pk).update(is_superuser=True)
    boss.refresh_from_db()
    return boss


@pytest.fixture
def owner_client(owner) -> Client:
    return sign_in(Client(), owner)


def password_url(user: User) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


# What an admin cannot do -----------------------------------------------------------------


def test_it_does_not_let_an_admin_make_a_patient_a_practitioner(admin_client_verified, patient):
    response = admin_client_verified.post(
        change_url(patient),
        account_form(patient, is_staff="on", groups=[group_id(roles.PRACTITIONER)]),
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert not patient.is_staff
    assert set(patient.groups.values_list("name", flat=True)) == {roles.PATIENT}


def test_it_does_not_let_an_admin_set_anothers_password(
    admin_client_verified, patient, practitioner
):
    for user in (patient, practitioner):
        assert admin_client_verified.get(password_url(user)).status_code == 403
        response = admin_client_verified.post(
            password_url(user), {"password1": "taken-over-1234", "password2": "taken-over-1234"}
        )
        assert response.status_code == 403
        user.refresh_from_db()
        assert user.check_password(PASSWORD)


def test_it_does_not_let_an_admin_create_accounts_with_a_password(admin_client_verified):
    add = reverse("admin:portal_user_add")
    assert admin_client_verified.get(add).status_code == 403
    response = admin_client_verified.post(
        add,
        {
            "email": "mine@example.com",
            "password1": "chosen-by-admin-1",
            "password2": "chosen-by-admin-1",
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="mine@example.com").exists()


def test_it_does_not_let_an_admin_move_an_account_to_an_address_of_theirs(
    admin_client_verified, patient
):
    """Otherwise a password reset to the new address would open the patient's account."""
    admin_client_verified.post(
        change_url(patient), account_form(patient, email="admin-alt@example.com")
    )
    patient.refresh_from_db()
    assert patient.email == "pat@example.com"


def test_it_still_lets_an_admin_deactivate_an_account_and_tells_its_owner(
    admin_client_verified, admin_user, practitioner
):
    mail.outbox.clear()
    response = admin_client_verified.post(
        change_url(practitioner), account_form(practitioner, is_active="")
    )
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.is_active
    event = AuditEvent.objects.get(action=A.ROLE_CHANGED)
    assert (event.actor, event.object_id) == (admin_user, str(practitioner.pk))
    deliver()
    assert [m.to for m in mail.outbox] == [[practitioner.email]]


# Inviting a practitioner ------------------------------------------------------------------


def test_it_lets_an_admin_invite_a_practitioner_who_chooses_their_own_password(
    admin_client_verified, admin_user, owner, patient
):
    page = admin_client_verified.get(INVITE)
    assert page.status_code == 200
    assert b'type="password"' not in page.content
    mail.outbox.clear()

    response = admin_client_verified.post(
        INVITE, {"email": "New.Doc@Example.com", "full_name": "Dr New", "password1": "ignored-1234"}
    )
    assert response.status_code == 302
    invited = User.objects.get(email="new.doc@example.com")
    assert not invited.has_usable_password()
    # The role is the clinic owner's to grant: until then the account reaches nothing.
    assert not invited.is_staff
    assert not invited.groups.exists()
    assert AuditEvent.objects.filter(
        actor=admin_user, action=A.CREATE, object_id=str(invited.pk)
    ).exists()
    deliver()
    to_invitee = [m for m in mail.outbox if m.to == [invited.email]]
    to_owner = [m for m in mail.outbox if m.to == [owner.email]]
    assert len(to_invitee) == 1 and len(to_owner) == 1
    assert reverse("admin:portal_user_change", args=[invited.pk]) in to_owner[0].body

    # The invitee chooses a password from the link, and signs in.
    link = re.search(r"https?://\S+/accounts/reset/\S+/", to_invitee[0].body).group(0)
    browser = Client()
    form_page = browser.get(urlsplit(link).path, follow=True)
    browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "doctors-own-pass-99", "new_password2": "doctors-own-pass-99"},
    )
    invited.refresh_from_db()
    assert invited.check_password("doctors-own-pass-99")
    intake = IntakeFactory(patient=patient)
    sign_in(browser, invited)
    assert browser.get(reverse("intake:intake_detail", args=[intake.pk])).status_code == 403


def test_it_refuses_the_practitioner_invitation_to_non_admins(practitioner_client):
    response = practitioner_client.post(
        INVITE, {"email": "x@example.com", "full_name": "X"}, follow=True
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()


def test_it_answers_an_invitation_to_an_existing_address_by_the_field(
    admin_client_verified, patient
):
    response = admin_client_verified.post(INVITE, {"email": patient.email, "full_name": "Pat"})
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


# What the superuser does, on the record --------------------------------------------------


def test_it_lets_the_owner_grant_the_practitioner_role_and_tells_the_account(
    owner_client, owner, patient
):
    mail.outbox.clear()
    response = owner_client.post(
        change_url(patient),
        account_form(patient, is_staff="on", groups=[group_id(roles.PRACTITIONER)]),
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.is_staff
    assert set(patient.groups.values_list("name", flat=True)) == {roles.PRACTITIONER}
    event = AuditEvent.objects.get(action=A.ROLE_CHANGED)
    assert (event.actor, event.object_id) == (owner, str(patient.pk))
    deliver()
    assert [m.to for m in mail.outbox] == [[patient.email]]


def test_it_lets_the_owner_set_a_password_on_the_record(owner_client, owner, patient):
    mail.outbox.clear()
    response = owner_client.post(
        password_url(patient),
        {"password1": "set-by-the-owner-1", "password2": "set-by-the-owner-1"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password("set-by-the-owner-1")
    event = AuditEvent.objects.get(action=A.PASSWORD_CHANGED)
    assert (event.actor, event.object_id) == (owner, str(patient.pk))
    deliver()
    assert [m.to for m in mail.outbox] == [[patient.email]]
    assert "set-by-the-owner-1" not in mail.outbox[0].body


def test_it_records_nothing_when_the_form_changes_no_access(owner_client, patient):
    owner_client.post(change_url(patient), account_form(patient, full_name="Pat J"))
    assert not AuditEvent.objects.filter(action=A.ROLE_CHANGED).exists()
