"""The fixtures every test can call on: the cast of users (signed in where a test needs
it, through tests/helpers.py sign_in), the fast password hasher, and the guide cache and
shipped content each test starts with."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.test import Client

from portal import roles
from portal.models import User
from tests.helpers import make_user, sign_in
from tests.postgres_guard import pytest_runtest_makereport  # noqa: F401  (a hook)
from tests.shipped_content import ensure_shipped_content


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
