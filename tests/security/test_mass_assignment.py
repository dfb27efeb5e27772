"""Fields a form does not name cannot be set by posting them (docs/security.md S3).

Every form that changes data is posted with valid answers plus the columns an attacker
would want to set; the columns keep the values the server decides. No ModelForm in the
project may take its fields from the model (`__all__` or `exclude`).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intake import steps
from intake.models import INVITATION_LIFETIME, Intake, Invitation, Review
from portal import roles
from portal.models import User
from tests.factories import IntakeFactory
from tests.helpers import (
    VALID,
    make_user,
    review_data,
    self_register,
    sign_in,
    step_url,
    submitted_intake,
)


def hostile_extras(other: User) -> dict:
    return {
        "status": Intake.Status.REVIEWED,
        "patient": str(other.pk),
        "practitioner": str(other.pk),
        "reviewed_by": str(other.pk),
        "reviewer": str(other.pk),
        "review_version": "99",
        "completed_steps": ["about", "pain", "conditions", "consent"],
        "peg_score": "10",
        "highest_severity": "refer",
        "flag_counts": '{"refer": 0}',
        "submitted_at": "2020-01-01T00:00",
        "patient_name": "Someone Else",
        "answers": '{"about": {}}',
        "is_staff": "1",
        "is_superuser": "1",
        "created_by": str(other.pk),
        "used_at": "2020-01-01T00:00",
        "expires_at": "2999-01-01T00:00",
        "nonce_hash": "0" * 64,
    }


SERVER_COLUMNS = (
    "status",
    "patient_id",
    "practitioner_id",
    "review_version",
    "highest_severity",
    "flag_counts",
    "submitted_at",
    "appointment_at",
    "invitation_id",
)


def columns(intake: Intake) -> dict:
    intake.refresh_from_db()
    return {name: getattr(intake, name) for name in SERVER_COLUMNS}


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider@example.com", role=roles.PRACTITIONER, full_name="Out Sider")


@pytest.fixture
def wizard(db, patient_client, patient, practitioner) -> tuple[Client, Intake]:
    intake = IntakeFactory(
        patient=patient,
        practitioner=practitioner,
        appointment_at=timezone.now() + timezone.timedelta(days=3),
    )
    return patient_client, intake


def test_it_ignores_extra_fields_on_every_wizard_step(wizard, outsider):
    client, intake = wizard
    before = columns(intake)
    done: list[str] = []
    for step in steps.FORM_STEPS:
        # A step's own fields win (the pregnancy step has a real `status` question).
        data = {**hostile_extras(outsider), **VALID[step.identifier], "action": "next"}
        if step.identifier == "consent":
            data["typed_name"] = VALID["about"]["legal_name"]
        response = client.post(step_url(intake, step.identifier), data)
        assert response.status_code == 302, (step.identifier, response.content[:2000])
        done.append(step.identifier)

        assert columns(intake) == before, step.identifier
        assert intake.completed_steps == done
        form = step.form_class(intake=intake)
        stored = set(intake.answers[step.identifier])
        unexpected = stored - set(form.fields) - {"items", "duration_months", "version"}
        unexpected -= {"signed_at"}
        assert not unexpected, (step.identifier, unexpected)
    assert intake.patient_name == VALID["about"]["legal_name"]
    # The pain answers' PEG (7, 6, 8) decide the score, not the posted 10.
    assert intake.peg_score == Decimal("7.0")


def test_it_ignores_extra_fields_on_submit(wizard, outsider):
    client, intake = wizard
    for step in steps.FORM_STEPS:
        client.post(step_url(intake, step.identifier), {**VALID[step.identifier], "action": "next"})
    client.post(reverse("intake:submit", args=[intake.pk]), hostile_extras(outsider))
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.patient.email == "pat@example.com"
    assert intake.review_version == 0
    assert intake.submitted_at.year == timezone.now().year


def test_it_ignores_extra_fields_on_the_review_form(db, practitioner, outsider):
    intake = submitted_intake(Client(), practitioner, VALID, "mass@example.com")
    staff = sign_in(Client(), practitioner)
    before = columns(intake)
    data = {**hostile_extras(outsider), **review_data(intake)}
    data.update({"intake": "999", "signed_at": "2020-01-01T00:00", "run_id": "999"})
    response = staff.post(reverse("intake:review", args=[intake.pk]), data)
    assert response.status_code == 302, response.content[:3000]

    review = Review.objects.get(intake=intake)
    assert review.reviewer == practitioner
    assert review.version == 1
    assert review.run == intake.current_run()
    assert review.signed_at.year == timezone.now().year
    after = columns(intake)
    assert after["status"] == Intake.Status.REVIEWED
    assert after["review_version"] == 1
    unchanged = {k: v for k, v in after.items() if k not in {"status", "review_version"}}
    assert unchanged == {k: v for k, v in before.items() if k not in {"status", "review_version"}}


def test_it_ignores_extra_fields_on_the_invitation_form(
    practitioner_client, practitioner, outsider
):
    data = {
        **hostile_extras(outsider),
        "patient_name": "New Patient",
        "email": "new@example.com",
        "appointment_at": "2099-03-01T09:30",
        "practitioner": str(practitioner.pk),
    }
    response = practitioner_client.post(reverse("intake:new_invitation"), data)
    assert response.status_code == 302, response.content[:2000]
    invitation = Invitation.objects.get(email="new@example.com")
    assert invitation.created_by == practitioner
    assert invitation.used_at is None
    assert invitation.nonce_hash != "0" * 64
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - INVITATION_LIFETIME).total_seconds() < 60
    intake = invitation.intake
    assert intake.status == Intake.Status.INVITED
    assert intake.patient is None
    assert intake.patient_name == "New Patient"
    assert intake.review_version == 0
    assert intake.highest_severity == ""


def test_it_ignores_extra_fields_on_registration(db, outsider):
    admin_group = Group.objects.get(name=roles.ADMIN)
    extras = {
        **hostile_extras(outsider),
        "groups": str(admin_group.pk),
        "is_active": "0",
        "is_staff": "on",
        "is_superuser": "on",
    }
    # Both halves of registration get the extras: the name-and-email form, and the
    # password form reached from the emailed link.
    response = self_register(
        Client(),
        full_name="Reg Istered",
        email="reg@example.com",
        password="quiet-river-lantern-morning-9",
        **extras,
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(email="reg@example.com")
    assert not user.is_staff
    assert not user.is_superuser
    assert user.is_active
    assert list(user.groups.values_list("name", flat=True)) == [roles.PATIENT]
    intake = Intake.objects.get(patient=user)
    assert intake.status == Intake.Status.IN_PROGRESS
    assert intake.practitioner is None
    assert intake.completed_steps == []
    assert intake.peg_score is None
    assert intake.patient_name == "Reg Istered"


# Form declarations ----------------------------------------------------------------------

APPS = ("portal", "guide", "intake")


def project_form_classes() -> list[type[forms.BaseForm]]:
    """Every form class defined in the project's apps (migrations and commands aside)."""
    found: dict[str, type[forms.BaseForm]] = {}
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, forms.BaseForm) and obj.__module__ == info.name:
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return list(found.values())


def test_it_names_the_fields_of_every_model_form():
    classes = project_form_classes()
    names = {cls.__name__ for cls in classes}
    # The walk really found the project's forms (so an empty result cannot pass).
    assert {"AboutForm", "ReviewForm", "InvitationForm", "RegisterForm"} <= names
    offenders = []
    for cls in classes:
        meta = getattr(cls, "Meta", None)
        if meta is None:
            continue
        if getattr(meta, "fields", None) == forms.ALL_FIELDS:
            offenders.append(f"{cls.__module__}.{cls.__name__}: fields = '__all__'")
        if getattr(meta, "exclude", None) is not None:
            offenders.append(f"{cls.__module__}.{cls.__name__}: exclude")
    assert not offenders, offenders


def test_it_names_the_fields_of_every_admin_form_that_can_change_data(rf):
    """The admin builds ModelForms too: each admin that can add or change lists its fields
    (fieldsets override a form's own Meta, so UserAdmin's stock form is fine)."""
    request = rf.get("/admin/")
    request.user = User(email="root@example.com", is_active=True, is_staff=True, is_superuser=True)
    offenders = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        if model_admin.exclude is not None:
            offenders.append(f"{model.__name__}: exclude")
        writable = model_admin.has_add_permission(request) or model_admin.has_change_permission(
            request
        )
        if writable and not (model_admin.fields or model_admin.fieldsets):
            offenders.append(f"{model.__name__}: neither fields nor fieldsets")
    assert not offenders, offenders
