"""The cast of users every test can call on, and a sign-in helper that passes the second
factor for staff the way a real login would leave the session."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import roles
from portal.middleware import LAST_SEEN_KEY
from portal.models import User

PASSWORD = "correct-horse-battery-staple-42"


def make_user(email: str, *, role: str, full_name: str = "", staff: bool = False) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=full_name, is_staff=staff)
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(client: Client, user: User) -> Client:
    """Log the user in as if they had just opened a page; for staff, also verify a confirmed
    TOTP device in the session."""
    client.force_login(user)
    session = client.session
    session[LAST_SEEN_KEY] = time.time()
    if user.is_staff:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test device", defaults={"confirmed": True}
        )
        session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def patient(db) -> User:
    return make_user("pat@example.com", role=roles.PATIENT, full_name="Pat Jones")


@pytest.fixture
def other_patient(db) -> User:
    return make_user("other@example.com", role=roles.PATIENT, full_name="Olive Other")


@pytest.fixture
def practitioner(db) -> User:
    return make_user(
        "prac@example.com", role=roles.PRACTITIONER, full_name="Dr Lin Wei", staff=True
    )


@pytest.fixture
def admin_user(db) -> User:
    return make_user("admin@example.com", role=roles.ADMIN, full_name="Ada Admin", staff=True)


@pytest.fixture
def patient_client(client, patient) -> Client:
    return sign_in(client, patient)


@pytest.fixture
def practitioner_client(practitioner) -> Client:
    return sign_in(Client(), practitioner)


@pytest.fixture
def admin_client_verified(admin_user) -> Client:
    return sign_in(Client(), admin_user)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings, request):
    """Argon2 is deliberately slow; tests that do not examine hashing use a fast hasher.
    Mark a test `@pytest.mark.real_hashing` to keep the production hasher."""
    if "real_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
