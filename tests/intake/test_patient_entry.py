"""Where each way in leads a patient: "My intake" (and the emailed links to it) to the
intake or check-in due first, "Start my intake" to a first-visit intake and never to a
check-in, and neither to a withdrawn check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.models import Intake
from intake.selectors import patient_entry
from intake.services import intake_start
from tests.factories import SubmittedIntakeFactory
from tests.helpers import step_url

MY_INTAKE = reverse("intake:my_intake")


def open_record(patient, kind: str, *, days: float | None) -> Intake:
    return Intake.objects.create(
        patient=patient,
        kind=kind,
        status=Intake.Status.IN_PROGRESS,
        appointment_at=None if days is None else timezone.now() + timedelta(days=days),
    )


@pytest.fixture
def sent(patient) -> Intake:
    return SubmittedIntakeFactory(patient=patient)


def test_it_leads_to_the_check_in_when_the_intake_was_sent(patient_client, patient, sent):
    check_in = open_record(patient, Intake.Kind.CHECK_IN, days=5)
    assert patient_client.get(MY_INTAKE)["Location"] == step_url(check_in, "peg")


def test_it_leads_to_whichever_is_due_first_check_in_or_intake(patient_client, patient, sent):
    # A returning patient's new course: a first-visit intake booked after a check-in.
    check_in = open_record(patient, Intake.Kind.CHECK_IN, days=2)
    later_intake = open_record(patient, Intake.Kind.INTAKE, days=9)
    assert patient_client.get(MY_INTAKE)["Location"] == step_url(check_in, "peg")

    # ...and the other way round: the check-in made last, for the later visit.
    Intake.objects.filter(pk=check_in.pk).update(appointment_at=timezone.now() + timedelta(days=12))
    assert patient_client.get(MY_INTAKE)["Location"] == step_url(later_intake, "about")


def test_an_upcoming_visit_comes_before_one_without_a_date_or_one_gone_by(patient, sent):
    now = timezone.now()
    undated = open_record(patient, Intake.Kind.INTAKE, days=None)
    gone_by = open_record(patient, Intake.Kind.CHECK_IN, days=-3)
    assert patient_entry(user=patient, now=now) == undated
    ahead = open_record(patient, Intake.Kind.CHECK_IN, days=4)
    assert patient_entry(user=patient, now=now) == ahead
    Intake.objects.filter(pk__in=[undated.pk, ahead.pk]).update(status=Intake.Status.SUBMITTED)
    assert patient_entry(user=patient, now=now) == gone_by


def test_it_never_offers_a_withdrawn_check_in(patient_client, patient, sent):
    Intake.objects.filter(pk=open_record(patient, Intake.Kind.CHECK_IN, days=3).pk).update(
        status=Intake.Status.WITHDRAWN
    )
    assert patient_client.get(MY_INTAKE)["Location"] == reverse("intake:submitted", args=[sent.pk])


def test_starting_an_intake_never_hands_back_a_check_in(patient, sent):
    check_in = open_record(patient, Intake.Kind.CHECK_IN, days=3)
    started = intake_start(user=patient)
    assert started.kind == Intake.Kind.INTAKE
    assert started.pk != check_in.pk
    # Asked again, the same first-visit intake, not another.
    assert intake_start(user=patient) == started


def test_start_my_intake_pressed_again_leads_where_the_patient_is(
    patient_client, patient, settings
):
    settings.SELF_REGISTRATION = True
    first = patient_client.post(MY_INTAKE)
    intake = Intake.objects.get(patient=patient)
    assert first["Location"] == step_url(intake, "about")
    # The intake is sent and a check-in made; "Start my intake" from an old tab leads to
    # the check-in, and starts nothing.
    Intake.objects.filter(pk=intake.pk).update(
        status=Intake.Status.SUBMITTED, submitted_at=timezone.now()
    )
    check_in = open_record(patient, Intake.Kind.CHECK_IN, days=3)
    assert patient_client.post(MY_INTAKE)["Location"] == step_url(check_in, "peg")
    assert Intake.objects.filter(patient=patient).count() == 2


def test_start_my_intake_is_refused_without_self_registration(patient_client, settings):
    settings.SELF_REGISTRATION = False
    assert patient_client.post(MY_INTAKE).status_code == 404


def test_it_reads_one_query(patient, sent, django_assert_num_queries):
    open_record(patient, Intake.Kind.CHECK_IN, days=3)
    with django_assert_num_queries(1):  # the patient's records, ranked, first only
        patient_entry(user=patient, now=timezone.now())
