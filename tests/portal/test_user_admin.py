"""Account management in Django's admin (docs/security.md S2, S3): the clinic's admins manage
practitioner and patient accounts, and only a superuser hands out admin rights or changes
an admin's account (what else is the superuser's alone: tests/security/
test_separation_of_duties.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal import roles
from portal.models import User
from tests.helpers import account_form, change_url, group_id, make_user, sign_in


def test_it_never_lets_an_admin_make_themselves_a_superuser(admin_client_verified, admin_user):
    response = admin_client_verified.post(
        change_url(admin_user),
        account_form(
            admin_user,
            is_superuser="on",
            groups=[group_id(roles.ADMIN), group_id(roles.PRACTITIONER)],
        ),
    )
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser
    assert set(admin_user.groups.values_list("name", flat=True)) == {roles.ADMIN}


def test_it_never_lets_an_admin_hand_out_admin_rights(admin_client_verified, practitioner):
    response = admin_client_verified.post(
        change_url(practitioner),
        account_form(practitioner, is_superuser="on", groups=[group_id(roles.ADMIN)]),
    )
    # Roles are not an admin's to change at all (S24): the fields are read-only to them.
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.is_superuser
    assert set(practitioner.groups.values_list("name", flat=True)) == {roles.PRACTITIONER}


@pytest.mark.parametrize("other", ["admin", "superuser"])
def test_it_keeps_other_admins_accounts_out_of_an_admins_reach(admin_client_verified, other):
    target = make_user(
        f"other.{other}@example.com", role=roles.ADMIN, full_name="Other", staff=True
    )
    if other == "superuser":
        User.objects.filter(pk=target.pk).update(is_superuser=True)
        target.refresh_from_db()

    response = admin_client_verified.post(change_url(target), account_form(target, is_active=""))
    assert response.status_code == 403
    password_url = reverse("admin:auth_user_password_change", args=[target.pk])
    assert admin_client_verified.get(password_url).status_code == 403
    target.refresh_from_db()
    assert target.is_active


def test_it_lets_a_superuser_manage_admins(client, practitioner):
    boss = make_user("boss@example.com", role=roles.ADMIN, full_name="Boss", staff=True)
    User.objects.filter(pk=boss.pk).update(is_superuser=True)
    boss.refresh_from_db()
    sign_in(client, boss)

    response = client.post(
        change_url(practitioner), account_form(practitioner, groups=[group_id(roles.ADMIN)])
    )
    assert response.status_code == 302
    assert set(practitioner.groups.values_list("name", flat=True)) == {roles.ADMIN}
