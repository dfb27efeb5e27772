"""Query counts with check-ins (issue 14, "Scale"): the dashboard, the practitioner's patient
page and a check-in step POST make the same number of queries whatever the number of
check-ins, the patient's own and everyone else's.

Each test runs at a small and a large size, with exact, commented counts (after
healthchecks' test_list_checks.py): a count that grows with the rows is an N+1 query and
fails one of the two sizes.
"""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from intake.demo_follow_ups import Course, FollowUps, courses_wanted
from intake.management.commands.seed_demo import MEDICATIONS
from intake.models import AdverseEvent, Intake, MedicationRecord
from tests.helpers import sign_in
from tests.perf.test_query_counts import STAFF_START, dashboard_groups_read

# (intakes, everyone's check-ins, the patient's own check-ins)
SIZES = [(10, 20, 2), (120, 600, 12)]


def seed(intakes: int, check_ins: int) -> None:
    call_command("seed_demo", intakes=intakes, check_ins=check_ins, seed=intakes, stdout=StringIO())


def seed_with_course(intakes: int, check_ins: int, own: int, *, last_open: bool = False):
    """`intakes` seeded intakes; one patient given `own` check-ins through the seeder (the
    last still in progress with `last_open`), then `check_ins` spread over the others.
    Returns that patient's intake."""
    seed(intakes, 0)
    intake, start, visit = courses_wanted()[0]
    follow_ups = FollowUps(rng=random.Random(own), medications=MEDICATIONS)
    if last_open:
        follow_ups.last_weights = {"open": 1}
    follow_ups.write([Course(intake=intake, start=start, first_visit=visit, count=own)])
    follow_ups.finish()
    seed(0, check_ins)
    return intake


@pytest.mark.parametrize(("intakes", "check_ins", "own"), SIZES)
def test_it_lists_intakes_and_check_ins_in_constant_queries(
    practitioner_client, django_assert_num_queries, intakes, check_ins, own
):
    seed(intakes, check_ins)
    assert Intake.objects.filter(kind=Intake.Kind.CHECK_IN).count() == check_ins
    reached = dashboard_groups_read(timezone.now())
    with django_assert_num_queries(STAFF_START + 1 + reached):
        # 1-3. the session, the user, the user's verified TOTP device
        # 4. the user's groups, for the role check
        # 5-9. one page of intakes and check-ins with their practitioners: a query per
        #      group read until the page is full
        response = practitioner_client.get(reverse("intake:dashboard"))
    assert len(response.context["rows"]) == 25


@pytest.mark.parametrize(("intakes", "check_ins", "own"), SIZES)
def test_it_shows_the_patient_page_in_constant_queries(
    practitioner_client, django_assert_num_queries, intakes, check_ins, own
):
    intake = seed_with_course(intakes, check_ins, own)
    patient = intake.patient
    latest = Intake.objects.filter(patient=patient, kind=Intake.Kind.CHECK_IN).last()
    # Reactions are seeded at random: one for certain, so their query is always there.
    AdverseEvent.objects.create(patient=patient, reported_in=latest, kind="bruising")
    with django_assert_num_queries(STAFF_START + 8):
        # 1-3. the session, the user, the user's verified TOTP device
        # 4. the user's groups, for the role check
        # 5. the patient (a patient account, else 404)
        # 6. the audit trail's INSERT for this view
        # 7. the intake and every check-in, with the PEG items of the pain trend
        # 8. the appointments (the account's, or the visits'), with their practitioners
        # 9. the reviews, with their reviewers
        # 10. the current screenings' flags, with their runs
        # 11. the reactions after treatment, with their visits and practitioners
        response = practitioner_client.get(reverse("intake:patient_detail", args=[patient.pk]))
    assert response.status_code == 200
    assert len(response.context["visits"]) == own + 1
    assert len(response.context["appointments"]) >= own
    assert response.context["reviews"] and response.context["flags"]


@pytest.mark.parametrize(("intakes", "check_ins", "own"), SIZES)
def test_it_saves_a_check_in_step_in_constant_queries(
    db, client, django_assert_num_queries, intakes, check_ins, own
):
    intake = seed_with_course(intakes, check_ins, own, last_open=True)
    check_in = Intake.objects.filter(patient=intake.patient, kind=Intake.Kind.CHECK_IN).last()
    assert check_in.status == Intake.Status.IN_PROGRESS
    assert MedicationRecord.objects.filter(patient=intake.patient).exists()
    sign_in(client, intake.patient)
    data = {"peg_pain": "4", "peg_enjoyment": "5", "peg_activity": "3", "action": "next"}
    with django_assert_num_queries(2 + 6):
        # 1-2. the session, the user
        # 3. the check-in (the patient's own, else 404)
        # 4. savepoint; 5. the check-in locked; 6. the answers written; 7. release
        # 8. the audit trail's INSERT
        # (the next step opens: the PEG, now saved, is the only step before it)
        response = client.post(reverse("intake:step", args=[check_in.pk, "peg"]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:step", args=[check_in.pk, "since"])
