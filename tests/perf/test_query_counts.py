"""Query counts stay the same however much data there is.

Each page kind is loaded with 10 and with 200 rows of what it lists or could list (intakes
for the practitioner's pages and the wizard, published pages for the guide), and must make
exactly the same, commented, number of queries (after healthchecks' test_list_checks.py).
A count that grows with rows is an N+1 query; a count that changes for another reason
means the comment list below needs updating along with the code.
"""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from guide import cache as guide_cache
from guide.models import Page
from intake import steps
from intake.management.commands.seed_demo import Seeder
from intake.models import ConsentSignature, ConsentText, Intake
from tests.helpers import sign_in

ROWS = [10, 200]

# Every signed-in request starts with these. The session is saved only when its last-seen
# time is a minute old (portal.middleware); sign_in leaves it fresh, as a page just opened
# would, so none of the requests measured here writes the session.
SIGNED_IN_START = 2  # the session; the signed-in user
STAFF_START = SIGNED_IN_START + 1  # the user's verified TOTP device (django-otp)


def seed(rows: int) -> None:
    """`rows` realistic intakes of every status, with flags and reviews (seed_demo)."""
    call_command("seed_demo", intakes=rows, seed=rows, stdout=StringIO())


def full_intake(patient) -> Intake:
    """An in-progress intake with every step answered and signed, so every step opens."""
    consent = ConsentText.current()
    seeder = Seeder(
        rng=random.Random(1),
        practitioners=[],
        consent=consent,
        password_hash="",
        patient_group=None,
        first_number=0,
    )
    answers, _ = seeder.answers(patient.full_name, len(steps.FORM_STEPS), timezone.now())
    # Female and of an age to be asked, so that the pregnancy step applies and opens.
    answers["about"].update(sex_at_birth="female", date_of_birth="1990-05-01")
    answers["pregnancy"] = {"status": "no", "weeks": None}
    completed = [step.identifier for step in steps.FORM_STEPS]
    intake = Intake.objects.create(
        patient=patient,
        patient_name=patient.full_name,
        status=Intake.Status.IN_PROGRESS,
        answers=answers,
        completed_steps=completed,
    )
    ConsentSignature.objects.create(
        intake=intake, consent_text=consent, signer=patient, typed_name=patient.full_name
    )
    return intake


# The practitioner's pages ---------------------------------------------------------------


def dashboard_groups_read(now) -> int:
    """How many of the dashboard's five groups page 1 reads (26 rows, one more than a page,
    from each group in turn until it has them): each is one query."""
    unreviewed = Intake.objects.filter(status=Intake.Status.SUBMITTED)
    rest = Intake.objects.exclude(
        status=Intake.Status.SUBMITTED, highest_severity__in=["refer", "contraindicated"]
    )
    sizes = [
        unreviewed.filter(highest_severity="refer").count(),
        unreviewed.filter(highest_severity="contraindicated").count(),
        rest.filter(appointment_at__gte=now).count(),
        rest.filter(appointment_at__lt=now).count(),
    ]
    before = [sum(sizes[:i]) for i in range(5)]
    return sum(rows_before < 26 for rows_before in before)


@pytest.mark.parametrize("rows", ROWS)
def test_it_lists_intakes_in_constant_queries(practitioner_client, django_assert_num_queries, rows):
    seed(rows)
    # Page 1 reads 26 rows (one more than a page) from each group in turn (unreviewed with
    # a refer flag, unreviewed with a contraindicated one, then upcoming, past and unbooked
    # appointments) until it has them: all five groups when the whole list fits on it, fewer
    # when the first groups fill it. Nothing is counted.
    reached = dashboard_groups_read(timezone.now())
    # The seeded data has both cases: a short list that spans groups, a long one that doesn't.
    assert (reached == 5) if rows == 10 else (reached < 5)
    with django_assert_num_queries(STAFF_START + 1 + reached):
        # 1-3. the session, the user, the user's verified TOTP device
        # 4. the user's groups, for the role check (cached on the user for the request)
        # 5-9. one page of intakes joined with their practitioners: a query per group read
        response = practitioner_client.get(reverse("intake:dashboard"))
    assert len(response.context["rows"]) == min(rows, 25)


# The intake page after the staff start: the role check, the intake, the audit INSERT, the
# runs with their flags, the reviews with what they acknowledged (commented below). One
# more when the intake was pushed to the clinic's FHIR server: the latest push.
INTAKE_PAGE_QUERIES = 5


@pytest.mark.parametrize("rows", ROWS)
def test_it_shows_an_intake_in_constant_queries(
    practitioner_client, django_assert_num_queries, rows
):
    seed(rows)
    shown = (
        Intake.objects.filter(status=Intake.Status.REVIEWED)
        .annotate(flags=Count("screening_runs__flags"))
        .order_by("-flags", "pk")
        .first()
    )
    with django_assert_num_queries(STAFF_START + INTAKE_PAGE_QUERIES):
        # 1-3. the session, the user, the user's verified TOTP device
        # 4. the user's groups, for the role check
        # 5. the intake with its practitioner and consent signature (for the answers'
        #    consent section), and whether it was ever pushed to a FHIR server (it was not:
        #    no push is read)
        # 6. the audit trail's INSERT for this view
        # 7. the screening runs joined with their flags, which give their counts too
        # 8. the reviews with reviewers, rulesets and the ids of the flags they acknowledged
        response = practitioner_client.get(reverse("intake:intake_detail", args=[shown.pk]))
    assert response.status_code == 200


# The patient's wizard -------------------------------------------------------------------

# Every step page: the session and user (2), the intake (1), whether its consent signature
# is for the wording in force (1, asked once and kept on the intake), the audit INSERT (1).
STEP_QUERIES = SIGNED_IN_START + 3
# The consent step adds the consent text it shows (1) and, to tell whether the patient is
# being asked again, the signature (1).
CONSENT_STEP_QUERIES = STEP_QUERIES + 2


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("step", [s.identifier for s in steps.FORM_STEPS])
def test_it_shows_each_wizard_step_in_constant_queries(
    client, patient, django_assert_num_queries, rows, step
):
    seed(rows)
    intake = full_intake(patient)
    sign_in(client, patient)
    expected = CONSENT_STEP_QUERIES if step == "consent" else STEP_QUERIES
    with django_assert_num_queries(expected):
        response = client.get(reverse("intake:step", args=[intake.pk, step]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", ROWS)
def test_it_shows_the_review_page_in_constant_queries(
    client, patient, django_assert_num_queries, rows
):
    seed(rows)
    intake = full_intake(patient)
    sign_in(client, patient)
    with django_assert_num_queries(SIGNED_IN_START + 4):
        # 1-2. the session, the user
        # 3. the intake
        # 4. whether its consent signature is for the wording in force (kept on the intake)
        # 5. the audit trail's INSERT for this view
        # 6. the signature, for the answers' consent section
        response = client.get(reverse("intake:review_answers", args=[intake.pk]))
    assert response.status_code == 200


# The guide ------------------------------------------------------------------------------


def add_pages(rows: int) -> None:
    extra = rows - Page.objects.published().count()
    Page.objects.bulk_create(
        Page(
            title=f"Extra page {i}",
            slug=f"extra-page-{i}",
            summary="More reading.",
            body="Text.",
            body_html="<p>Text.</p>",
            order=500 + i,
            status=Page.Status.PUBLISHED,
            pub_date=timezone.now(),
        )
        for i in range(max(extra, 0))
    )


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("who", ["anonymous", "patient"])
def test_it_shows_guide_pages_in_constant_queries(
    client, patient, django_assert_num_queries, rows, who
):
    add_pages(rows)
    # The schedule check, once per cache generation (guide.cache), is not per page.
    guide_cache.current()
    # Anonymous readers cost no session queries; a signed-in patient costs the session and
    # the user (2). An anonymous reader's second visit is served from the cache (none).
    around = 0
    if who == "patient":
        sign_in(client, patient)
        around = SIGNED_IN_START
    with django_assert_num_queries(around + 2):
        # the page itself; the titles and slugs of all published pages (previous / next)
        response = client.get(reverse("guide:page", args=["safety"]))
    assert response.status_code == 200
    with django_assert_num_queries(around + 1):
        # the published pages, with only the columns the list shows
        response = client.get(reverse("guide:index"))
    assert len(response.context["pages"]) == max(rows, 7)
