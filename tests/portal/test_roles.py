"""The role groups carry exactly the permissions portal.roles declares, on a freshly
migrated database (the test database is one), and those permissions work in the admin; the
role checks read a user's groups afresh on every request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from intake.models import ConsentText
from portal import roles


def permission_names(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.parametrize("name", list(roles.GROUP_PERMISSIONS))
def test_it_gives_each_group_exactly_its_permissions(db, name):
    group = Group.objects.get(name=name)
    assert permission_names(group) == set(roles.GROUP_PERMISSIONS[name])


def test_it_keeps_each_role_to_its_own_work(db):
    """What the declaration must never say, checked on the groups as migrate leaves them
    (the test above only shows that the declaration is applied)."""
    held = {
        name: permission_names(Group.objects.get(name=name)) for name in roles.GROUP_PERMISSIONS
    }
    assert held[roles.PATIENT] == set()
    # Practitioners work outside Django's admin, which is all that checks permissions.
    assert held[roles.PRACTITIONER] == set()
    assert not any(p.split(".")[1].startswith("delete_") for perms in held.values() for p in perms)
    assert not {"intake.view_intake", "intake.view_review"} & set().union(*held.values())
    for admin_only in ("guide.change_page", "intake.change_consenttext", "portal.change_user"):
        assert {name for name, perms in held.items() if admin_only in perms} == {roles.ADMIN}
    # Nobody edits a patient's answers or a signed review through Django's admin.
    assert not {"intake.change_intake", "intake.change_review"} & set().union(*held.values())


def test_it_takes_away_permissions_a_group_should_not_have(db):
    practitioners = Group.objects.get(name=roles.PRACTITIONER)
    practitioners.permissions.add(Permission.objects.get(codename="delete_intake"))
    roles.sync_groups()
    assert permission_names(practitioners) == set(roles.GROUP_PERMISSIONS[roles.PRACTITIONER])


def test_it_refuses_a_declared_permission_that_does_not_exist(db, monkeypatch):
    monkeypatch.setitem(roles.GROUP_PERMISSIONS, roles.PATIENT, ["intake.fly_to_the_moon"])
    with pytest.raises(LookupError, match="intake.fly_to_the_moon"):
        roles.sync_groups()


def test_it_lets_a_verified_admin_who_is_not_a_superuser_publish_consent(
    admin_client_verified, admin_user
):
    assert not admin_user.is_superuser
    latest = ConsentText.current()
    response = admin_client_verified.post(
        reverse("admin:intake_consenttext_add"),
        {"title": "Consent, second edition", "body": "I agree to the new wording."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:intake_consenttext_changelist")
    new = ConsentText.current()
    assert new.version == latest.version + 1
    assert new.body == "I agree to the new wording."
    assert new.created_by == admin_user


def test_it_refuses_to_delete_a_consent_text_even_for_admins(admin_client_verified):
    consent = ConsentText.current()
    response = admin_client_verified.get(
        reverse("admin:intake_consenttext_delete", args=[consent.pk])
    )
    assert response.status_code == 403
    response = admin_client_verified.post(
        reverse("admin:intake_consenttext_delete", args=[consent.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert ConsentText.objects.filter(pk=consent.pk).exists()


def test_a_practitioner_taken_out_of_the_group_loses_the_pages_on_the_next_request(
    practitioner, practitioner_client
):
    dashboard = reverse("intake:dashboard")
    assert practitioner_client.get(dashboard).status_code == 200

    practitioner.groups.remove(Group.objects.get(name=roles.PRACTITIONER))
    assert practitioner_client.get(dashboard).status_code == 403

    practitioner.groups.add(Group.objects.get(name=roles.PRACTITIONER))
    assert practitioner_client.get(dashboard).status_code == 200


def test_it_reads_the_roles_of_the_user_asked_about(db, practitioner, admin_user, patient):
    assert roles.is_practitioner(practitioner) and not roles.is_admin(practitioner)
    assert roles.is_admin(admin_user) and not roles.is_practitioner(admin_user)
    assert roles._group_names(patient) == {roles.PATIENT}
    assert roles._group_names(practitioner) == {roles.PRACTITIONER}
