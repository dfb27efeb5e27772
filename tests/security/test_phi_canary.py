"""A canary value typed by a patient never shows up in a log line, an email or a URL, along
the whole life of an intake (docs/security.md S13).

Logging is captured at DEBUG for every logger. `django.db.backends` is left out on purpose:
with DEBUG on (or inside assertNumQueries) it logs each SQL statement with its parameters,
which contain the answers being saved; it is never enabled in production.
"""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from intake.models import Intake
from tests.helpers import (
    NEW_PASSWORD,
    accept,
    answers_with,
    invite,
    review_data,
    sign_in,
    step_url,
    walk,
)
from tests.mailqueue import deliver

CANARY = "CANARY-7f3e-Warfarin"
# Loggers that do not propagate to the root, or have a level of their own.
OWN_LOGGERS = ("django.request", "django.security", "django.server", "axes", "intake", "portal")


class RecordingClient(Client):
    """A test client that remembers every URL it asked for and every redirect it was given."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.urls: list[str] = []

    def request(self, **request):
        response = super().request(**request)
        self.urls.append(f"{request.get('PATH_INFO', '')}?{request.get('QUERY_STRING', '')}")
        if response.has_header("Location"):
            self.urls.append(response["Location"])
        return response


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in OWN_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
        logging.getLogger(name).addHandler(caplog.handler)
    yield caplog
    for name in OWN_LOGGERS:
        logging.getLogger(name).removeHandler(caplog.handler)


def test_it_keeps_the_canary_out_of_logs_mail_and_urls(logs, practitioner, other_patient):
    fields = {"pain": ("complaint",), "medications": ("med-0-name",)}
    answers = answers_with(CANARY, fields=fields)
    patient = RecordingClient()
    staff = sign_in(RecordingClient(), practitioner)
    outsider = sign_in(RecordingClient(), other_patient)

    intake, path = invite(practitioner, email="canary@example.com")
    accept(patient, path)
    intake.refresh_from_db()
    walk(patient, intake, answers)
    # A step that fails validation with the canary in it, and is kept as a draft.
    bad = dict(answers["pain"], peg_pain="eleven", action="save")
    assert patient.post(step_url(intake, "pain"), bad).status_code == 302
    assert CANARY in patient.get(step_url(intake, "pain")).content.decode()
    patient.post(step_url(intake, "pain"), dict(answers["pain"], action="next"))
    # A stale form: the CSRF failure view parks it (and Django logs the refusal).
    stale = RecordingClient(enforce_csrf_checks=True)
    stale.post(reverse("login"), {"username": "canary@example.com", "password": NEW_PASSWORD})
    stale.force_login(intake.patient)
    stale.post(step_url(intake, "pain"), dict(answers["pain"], csrfmiddlewaretoken="x" * 32))
    patient.get(reverse("intake:review_answers", args=[intake.pk]))
    patient.post(reverse("intake:submit", args=[intake.pk]))
    patient.get(reverse("intake:submitted", args=[intake.pk]))
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.answers["medications"]["items"][0]["name"] == CANARY

    # Refusals are logged by Django with the path: the canary must not be in it.
    outsider.get(reverse("intake:submitted", args=[intake.pk]))
    outsider.get(reverse("intake:intake_detail", args=[intake.pk]))

    staff.get(reverse("intake:dashboard"))
    staff.post(reverse("intake:dashboard"), {"q": "Quill", "apply": ""})
    for name in ("intake_detail", "intake_print", "intake_export", "review"):
        response = staff.get(reverse(f"intake:{name}", args=[intake.pk]))
        assert response.status_code == 200
    assert CANARY in staff.get(reverse("intake:intake_export", args=[intake.pk])).content.decode()
    staff.post(reverse("intake:rescreen", args=[intake.pk]))
    intake.refresh_from_db()
    response = staff.post(reverse("intake:review", args=[intake.pk]), review_data(intake))
    assert response.status_code == 302, response.content[:2000]
    # A review that fails validation, and one that conflicts.
    staff.post(reverse("intake:review", args=[intake.pk]), review_data(intake, signed_name="x"))
    stale_review = review_data(intake, version="0")
    assert staff.post(reverse("intake:review", args=[intake.pk]), stale_review).status_code == 409

    records = [r for r in logs.records if not r.name.startswith("django.db.backends")]
    assert records, "nothing was logged: the capture is not working"
    leaked = [f"{r.name}: {r.getMessage()}" for r in records if CANARY in r.getMessage()]
    assert not leaked, leaked
    assert CANARY not in logs.text

    deliver()
    assert mail.outbox, "the invitation and the submission notice were sent"
    for message in mail.outbox:
        parts = [message.subject, message.body, *(c for c, _ in message.alternatives)]
        assert not any(CANARY in part for part in parts), message.subject

    urls = patient.urls + staff.urls + outsider.urls + stale.urls
    assert len(urls) > 20
    assert not [url for url in urls if CANARY in url or "Warfarin" in url]


# The error path ----------------------------------------------------------------------------


@pytest.mark.urls("tests.security.error_urls")
@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("test_crash", 500),
        ("test_bad_number", 500),
        ("test_suspicious", 400),
        ("test_forbidden", 403),
    ],
)
def test_it_keeps_the_canary_out_of_error_logs_and_reports(logs, settings, patient, name, status):
    """A view that fails while handling posted answers: Django logs the error and, with
    ADMINS set, may mail a report of the request. Neither may carry what was posted."""
    settings.ADMINS = [("Clinic IT", "it@clinic.example")]
    settings.MANAGERS = settings.ADMINS
    client = sign_in(Client(raise_request_exception=False), patient)

    response = client.post(reverse(name), {"complaint": CANARY, "legal_name": CANARY})

    assert response.status_code == status
    assert CANARY not in response.content.decode()
    records = [r for r in logs.records if not r.name.startswith("django.db.backends")]
    assert records, "the failure was not logged: the capture is not working"
    assert CANARY not in logs.text
    if status == 500:
        # The traceback is still there to find the fault, its exception named by type.
        assert "Traceback (most recent call last)" in logs.text
        assert "message withheld" in logs.text
    deliver()
    for message in mail.outbox:
        parts = [message.subject, message.body, *(c for c, _ in message.alternatives)]
        assert not any(CANARY in part for part in parts), message.subject
