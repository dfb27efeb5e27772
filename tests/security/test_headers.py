"""Response headers per kind of page, the production transport settings, and pages free of
inline script and style (docs/security.md S11, S12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import IntakeFactory
from tests.helpers import PASSWORD, VALID, sign_in, submitted_intake
from tests.security import markup

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def pages(db, patient, practitioner, admin_user):
    """(name, client, url, holds health data) for each kind of page."""
    intake = submitted_intake(Client(), practitioner, VALID, "headers@example.com")
    draft = IntakeFactory(patient=patient)
    patient_client = sign_in(Client(), patient)
    staff = sign_in(Client(), practitioner)
    admin = sign_in(Client(), admin_user)
    anonymous = Client()
    return [
        ("home", anonymous, reverse("home"), False),
        ("guide page", anonymous, reverse("guide:page", args=["safety"]), False),
        ("guide search", anonymous, reverse("guide:search") + "?q=needles", False),
        ("login", anonymous, reverse("login"), False),
        ("patient step", patient_client, reverse("intake:step", args=[draft.pk, "about"]), True),
        ("patient home", patient_client, reverse("home"), True),
        ("dashboard", staff, reverse("intake:dashboard"), True),
        ("practitioner intake", staff, reverse("intake:intake_detail", args=[intake.pk]), True),
        ("print view", staff, reverse("intake:intake_print", args=[intake.pk]), True),
        ("review form", staff, reverse("intake:review", args=[intake.pk]), True),
        ("new invitation", staff, reverse("intake:new_invitation"), True),
        ("export", staff, reverse("intake:intake_export", args=[intake.pk]), True),
        ("admin index", admin, reverse("admin:index"), True),
        ("admin users", admin, reverse("admin:portal_user_changelist"), True),
    ]


def test_it_sends_the_security_headers_on_every_kind_of_page(pages):
    problems = []
    for name, client, url, health_data in pages:
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{name}: status {response.status_code}")
            continue
        csp = response.get("Content-Security-Policy", "")
        directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        checks = {
            "script-src self only": directives.get("script-src") == ["'self'"],
            "no unsafe-inline": "unsafe-inline" not in csp and "unsafe-eval" not in csp,
            "frame-ancestors none": directives.get("frame-ancestors") == ["'none'"],
            "object-src none": directives.get("object-src") == ["'none'"],
            "nosniff": response.get("X-Content-Type-Options") == "nosniff",
            "referrer policy": response.get("Referrer-Policy") == "same-origin",
            "frame options": response.get("X-Frame-Options") == "DENY",
        }
        if health_data:
            checks["no-store"] = "no-store" in response.get("Cache-Control", "")
        problems += [f"{name}: {check}" for check, ok in checks.items() if not ok]
    assert not problems, problems


def test_it_has_no_inline_script_or_style_on_the_main_pages(pages):
    problems = []
    for name, client, url, _ in pages:
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html"):
            continue
        found = markup.read(response.content)
        problems += [f"{name}: {d}" for d in found.dangers()]
        problems += [f"{name}: style= on <{tag}>" for tag in found.style_attributes]
        if found.style_elements:
            problems.append(f"{name}: <style> element")
    assert not problems, problems


def test_it_marks_the_export_as_a_json_download_that_is_never_stored(pages):
    _, client, url, _ = next(page for page in pages if page[0] == "export")
    response = client.get(url)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]


PRODUCTION = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 60 * 60 * 24 * 365,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


def test_it_passes_the_deployment_checklist_in_production_mode():
    env = {
        **os.environ,
        "PORTAL_PRODUCTION": "1",
        "SECRET_KEY": "deploy-check-" + "a-long-random-looking-secret-value-xyz" * 2,
        "ALLOWED_HOSTS": "clinic.example",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("DEBUG", None)
    # The test run may allow async-unsafe calls (for the browser tests); a deployment does
    # not, and Django's check rightly warns about it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_sets_the_transport_settings_in_production_mode():
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG]))"
    )
    env = {
        **os.environ,
        "PORTAL_PRODUCTION": "1",
        "DEBUG": "1",  # ignored in production mode
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "clinic.example",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[31536000, true, true, true, false]"


@override_settings(**PRODUCTION)
def test_it_sends_hsts_and_secure_cookies_over_https(client, patient):
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert client.cookies["csrftoken"]["secure"]
    response = client.post(
        reverse("login"),
        {
            "username": patient.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
        secure=True,
    )
    assert response.status_code == 302
    session = client.cookies["sessionid"]
    assert session["secure"]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


@override_settings(**PRODUCTION)
def test_it_redirects_plain_http_to_https(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
