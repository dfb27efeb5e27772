"""Every kind of email the portal sends carries no health data, and each link in it either
needs a sign-in or is a single-use token that shows nothing of the record to whoever opens
it (docs/security.md S13). The patient's answers hold a canary; every email is made, delivered,
searched for it, and its links are opened by a stranger.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from appointments.services import appointment_create, appointment_send_again
from guide.models import Page
from guide.reviews import mail_overdue
from intake.models import Intake
from intake.services import red_flag_notice_record, registration_start
from outbox.kinds import WRITERS
from outbox.models import Email
from outbox.services import email_enqueue
from portal import notices
from portal.models import User
from tests.factories import SubmittedIntakeFactory
from tests.mailqueue import deliver

CANARY = "CANARY-91bd-Oxycodone"
LINK = re.compile(r"https?://\S+")


def test_it_keeps_health_data_out_of_every_email_and_behind_sign_in(
    practitioner, patient, admin_user
):
    appointment = appointment_create(
        patient_name="Carrie Canary",
        email=patient.email,
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(days=2),
        kind=Appointment.Kind.FIRST_VISIT,
        created_by=practitioner,
    )
    Intake.objects.filter(pk=appointment.intake_id).update(
        patient=patient,
        status=Intake.Status.IN_PROGRESS,
        answers={
            "pain": {"complaint": CANARY},
            "medications": {"none": False, "items": [{"name": CANARY}]},
        },
        completed_steps=["about", "pain"],
    )
    appointment_send_again(appointment=appointment)  # a reminder
    # A check-in before a follow-up, and its reminder, for a patient whose earlier intake
    # (and so the medicine list the check-in starts from) holds the canary.
    SubmittedIntakeFactory(
        patient=patient,
        answers={"pain": {"complaint": CANARY}, "medications": {"items": [{"name": CANARY}]}},
    )
    follow_up = appointment_create(
        patient_name="Carrie Canary",
        email=patient.email,
        practitioner=practitioner,
        starts_at=timezone.now() + timedelta(days=9),
        kind=Appointment.Kind.FOLLOW_UP,
        created_by=practitioner,
    )
    assert follow_up.intake.is_check_in
    appointment_send_again(appointment=follow_up)
    intake = Intake.objects.get(pk=appointment.intake_id)
    # The practitioner's notice, as a submission queues it.
    email_enqueue(
        kind="intake_submitted", to=practitioner.email, params={"intake": intake.pk}, about=intake
    )
    # A red-flag answer needing care.
    red_flag_notice_record(intake=intake, answers=["chest_pain_breathless"])
    registration_start(full_name="Newcomer", email="new@example.com")  # sign-up link
    registration_start(full_name="Carrie", email=patient.email)  # "you have an account"
    Client().post(reverse("password_reset"), {"email": patient.email})  # reset
    notices.tell_owner(patient, "The password of your account was changed")
    invited = User.objects.create_user("invited@example.com", None, full_name="Ivy Invited")
    email_enqueue(kind="practitioner_invitation", to=invited.email, params={"user": invited.pk})
    email_enqueue(
        kind="practitioner_to_approve",
        to=admin_user.email,
        params={"user": invited.pk, "by": admin_user.email},
    )
    Page.objects.create(
        title="Overdue page",
        slug="overdue-page",
        status=Page.Status.PUBLISHED,
        review_by=timezone.localdate() - timedelta(days=1),
    )
    mail_overdue()
    deliver()

    kinds = set(Email.objects.filter(status=Email.Status.SENT).values_list("kind", flat=True))
    assert kinds == set(WRITERS), f"kinds not tried: {set(WRITERS) - kinds}"
    # One of each kind, and the reminder twice (an intake's and a check-in's).
    assert len(mail.outbox) == len(WRITERS) + 1
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert CANARY not in text and "Oxycodone" not in text, message.subject
        assert "Carrie Canary" not in text, "no full name in an email"
        for link in LINK.findall(message.body):
            path = link.split("8000", 1)[1]
            stranger = Client()
            response = stranger.get(path, follow=True)
            assert response.status_code in (200, 404), (path, response.status_code)
            assert CANARY.encode() not in response.content, path
            assert b"Carrie Canary" not in response.content, path
