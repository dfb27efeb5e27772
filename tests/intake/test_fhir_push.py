"""The push of a reviewed intake to the clinic's FHIR server (FHIR_SERVER_URL): queued with the
review, sent by the task worker, retried on network errors, 5xx and 429, stopped on any other
answer, and its outcome on the intake page with a "push again" for a failed one.

The FHIR server is a stub on 127.0.0.1 (http.server in a thread, on a port the system picks):
it records what it receives and answers as each test scripts it. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from intake.models import FhirPush, Intake
from intake.services import fhir_push_enqueue, fhir_pushes_requeue_stranded
from portal.models import AuditEvent
from tests.helpers import EXPORT_ANSWERS, review_data, submitted_intake
from tests.mailqueue import deliver, retries_fall_due

TOKEN = "stub-token-8c1f"
LOCATION = "http://127.0.0.1/fhir/Bundle/77/_history/1"


class StubServer:
    """What the stub received, and the answers it is to give, in order (then 200s)."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, dict[str, str]]] = []
        self.received: list[dict] = []
        self.url = ""


@pytest.fixture
def fhir_server(settings, monkeypatch):
    stub = StubServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            stub.received.append({"path": self.path, "headers": self.headers, "body": body})
            status, headers = stub.replies.pop(0) if stub.replies else (200, {"Location": LOCATION})
            payload = b'{"resourceType": "Bundle", "type": "transaction-response"}'
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:  # the test output stays quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # A proxy configured on the machine must not see the stub's traffic.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    stub.url = f"http://127.0.0.1:{server.server_port}/fhir"
    settings.FHIR_SERVER_URL = stub.url
    settings.FHIR_SERVER_TOKEN = TOKEN
    settings.FHIR_PUSH_TIMEOUT = 5
    settings.FHIR_PUSH_MAX_ATTEMPTS = 3
    yield stub
    server.shutdown()
    server.server_close()


@pytest.fixture
def submitted(client, practitioner) -> Intake:
    return submitted_intake(client, practitioner, EXPORT_ANSWERS, "harriet@example.com")


def review(practitioner_client, intake: Intake) -> None:
    response = practitioner_client.post(
        reverse("intake:review", args=[intake.pk]), review_data(intake)
    )
    assert response.status_code == 302


def the_push(intake: Intake) -> FhirPush:
    (push,) = FhirPush.objects.filter(intake=intake)
    return push


def closed_port() -> int:
    """A port on this machine where nothing listens: connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def detail(practitioner_client, intake: Intake) -> str:
    return practitioner_client.get(
        reverse("intake:intake_detail", args=[intake.pk])
    ).content.decode()


def test_a_review_queues_the_push_and_the_worker_sends_a_valid_bundle_with_the_token(
    fhir_server, submitted, practitioner_client
):
    review(practitioner_client, submitted)
    push = the_push(submitted)
    assert push.status == FhirPush.Status.QUEUED
    assert not fhir_server.received  # nothing leaves before the worker runs

    deliver()

    (request,) = fhir_server.received
    assert request["path"] == "/fhir"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate(json.loads(request["body"]))
    assert bundle.type == "transaction"
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"Patient", "QuestionnaireResponse", "ClinicalImpression"} <= kinds
    push.refresh_from_db()
    assert push.status == FhirPush.Status.SENT
    assert (push.response_status, push.location, push.attempts) == (200, LOCATION, 1)
    assert push.finished_at is not None
    assert push.review == submitted.reviews.get()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, object_id=str(submitted.pk), actor=None
    ).exists()


def test_the_sent_push_is_shown_on_the_intake_page(fhir_server, submitted, practitioner_client):
    review(practitioner_client, submitted)
    deliver()
    page = detail(practitioner_client, submitted)
    assert "Sent to the clinic's FHIR server" in page
    assert 'data-fhir-push-status="sent"' in page
    assert "the server answered HTTP 200" in page
    assert LOCATION in page
    assert "Push again" not in page


def test_a_500_is_tried_again_and_then_sent(fhir_server, submitted, practitioner_client):
    fhir_server.replies = [(500, {})]
    review(practitioner_client, submitted)
    deliver()
    push = the_push(submitted)
    assert (push.status, push.attempts, push.response_status) == ("queued", 1, 500)
    assert push.last_error == "HTTP 500"
    assert push.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert "Queued to try again" in detail(practitioner_client, submitted)

    deliver()  # the retry is not due yet
    assert len(fhir_server.received) == 1
    retries_fall_due()
    deliver()

    assert len(fhir_server.received) == 2
    push.refresh_from_db()
    assert (push.status, push.attempts, push.response_status) == ("sent", 2, 200)
    assert push.last_error == ""


def test_a_429_waits_as_long_as_retry_after_says_within_the_bound(
    fhir_server, submitted, practitioner_client, settings
):
    settings.FHIR_PUSH_MAX_RETRY_AFTER = 600
    fhir_server.replies = [(429, {"Retry-After": "120"}), (503, {"Retry-After": "86400"})]
    review(practitioner_client, submitted)
    before = timezone.now()
    deliver()
    push = the_push(submitted)
    assert push.status == FhirPush.Status.QUEUED
    wait = push.next_attempt_at - before
    assert timedelta(seconds=119) < wait < timedelta(seconds=130)

    retries_fall_due()
    before = timezone.now()
    deliver()
    push.refresh_from_db()
    # A day asked for, the bound (ten minutes) given.
    wait = push.next_attempt_at - before
    assert timedelta(seconds=599) < wait < timedelta(seconds=610)
    assert push.last_error == "HTTP 503"


def test_a_400_stops_at_once_and_the_page_shows_it_failed(
    fhir_server, submitted, practitioner_client
):
    fhir_server.replies = [(400, {})]
    review(practitioner_client, submitted)
    deliver()
    retries_fall_due()
    deliver()

    assert len(fhir_server.received) == 1
    push = the_push(submitted)
    assert (push.status, push.attempts, push.response_status) == ("failed", 1, 400)
    assert push.last_error == "HTTP 400"
    page = detail(practitioner_client, submitted)
    assert 'data-fhir-push-status="failed"' in page
    assert "HTTP 400" in page
    assert "Push again" in page


def test_a_redirect_is_not_followed(fhir_server, submitted, practitioner_client):
    # Following it would hand the bundle and the token to another address.
    fhir_server.replies = [(302, {"Location": "http://127.0.0.1:9/elsewhere"})]
    review(practitioner_client, submitted)
    deliver()
    assert len(fhir_server.received) == 1
    push = the_push(submitted)
    assert (push.status, push.last_error) == ("failed", "HTTP 302")


def test_a_refused_connection_is_tried_again_then_given_up(
    fhir_server, submitted, practitioner_client, settings
):
    settings.FHIR_SERVER_URL = f"http://127.0.0.1:{closed_port()}/fhir"
    settings.FHIR_PUSH_MAX_ATTEMPTS = 2
    review(practitioner_client, submitted)
    deliver()
    push = the_push(submitted)
    assert (push.status, push.attempts) == ("queued", 1)
    assert push.response_status is None
    assert push.last_error == "Not reached (ConnectionRefusedError)"

    retries_fall_due()
    deliver()
    push.refresh_from_db()
    assert (push.status, push.attempts) == ("failed", 2)
    assert push.last_error == "Not reached (ConnectionRefusedError); gave up after 2 attempts"
    assert "gave up after 2 attempts" in detail(practitioner_client, submitted)


def test_plain_http_to_another_host_is_refused_without_sending(
    fhir_server, submitted, practitioner_client, settings
):
    settings.FHIR_SERVER_URL = "http://fhir.clinic.example/r4"
    review(practitioner_client, submitted)
    deliver()
    push = the_push(submitted)
    assert (push.status, push.last_error) == ("failed", "FHIR_SERVER_URL must use https")


def test_nothing_is_pushed_when_no_server_is_configured(settings, submitted, practitioner_client):
    settings.FHIR_SERVER_URL = ""
    review(practitioner_client, submitted)
    deliver()
    assert not FhirPush.objects.exists()
    assert fhir_push_enqueue(intake=submitted) is None
    assert "FHIR server" not in detail(practitioner_client, submitted)


def test_a_review_that_rolls_back_leaves_no_push(fhir_server, submitted, practitioner):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        fhir_push_enqueue(intake=submitted)
        raise RuntimeError("the review failed")
    assert not FhirPush.objects.exists()
    deliver()
    assert not fhir_server.received


def test_push_again_queues_a_failed_push_afresh_and_is_audited(
    fhir_server, submitted, practitioner_client, practitioner
):
    fhir_server.replies = [(422, {})]
    review(practitioner_client, submitted)
    deliver()
    push = the_push(submitted)
    assert push.status == FhirPush.Status.FAILED

    url = reverse("intake:intake_fhir_push_again", args=[submitted.pk])
    assert practitioner_client.get(url).status_code == 405
    response = practitioner_client.post(url)
    assert response.status_code == 302
    push.refresh_from_db()
    assert (push.status, push.attempts, push.last_error) == ("queued", 0, "")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, object_id=str(submitted.pk), actor=practitioner
    ).exists()

    deliver()
    push.refresh_from_db()
    assert (push.status, push.attempts, push.response_status) == ("sent", 1, 200)
    assert len(fhir_server.received) == 2
    # Pressed again once it is sent: nothing to do, nothing sent.
    practitioner_client.post(url)
    deliver()
    assert len(fhir_server.received) == 2


def test_push_again_is_for_practitioners_only(
    fhir_server, submitted, practitioner_client, patient_client, admin_client_verified
):
    fhir_server.replies = [(400, {})]
    review(practitioner_client, submitted)
    deliver()
    url = reverse("intake:intake_fhir_push_again", args=[submitted.pk])
    assert patient_client.post(url).status_code == 403
    assert admin_client_verified.post(url).status_code == 403
    assert the_push(submitted).status == FhirPush.Status.FAILED
    missing = reverse("intake:intake_fhir_push_again", args=[submitted.pk + 1000])
    assert practitioner_client.post(missing).status_code == 404


def test_the_logs_name_the_intake_and_status_never_the_record(
    fhir_server, submitted, practitioner_client, caplog
):
    fhir_server.replies = [(500, {})]
    review(practitioner_client, submitted)
    with caplog.at_level(logging.DEBUG, logger="intake"):
        deliver()
        retries_fall_due()
        deliver()
    text = caplog.text
    assert f"intake {submitted.pk}" in text
    assert "HTTP 500" in text and "HTTP 200" in text
    for secret in (submitted.patient_name, "Eliquis", "resourceType", TOKEN, "harriet@"):
        assert secret not in text


def test_a_push_whose_task_was_lost_is_queued_again(fhir_server, submitted):
    push = fhir_push_enqueue(intake=submitted)
    FhirPush.objects.filter(pk=push.pk).update(
        status=FhirPush.Status.SENDING, next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    assert fhir_pushes_requeue_stranded() == 1
    deliver()
    push.refresh_from_db()
    assert push.status == FhirPush.Status.SENT
    assert len(fhir_server.received) == 1
