"""Settings read from the environment: the small helpers, and production mode refusing to
start half-configured (checked in a fresh interpreter, since settings load once)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from portal.models import User
from portal.settings import BASE_DIR, database_from_url, env_bool, env_list
from tests.factories import PatientFactory
from tests.helpers import start_settings

# --- DATABASE_URL ---------------------------------------------------------------------------


def test_it_reads_a_postgres_url_with_an_encoded_password():
    db = database_from_url("postgres://intake:p%40ss%2Fw%3Ard@db.example.com:6543/intake_prod")
    assert db["ENGINE"] == "django.db.backends.postgresql"  # psycopg 3 under the hood
    assert db["NAME"] == "intake_prod"
    assert db["USER"] == "intake"
    assert db["PASSWORD"] == "p@ss/w:rd"
    assert db["HOST"] == "db.example.com"
    assert db["PORT"] == "6543"
    assert db["CONN_HEALTH_CHECKS"] is True


def test_it_accepts_the_postgresql_scheme_without_a_port(monkeypatch):
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    db = database_from_url("postgresql://portal@localhost/portal")
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["PASSWORD"]) == (
        "django.db.backends.postgresql",
        "localhost",
        "",
        "",
    )
    assert db["CONN_MAX_AGE"] == 0


def test_postgres_queries_are_bound_on_the_server_and_prepared_unless_turned_off(monkeypatch):
    db = database_from_url("postgres://portal@localhost/portal")
    assert db["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "0")
    assert database_from_url("postgres://portal@localhost/portal")["OPTIONS"] == {}


@pytest.mark.django_db
def test_on_postgres_a_query_run_again_keeps_its_plan():
    """A read run more than five times on one connection is a prepared statement, planned
    once (with the values bound on the server, the text is the same every time)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    ids = [PatientFactory().pk for _ in range(7)]
    for pk in ids:
        assert User.objects.filter(pk=pk).values_list("pk", flat=True).get() == pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = %s",
            [
                'SELECT "portal_user"."id" AS "pk" FROM "portal_user"'
                ' WHERE "portal_user"."id" = $1 LIMIT 21'
            ],
        )
        assert cursor.fetchone()[0] == 1


def test_it_defaults_to_sqlite_in_the_project_folder():
    db = database_from_url("sqlite:///db.sqlite3")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == BASE_DIR / "db.sqlite3"


def test_it_takes_an_absolute_sqlite_path_as_is():
    db = database_from_url("sqlite:////var/lib/portal/intake.sqlite3")
    assert db["NAME"] == Path("/var/lib/portal/intake.sqlite3")


@pytest.mark.parametrize("url", ["mysql://u:p@host/db", "oracle://db", "db.sqlite3"])
def test_it_refuses_an_unsupported_database_scheme(url):
    with pytest.raises(ValueError, match="is not supported"):
        database_from_url(url)


# --- Small helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("on", True), ("0", False), ("no", False)],
)
def test_it_reads_booleans(monkeypatch, value, expected):
    monkeypatch.setenv("PORTAL_TEST_FLAG", value)
    assert env_bool("PORTAL_TEST_FLAG") is expected


def test_it_uses_the_default_for_a_missing_boolean(monkeypatch):
    monkeypatch.delenv("PORTAL_TEST_FLAG", raising=False)
    assert env_bool("PORTAL_TEST_FLAG", default=True) is True


def test_it_reads_comma_separated_lists(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_LIST", " a.example , ,b.example,")
    assert env_list("PORTAL_TEST_LIST") == ["a.example", "b.example"]
    monkeypatch.delenv("PORTAL_TEST_LIST")
    assert env_list("PORTAL_TEST_LIST", "x,y") == ["x", "y"]


# --- Starting up ----------------------------------------------------------------------------


def test_it_refuses_production_without_a_secret_key():
    result = start_settings("settings.DEBUG", PORTAL_PRODUCTION="1", ALLOWED_HOSTS="clinic.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when PORTAL_PRODUCTION=1" in result.stderr


def test_it_refuses_production_without_allowed_hosts():
    result = start_settings("settings.DEBUG", PORTAL_PRODUCTION="1", SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when PORTAL_PRODUCTION=1" in result.stderr


def test_it_starts_in_production_with_both_and_secures_cookies():
    result = start_settings(
        "settings.SESSION_COOKIE_SECURE, settings.DEBUG, settings.ALLOWED_HOSTS",
        PORTAL_PRODUCTION="1",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="clinic.example",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True False ['clinic.example']"


def test_it_reads_the_email_backend_from_the_environment():
    backend = "django.core.mail.backends.smtp.EmailBackend"
    result = start_settings("settings.EMAIL_BACKEND", EMAIL_BACKEND=backend)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == backend
    result = start_settings("settings.EMAIL_BACKEND")
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"
