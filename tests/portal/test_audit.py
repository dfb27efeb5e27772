"""The audit writer (portal/audit.py) stores what `Model.save()` would have stored: the
event's time in the database's own form, the actor's id, the record named by its id only,
and the request's path and address, bounded and cleaned as the columns need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from intake.models import Intake
from portal import audit
from portal.models import AuditEvent
from tests.factories import PractitionerFactory, ScoredIntakeFactory


@pytest.mark.django_db
def test_an_event_names_who_did_what_to_which_record_and_from_where():
    practitioner = PractitionerFactory()
    intake = ScoredIntakeFactory()
    request = RequestFactory().get(f"/practice/intakes/{intake.pk}/", REMOTE_ADDR="192.0.2.7")
    request.user = practitioner
    before = timezone.now()

    audit.record(request, AuditEvent.Action.VIEW, intake)

    event = AuditEvent.objects.get()
    assert event.actor_id == practitioner.pk
    assert event.action == AuditEvent.Action.VIEW
    assert (event.object_type, event.object_id) == ("intake.intake", str(intake.pk))
    assert event.path == f"/practice/intakes/{intake.pk}/"
    assert event.ip_address == "192.0.2.7"
    # Read back as an aware datetime, as a saved model's would be, on either database.
    assert before <= event.at <= timezone.now() + timedelta(seconds=1)
    assert timezone.is_aware(event.at)


@pytest.mark.django_db
def test_an_event_without_a_request_or_record_has_empty_fields_not_errors():
    practitioner = PractitionerFactory()

    audit.record(None, AuditEvent.Action.LOGOUT, actor=practitioner)
    audit.record(None, AuditEvent.Action.LOGIN_FAILED)

    rows = list(
        AuditEvent.objects.order_by("pk").values(
            "actor_id", "action", "object_type", "object_id", "path", "ip_address"
        )
    )
    assert rows == [
        {
            "actor_id": practitioner.pk,
            "action": "logout",
            "object_type": "",
            "object_id": "",
            "path": "",
            "ip_address": None,
        },
        {
            "actor_id": None,
            "action": "login_failed",
            "object_type": "",
            "object_id": "",
            "path": "",
            "ip_address": None,
        },
    ]


@pytest.mark.django_db
def test_a_hostile_path_and_id_are_cut_to_the_columns_and_lose_their_nul():
    request = RequestFactory().get("/x")
    request.path = "/practice/\x00" + "a" * 300
    request.user = PractitionerFactory()
    long_id = Intake(pk=int("9" * 60))

    audit.record(request, AuditEvent.Action.VIEW, long_id)

    event = AuditEvent.objects.get()
    assert event.path == ("/practice/" + "a" * 300)[:200]
    assert event.object_id == "9" * 40
    assert "\x00" not in event.path


@pytest.mark.django_db
def test_an_ipv6_address_is_stored_in_its_normal_form():
    request = RequestFactory().get("/x", REMOTE_ADDR="2001:0DB8:0000:0000:0000:0000:0000:0001")
    request.user = PractitionerFactory()

    audit.record(request, AuditEvent.Action.VIEW)

    assert AuditEvent.objects.get().ip_address == "2001:db8::1"
