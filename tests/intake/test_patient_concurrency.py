"""The same submission sent five times at once becomes one submission (SECURITY.md S18).
Needs PostgreSQL: SQLite's in-memory test database cannot be shared between threads."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from intake.models import Intake, ScreeningRun
from portal.models import AuditEvent
from tests.intake.test_patient_wizard import accept, complete_steps, invite


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_submits_once_when_five_requests_race(practitioner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    client = Client()
    intake, path = invite(practitioner)
    accept(client, path)
    complete_steps(client, intake)
    mail.outbox.clear()
    url = reverse("intake:submit", args=[intake.pk])
    barrier = threading.Barrier(5)
    statuses: list[int] = []

    def submit() -> None:
        tab = Client()
        tab.cookies = client.cookies
        try:
            barrier.wait()
            statuses.append(tab.post(url).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 5
    assert Intake.objects.get(pk=intake.pk).status == Intake.Status.SUBMITTED
    assert ScreeningRun.objects.filter(intake=intake).count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUBMIT).count() == 1
    assert len(mail.outbox) == 1
