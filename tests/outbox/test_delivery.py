"""Email through the queue (docs/security.md S30): queued with the row that needs it, delivered by
the worker after the commit, retried with back-off while the mail server is down, visible
and retryable once the retries run out, and never sent twice.

The mail server is made to fail for real: Django's SMTP backend pointed at a port on this
machine where nothing listens (connection refused). It "recovers" when the tests switch to
the in-memory backend.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from intake.models import Intake, Invitation
from outbox.models import Email
from outbox.services import email_enqueue, emails_requeue_stranded, emails_retry
from tests.helpers import sign_in
from tests.mailqueue import deliver, retries_fall_due

DOWN = {
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": 9,  # discard: nothing listens here, the connection is refused
    "EMAIL_TIMEOUT": 2,
}
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def mail_server_down(settings):
    for name, value in DOWN.items():
        setattr(settings, name, value)

    def recover() -> None:
        settings.EMAIL_BACKEND = LOCMEM

    return recover


def invite(client: Client, practitioner, email: str = "mary@example.com"):
    return client.post(
        reverse("intake:new_invitation"),
        {
            "patient_name": "Mary Major",
            "email": email,
            "appointment_at": (timezone.now() + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M"),
            "practitioner": str(practitioner.pk),
        },
    )


def test_it_invites_without_a_500_while_the_mail_server_is_down_and_sends_on_recovery(
    practitioner, mail_server_down
):
    staff = sign_in(Client(), practitioner)
    response = invite(staff, practitioner)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    [email] = Email.objects.all()
    assert (email.kind, email.to, email.status) == ("invitation", "mary@example.com", "queued")

    deliver()  # the worker tries: connection refused
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("queued", 1)
    assert email.last_error.startswith("ConnectionRefusedError")
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert not mail.outbox

    deliver()  # the retry waits out its back-off: nothing happens yet
    email.refresh_from_db()
    assert email.attempts == 1

    mail_server_down()  # recovered
    retries_fall_due()
    deliver()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 2)
    [message] = mail.outbox
    assert message.to == ["mary@example.com"]
    # The link in it works: the nonce is written again at delivery, not kept in the queue.
    path = message.body.split("Start here", 1)[1].split("\n")[1].split("8000", 1)[1]
    patient = Client()
    assert patient.get(path).status_code == 302
    invitation.refresh_from_db()
    assert invitation.opened_at is not None


def test_it_registers_without_a_500_while_the_mail_server_is_down(db, mail_server_down):
    client = Client()
    response = client.post(
        reverse("intake:register"), {"full_name": "Sam Self", "email": "sam@example.com"}
    )
    assert response.status_code == 302
    deliver()
    email = Email.objects.get(kind="registration_link")
    assert email.status == "queued"
    mail_server_down()
    retries_fall_due()
    deliver()
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
    assert "?confirm=" in mail.outbox[0].body


def test_it_resets_passwords_without_a_500_while_the_mail_server_is_down(patient, mail_server_down):
    response = Client().post(reverse("password_reset"), {"email": patient.email})
    assert response.status_code == 302
    deliver()
    mail_server_down()
    retries_fall_due()
    deliver()
    [message] = mail.outbox
    assert "/accounts/reset/" in message.body


def test_it_sends_nothing_when_the_transaction_rolls_back(practitioner):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        email_enqueue(kind="registration_exists", to="x@example.com")
        raise Undo
    assert not Email.objects.exists()
    assert not DBTaskResult.objects.exists()
    deliver()
    assert not mail.outbox


def test_it_gives_up_after_the_last_attempt_and_lets_staff_retry(db, settings, mail_server_down):
    settings.EMAIL_MAX_ATTEMPTS = 3
    email = email_enqueue(kind="registration_exists", to="owner@example.com")
    for _ in range(3):
        retries_fall_due()
        deliver()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("failed", 3)
    retries_fall_due()
    deliver()
    email.refresh_from_db()
    assert email.attempts == 3, "no attempt after the last one"

    mail_server_down()
    assert emails_retry(emails=Email.objects.all()) == 1
    deliver()
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_it_lets_an_admin_retry_failed_emails_from_the_admin(
    admin_client_verified, settings, mail_server_down
):
    settings.EMAIL_MAX_ATTEMPTS = 1
    email = email_enqueue(kind="registration_exists", to="owner@example.com")
    deliver()
    email.refresh_from_db()
    assert email.status == "failed"
    listing = admin_client_verified.get(reverse("admin:outbox_email_changelist"))
    assert listing.status_code == 200
    assert b"ConnectionRefusedError" in listing.content
    mail_server_down()
    response = admin_client_verified.post(
        reverse("admin:outbox_email_changelist"),
        {"action": "retry", "_selected_action": [str(email.pk)]},
    )
    assert response.status_code == 302
    deliver()
    email.refresh_from_db()
    assert email.status == "sent"


def test_it_requeues_an_email_whose_worker_died_mid_send_and_sends_it_once(db, settings):
    settings.EMAIL_BACKEND = LOCMEM
    email = email_enqueue(kind="registration_exists", to="owner@example.com")
    # A worker claimed it and was killed before it could finish: the task row is gone.
    Email.objects.filter(pk=email.pk).update(
        status="sending", next_attempt_at=timezone.now() - timedelta(minutes=20)
    )
    DBTaskResult.objects.all().delete()
    assert emails_requeue_stranded() == 1
    assert emails_requeue_stranded() == 0, "a second sweep finds nothing to do"
    deliver()
    email.refresh_from_db()
    assert email.status == "sent"
    assert len(mail.outbox) == 1


def test_it_ignores_a_task_left_over_from_before_a_requeue(db, settings):
    settings.EMAIL_BACKEND = LOCMEM
    email = email_enqueue(kind="registration_exists", to="owner@example.com")
    # The worker was down long enough for the sweep to queue it again: two tasks, one row.
    Email.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert emails_requeue_stranded() == 1
    assert DBTaskResult.objects.count() == 2
    deliver()
    assert len(mail.outbox) == 1


def test_it_drops_an_invitation_email_whose_invitation_was_used_meanwhile(practitioner, settings):
    settings.EMAIL_BACKEND = LOCMEM
    staff = sign_in(Client(), practitioner)
    invite(staff, practitioner)
    Invitation.objects.update(used_at=timezone.now())
    deliver()
    assert not mail.outbox
    assert Email.objects.get().status == "dropped"
    assert Intake.objects.count() == 1
