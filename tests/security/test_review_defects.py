"""Defects a review of the code found (issue 11): consent wording saved from the admin,
submission readiness read outside its lock, unbounded parked answers, and parked answers
accepted from a post that names no origin."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from intake import services, steps
from intake.models import ConsentText, Intake, ScreeningRun
from portal import stash
from portal.middleware import LAST_SEEN_KEY
from portal.stash import STASH_KEY
from tests.factories import IntakeFactory
from tests.helpers import TYPED, complete_steps, signed_in_with_csrf, step_url

# Consent wording ------------------------------------------------------------------------


def test_it_splits_consent_paragraphs_typed_in_a_browser_on_windows(admin_client_verified):
    # Browsers send a textarea's line ends as CR LF, whatever the system.
    body = "First paragraph,\r\nstill the first.\r\n\r\nSecond paragraph."
    response = admin_client_verified.post(
        reverse("admin:intake_consenttext_add"), {"title": "Consent", "body": body}
    )
    assert response.status_code == 302
    published = ConsentText.current()
    assert "\r" not in published.body
    assert published.paragraphs() == ["First paragraph,\nstill the first.", "Second paragraph."]
    # A version stored before line ends were normalised reads the same.
    assert ConsentText(body=body).paragraphs() == published.paragraphs()


def test_it_dates_a_new_consent_version_when_it_is_published(admin_client_verified):
    first = ConsentText.current()
    response = admin_client_verified.post(
        reverse("admin:intake_consenttext_change", args=[first.pk]),
        {"title": first.title, "body": "Revised wording."},
    )
    assert response.status_code == 302
    revised = ConsentText.current()
    assert revised.version == first.version + 1
    assert revised.created_at > first.created_at
    first.refresh_from_db()
    assert first.body != "Revised wording."


# Submission -----------------------------------------------------------------------------


def test_it_decides_readiness_on_the_row_it_locks(client, patient):
    intake = IntakeFactory(patient=patient)
    client.force_login(patient)
    complete_steps(client, intake)
    read_early = Intake.objects.get(pk=intake.pk)
    assert steps.is_ready(read_early)
    # Meanwhile another request takes a step back out of the finished list (the consent
    # wording changed, say): the copy read before the lock no longer tells the truth.
    row = Intake.objects.get(pk=intake.pk)
    row.completed_steps = [s for s in row.completed_steps if s != "consent"]
    row.save(update_fields=["completed_steps"])

    assert services.intake_submit(intake=read_early, user=patient) is False
    intake.refresh_from_db()
    assert intake.status == Intake.Status.IN_PROGRESS
    assert not ScreeningRun.objects.filter(intake=intake).exists()


# Parked answers -------------------------------------------------------------------------


def test_it_bounds_answers_parked_after_the_idle_limit(patient_client, patient):
    intake = IntakeFactory(patient=patient)
    session = patient_client.session
    session[LAST_SEEN_KEY] = time.time() - 31 * 60
    session.save()
    hostile = {f"field{n}": "x" for n in range(stash.FIELDS_MAX + 50)}
    hostile["long"] = "y" * (stash.VALUE_CHARS + 5000)
    hostile["many"] = ["z"] * (stash.VALUES_MAX + 20)

    patient_client.post(step_url(intake, "about"), hostile)

    parked = patient_client.session[STASH_KEY]["data"]
    assert len(parked) <= stash.FIELDS_MAX
    assert all(len(values) <= stash.VALUES_MAX for values in parked.values())
    assert all(len(v) <= stash.VALUE_CHARS for values in parked.values() for v in values)


def stale_post(client: Client, intake: Intake, **headers):
    planted = {**TYPED, "preferred_name": "Sent from nowhere", "csrfmiddlewaretoken": "stale" * 8}
    return client.post(step_url(intake, "about"), planted, headers=headers)


def test_it_does_not_park_a_stale_post_that_names_no_origin(patient):
    intake = IntakeFactory(patient=patient)
    client = signed_in_with_csrf(patient)
    client.defaults.pop("HTTP_ORIGIN", None)

    response = stale_post(client, intake)

    assert response.status_code == 403
    assert STASH_KEY not in client.session
    assertNotContains(client.get(step_url(intake, "about")), "Sent from nowhere")


def test_it_parks_a_stale_post_without_origin_whose_referer_is_this_site(patient):
    """Some browsers leave Origin out of a same-origin form post but send the Referer."""
    intake = IntakeFactory(patient=patient)
    client = signed_in_with_csrf(patient)
    client.defaults.pop("HTTP_ORIGIN", None)

    response = stale_post(client, intake, Referer=f"http://testserver{step_url(intake, 'about')}")

    assert response.status_code == 302
    assertContains(client.get(step_url(intake, "about")), 'value="Sent from nowhere"')


def test_it_does_not_park_a_stale_post_referred_from_elsewhere(patient):
    intake = IntakeFactory(patient=patient)
    client = signed_in_with_csrf(patient)
    client.defaults.pop("HTTP_ORIGIN", None)

    response = stale_post(client, intake, Referer="https://evil.example/form")

    assert response.status_code == 403
    assert STASH_KEY not in client.session
