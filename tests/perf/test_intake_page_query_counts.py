"""The practitioner's intake page, and a check-in's (the same view), make the same number of
queries however many screening runs, flags, reviews and acknowledged flags they show: a
count that grows with them is an N+1 query. Exact, commented counts, as in
test_query_counts.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from intake.models import FhirPush, Intake
from tests.factories import ReviewFactory, ScreeningRunFactory, SubmittedIntakeFactory
from tests.helpers import flag_data
from tests.perf.test_check_in_query_counts import seed_with_course
from tests.perf.test_query_counts import INTAKE_PAGE_QUERIES, STAFF_START

SIZES = [1, 5]
SEVERITIES = ["info", "caution", "refer"]


def screen_and_review(intake: Intake, *, size: int, practitioner, pushed: bool = True) -> None:
    """`size` runs of `size` flags each (the last run current), `size` reviews of the
    current run each acknowledging all its flags, and (if `pushed`) a push of the intake to
    the clinic's FHIR server."""
    for number in range(size):
        run = ScreeningRunFactory(
            intake=intake,
            ruleset=f"2026.{number}.0",
            flags=[
                flag_data(f"R{number}{i}", SEVERITIES[i % len(SEVERITIES)]) for i in range(size)
            ],
        )
    for version in range(1, size + 1):
        review = ReviewFactory(intake=intake, run=run, version=version, reviewer=practitioner)
        review.acknowledged_flags.set(run.flags.all())
    if pushed:
        FhirPush.objects.create(intake=intake, review=review)


@pytest.mark.parametrize("pushed", [False, True], ids=["not-pushed", "pushed"])
@pytest.mark.parametrize("size", SIZES)
def test_it_shows_an_intake_in_constant_queries(
    practitioner_client, practitioner, django_assert_num_queries, size, pushed
):
    intake = SubmittedIntakeFactory(status=Intake.Status.REVIEWED)
    screen_and_review(intake, size=size, practitioner=practitioner, pushed=pushed)
    with django_assert_num_queries(STAFF_START + INTAKE_PAGE_QUERIES + pushed):
        # 1-3. the session, the user, the user's verified TOTP device
        # 4. the user's groups, for the role check
        # 5. the intake with its practitioner and consent signature, and whether it was
        #    ever pushed to the clinic's FHIR server
        # 6. the audit trail's INSERT for this view
        # 7. the screening runs joined with their flags
        # 8. the reviews with reviewers, rulesets and the ids of the flags they acknowledged
        # (9. only if it was pushed: the latest push)
        response = practitioner_client.get(reverse("intake:intake_detail", args=[intake.pk]))
    assert response.status_code == 200
    assert len(response.context["reviews"]) == size
    assert len(response.context["latest_review"].acknowledged_flags) == size
    assert (response.context["fhir_push"] is not None) == pushed


@pytest.mark.parametrize("size", SIZES)
def test_it_shows_a_check_in_in_constant_queries(
    practitioner_client, practitioner, django_assert_num_queries, size
):
    intake = seed_with_course(10, 20, 2)
    check_in = Intake.objects.filter(
        patient=intake.patient, kind=Intake.Kind.CHECK_IN, status=Intake.Status.REVIEWED
    ).last()
    check_in.reviews.all().delete()
    screen_and_review(check_in, size=size, practitioner=practitioner)
    with django_assert_num_queries(STAFF_START + INTAKE_PAGE_QUERIES + 5):
        # 1-3. the session, the user, the user's verified TOTP device
        # 4. the user's groups, for the role check
        # 5. the check-in with its practitioner and consent signature, and whether it was
        #    ever pushed to the clinic's FHIR server (it was)
        # 6. the audit trail's INSERT for this view
        # 7. the screening runs joined with their flags
        # 8. the reviews with reviewers, rulesets and the ids of the flags they acknowledged
        # 9. whether the patient signed the consent in force elsewhere (the answers'
        #    consent section is the check-in's only if not)
        # 10. what changed: the visit before, and 11. its current flags
        # 12. the latest push to the clinic's FHIR server
        # 13. the reactions the check-in reported
        response = practitioner_client.get(reverse("intake:intake_detail", args=[check_in.pk]))
    assert response.status_code == 200
    assert response.context["what_changed"] is not None
    assert len(response.context["reviews"]) == size
