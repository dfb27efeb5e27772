"""The audit trail after a real flow: sign-ins, submission, views, export, review and the
refusals in between (docs/security.md S14). Entries name records by id, never by content."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from intake.models import Intake
from portal.models import AuditEvent
from tests.helpers import NEW_PASSWORD, PASSWORD, VALID, current_code, review_data, submitted_intake


def actions(**filters) -> set[str]:
    return set(AuditEvent.objects.filter(**filters).values_list("action", flat=True))


def test_it_records_who_did_what_through_a_whole_flow(db, practitioner, patient):
    A = AuditEvent.Action  # noqa: N806
    patient_browser = Client()
    intake = submitted_intake(patient_browser, practitioner, VALID, "audit@example.com")
    owner = intake.patient
    patient_browser.post(reverse("logout"))
    patient_browser.post(reverse("login"), {"username": owner.email, "password": NEW_PASSWORD})
    patient_browser.get(reverse("intake:submitted", args=[intake.pk]))

    staff = Client()
    device = TOTPDevice.objects.create(user=practitioner, name="phone", confirmed=True)
    staff.post(reverse("login"), {"username": practitioner.email, "password": PASSWORD})
    staff.post(reverse("otp_verify"), {"token": current_code(device)})
    assert staff.get(reverse("intake:intake_detail", args=[intake.pk])).status_code == 200
    assert staff.get(reverse("intake:intake_export", args=[intake.pk])).status_code == 200
    response = staff.post(reverse("intake:review", args=[intake.pk]), review_data(intake))
    assert response.status_code == 302

    # Another patient tries this intake (404) and the workspace (403).
    prying = Client()
    prying.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert prying.get(reverse("intake:submitted", args=[intake.pk])).status_code == 404
    step = reverse("intake:step", args=[intake.pk, "about"])
    assert prying.post(step, {"legal_name": "x"}).status_code == 404
    assert prying.get(reverse("intake:intake_detail", args=[intake.pk])).status_code == 403
    assert prying.get(reverse("intake:dashboard")).status_code == 403

    on_intake = {"object_type": "intake.intake", "object_id": str(intake.pk)}
    assert {A.LOGIN, A.SUBMIT, A.VIEW} <= actions(actor=owner)
    assert {A.VIEW, A.EXPORT, A.REVIEW} <= actions(actor=practitioner, **on_intake)
    assert A.LOGIN in actions(actor=practitioner)
    assert A.SUBMIT in actions(actor=owner, **on_intake)

    denied = AuditEvent.objects.filter(actor=patient, action=A.DENIED)
    assert denied.filter(**on_intake).count() == 2
    paths = set(denied.values_list("path", flat=True))
    assert reverse("intake:intake_detail", args=[intake.pk]) in paths
    assert reverse("intake:dashboard") in paths
    assert all(event.ip_address == "127.0.0.1" for event in denied)


def test_it_records_an_attempt_on_an_intake_that_does_not_exist(patient_client, patient):
    assert patient_client.get(reverse("intake:submitted", args=[987654])).status_code == 404
    event = AuditEvent.objects.get(actor=patient, action=AuditEvent.Action.DENIED)
    assert (event.object_type, event.object_id) == ("intake.intake", "987654")


def test_it_records_a_staff_member_kept_out_of_the_admin(practitioner_client, practitioner):
    response = practitioner_client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert AuditEvent.objects.filter(actor=practitioner, action=AuditEvent.Action.DENIED).exists()


def test_it_keeps_a_bounded_id_for_an_absurdly_long_one(patient_client, patient):
    huge = "9" * 60
    assert patient_client.get(f"/intake/{huge}/").status_code == 404
    event = AuditEvent.objects.get(actor=patient, action=AuditEvent.Action.DENIED)
    assert len(event.object_id) <= 40


def test_it_does_not_audit_anonymous_visitors_sent_to_sign_in(client, db):
    client.get(reverse("intake:dashboard"))
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DENIED).exists()
    assert Intake.objects.count() == 0
