"""The cast of users every test can call on, a sign-in helper that passes the second
factor for staff the way a real login would leave the session, and self-registration
through the emailed link."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import roles
from portal.middleware import LAST_SEEN_KEY
from portal.models import User
from tests.mailqueue import deliver
from tests.postgres_guard import pytest_runtest_makereport  # noqa: F401  (a hook)
from tests.shipped_content import ensure_shipped_content

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


def registration_link(email: str) -> str:
    """The path and query of the newest registration link emailed to `email` (the queue's
    worker delivers what is waiting first)."""
    deliver()
    for message in reversed(mail.outbox):
        if message.to == [email]:
            found = re.search(r"https?://\S+\?confirm=\S+", message.body)
            if found:
                parts = urlsplit(found.group(0))
                return f"{parts.path}?{parts.query}"
    raise AssertionError(f"no registration link was sent to {email}")


def self_register(client: Client, *, full_name: str, email: str, password: str, **extra):
    """Register as a patient the way a person does: name and email, the link from the
    email, then a password. `extra` fields are posted with both forms. Returns the final
    response (a redirect to the first step when it worked)."""
    page = reverse("intake:register")
    response = client.post(page, {**extra, "full_name": full_name, "email": email})
    assert response.status_code == 302, response.content[:2000]
    client.get(registration_link(email.strip().lower()))
    return client.post(page, {**extra, "password1": password, "password2": password})


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


@pytest.fixture(scope="session")
def _guide_cache_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("guide-cache"))


@pytest.fixture(autouse=True)
def _empty_guide_cache(settings, _guide_cache_dir) -> None:
    """The guide's page cache outlives each test's database: every test starts without it,
    in a folder of this run's own (runs side by side, say on SQLite and PostgreSQL, would
    otherwise empty and fill each other's)."""
    settings.CACHES = {
        **settings.CACHES,
        "guide": {**settings.CACHES["guide"], "LOCATION": _guide_cache_dir},
    }
    caches["guide"].clear()


@pytest.fixture(autouse=True)
def _shipped_content(request) -> None:
    """Transactional tests (live server, threads, backups) empty every table when they end,
    the guide and consent wording included: put them back before each one (the groups
    come back on their own, as the flush re-runs post_migrate)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if transactional or {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        ensure_shipped_content()
