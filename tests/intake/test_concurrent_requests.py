"""The same request sent several times at once makes one record (docs/security.md S18): a
patient's submission, a practitioner's re-screening or invitation; and admins publishing
consent wording at the same moment get a version each. Needs PostgreSQL:
SQLite's in-memory test database cannot be shared between threads."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from intake.models import ConsentText, Intake, Invitation, ScreeningRun
from intake.screening import RULESET_VERSION
from portal.models import AuditEvent
from tests.concurrency import post_at_once
from tests.factories import ScreeningRunFactory, SubmittedIntakeFactory
from tests.helpers import (
    INVITE_URL,
    accept,
    complete_steps,
    drawn_form_token,
    invitation_data,
    invite,
)
from tests.mailqueue import deliver


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_submits_once_when_five_requests_race(practitioner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    client = Client()
    intake, path = invite(practitioner)
    accept(client, path)
    complete_steps(client, intake)
    deliver()
    mail.outbox.clear()
    url = reverse("intake:submit", args=[intake.pk])

    statuses = post_at_once(client, url, 5)

    assert statuses == [302] * 5
    assert Intake.objects.get(pk=intake.pk).status == Intake.Status.SUBMITTED
    assert ScreeningRun.objects.filter(intake=intake).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBMIT).count() == 1
    deliver()
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_rescreens_once_on_a_double_click(practitioner_client, patient):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    intake = SubmittedIntakeFactory(
        patient=patient,
        answers={"about": {"date_of_birth": "1961-03-14", "sex_at_birth": "female"}},
    )
    earlier = ScreeningRunFactory(intake=intake, ruleset="2025.1.0")

    statuses = post_at_once(practitioner_client, reverse("intake:rescreen", args=[intake.pk]), 2)

    assert statuses == [302, 302]
    runs = ScreeningRun.objects.filter(intake=intake)
    assert runs.count() == 2
    assert runs.get(is_current=True).ruleset == RULESET_VERSION
    earlier.refresh_from_db()
    assert not earlier.is_current


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_sends_one_invitation_when_the_form_is_sent_three_times_at_once(
    practitioner_client, practitioner
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    data = invitation_data(
        practitioner=practitioner.pk, form_token=drawn_form_token(practitioner_client)
    )

    statuses = post_at_once(practitioner_client, INVITE_URL, 3, data)

    assert statuses == [302, 302, 302]
    assert Invitation.objects.count() == 1
    assert Intake.objects.count() == 1
    deliver()
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_numbers_consent_versions_published_at_the_same_moment(admin_client_verified):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    before = ConsentText.current().version
    data = {"title": "Consent, revised", "body": "I agree to the revised wording."}

    statuses = post_at_once(admin_client_verified, reverse("admin:intake_consenttext_add"), 3, data)

    assert statuses == [302, 302, 302]
    published = ConsentText.objects.filter(version__gt=before).values_list("version", flat=True)
    assert sorted(published) == [before + 1, before + 2, before + 3]
