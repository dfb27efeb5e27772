"""Reactions after treatment reported on a check-in: recorded as adverse events against the
visit they followed, shown on the check-in's page and counted per practitioner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from appointments.models import Appointment
from intake.models import AdverseEvent
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.helpers import (
    CHECK_IN_VALID,
    VALID,
    book_follow_up,
    medicine_changes,
    post_step,
    submitted_check_in,
    submitted_intake,
)

REACTED = {
    "had_reaction": "yes",
    "reactions": ["bruising", "faint"],
    "timing": "same_day",
    "detail": "A blue mark on the left knee",
}


@pytest.fixture
def first(client, practitioner):
    return submitted_intake(client, practitioner, VALID, email="harriet@example.com")


def attended(patient, practitioner, days_ago: int) -> Appointment:
    return AppointmentFactory(
        patient=patient,
        practitioner=practitioner,
        starts_at=timezone.now() - timedelta(days=days_ago),
        status=Appointment.Status.ATTENDED,
    )


def test_a_reaction_is_recorded_against_the_visit_it_followed(
    client, first, practitioner, practitioner_client
):
    other = PractitionerFactory(full_name="Dr Other")
    attended(first.patient, other, days_ago=30)
    visit = attended(first.patient, practitioner, days_ago=6)
    check_in = book_follow_up(first.patient, practitioner).intake
    check_in = submitted_check_in(client, check_in, {"reactions": REACTED})
    events = AdverseEvent.objects.order_by("kind")
    assert [e.kind for e in events] == ["bruising", "faint"]
    for event in events:
        assert event.patient == first.patient and event.reported_in == check_in
        assert event.visit == visit and event.practitioner == practitioner
        assert event.timing == "same_day" and event.detail == REACTED["detail"]
    page = practitioner_client.get(reverse("intake:intake_detail", args=[check_in.pk]))
    assertContains(page, "Reactions after the last treatment")
    assertContains(page, "Bruising where a needle went in")
    assertContains(page, "A blue mark on the left knee")
    # When it began, and the visit it followed with that visit's practitioner, in words.
    on = timezone.localtime(visit.starts_at)
    followed = f"after the visit of {on.day} {on:%B %Y} with Dr Lin Wei"
    assertContains(page, f"later the same day, {followed}")


def test_no_reaction_records_nothing(client, first, practitioner):
    check_in = book_follow_up(first.patient, practitioner).intake
    submitted_check_in(client, check_in)
    assert not AdverseEvent.objects.exists()


def test_the_reactions_step_asks_what_and_when_after_a_yes(client, first, practitioner):
    check_in = book_follow_up(first.patient, practitioner).intake
    for step in ("peg", "since"):
        post_step(client, check_in, step, CHECK_IN_VALID[step])
    post_step(client, check_in, "medicines", medicine_changes(first.patient))
    response = post_step(client, check_in, "reactions", {"had_reaction": "yes"})
    assert response.status_code == 200
    assertContains(response, "Tick what happened")
    assertContains(response, "Choose when it started")
    response = post_step(client, check_in, "reactions", {"had_reaction": ""})
    assertContains(response, "Choose yes or no.")


def test_reactions_are_counted_per_practitioner_for_the_safety_review(
    client, first, practitioner, practitioner_client
):
    attended(first.patient, practitioner, days_ago=6)
    check_in = book_follow_up(first.patient, practitioner).intake
    submitted_check_in(client, check_in, {"reactions": REACTED})
    # A second check-in with no attended visit since: still counted, but not guessed.
    Appointment.objects.filter(status=Appointment.Status.ATTENDED).delete()
    second = book_follow_up(first.patient, practitioner, days=20).intake
    submitted_check_in(
        client, second, {"reactions": dict(REACTED, reactions=["infection"], detail="")}
    )
    page = practitioner_client.get(reverse("intake:adverse_events"))
    assert page.status_code == 200
    rows = page.context["rows"]
    by_name = {row.practitioner: (row.by_kind, row.total) for row in rows}
    kinds = page.context["kinds"]
    assert by_name[practitioner.full_name][1] == 2
    assert by_name[practitioner.full_name][0][kinds.index("Bruising where a needle went in")] == 1
    assert by_name[""][1] == 1
    assertContains(page, "Visit not recorded")
    # Counts only: no patient and none of their words.
    assert b"blue mark" not in page.content and first.patient_name.encode() not in page.content


def test_the_count_page_is_for_practitioners_only(patient_client):
    assert patient_client.get(reverse("intake:adverse_events")).status_code == 403
