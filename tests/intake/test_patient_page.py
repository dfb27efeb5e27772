"""The practitioner's patient page (/practice/patients/<id>/): who may open it, what it lists
over time, and the pain trend drawn as SVG within the CSP, with its table and summary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from intake import steps
from intake.models import AdverseEvent, Intake, Review
from portal.models import AuditEvent
from tests.factories import (
    AppointmentFactory,
    PractitionerFactory,
    ReviewFactory,
    ScoredCheckInFactory,
    ScoredIntakeFactory,
    ScreeningRunFactory,
)
from tests.helpers import flag_data, sign_in
from tests.security import markup

LONDON = ZoneInfo("Europe/London")


def on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=LONDON)


def page_url(user) -> str:
    return reverse("intake:patient_detail", args=[user.pk])


@pytest.fixture
def course(patient):
    """The intake (PEG 7.0 on 12 Sep) and two check-ins (5.0 on 1 Oct, 4.3 on 20 Oct); a
    review, a flag, a reaction after treatment and two appointments."""
    first = ScoredIntakeFactory(patient=patient, peg=(7, 7, 7), submitted_at=on(9, 12))
    second = ScoredCheckInFactory(patient=patient, peg=(5, 5, 5), submitted_at=on(10, 1))
    third = ScoredCheckInFactory(patient=patient, peg=(4, 5, 4), submitted_at=on(10, 20))
    AdverseEvent.objects.create(patient=patient, reported_in=second, kind="bruising")
    ScreeningRunFactory(intake=first, flags=[flag_data("R06", "caution", title="Takes warfarin")])
    ReviewFactory(intake=first, decision=Review.Decision.CLEARED_WITH_MODIFICATIONS)
    AppointmentFactory(patient=patient, starts_at=on(9, 14), kind="first_visit")
    AppointmentFactory(patient=patient, starts_at=on(10, 22), kind="follow_up")
    return [first, second, third]


def test_it_lists_the_patients_visits_appointments_reviews_and_flags(
    practitioner_client, patient, course
):
    response = practitioner_client.get(page_url(patient))
    assert response.status_code == 200
    assertContains(response, "<h1>Pat Jones</h1>", html=True)
    for intake in course:
        assertContains(response, reverse("intake:intake_detail", args=[intake.pk]))
    assertContains(response, "Mon 14 Sep 2026, 10:00")
    assertContains(response, "Follow-up")
    assertContains(response, "Cleared with modifications")
    assertContains(response, "Takes warfarin")
    assertContains(response, f"Check-in {course[1].pk}</a>", count=2)  # visits, reactions
    assertContains(response, "Bruising")
    body = response.content.decode()
    # Oldest first, each list.
    assert body.index("12 Sep 2026") < body.index("1 Oct 2026") < body.index("20 Oct 2026")


def test_it_shows_the_trend_summary_table_and_marker(practitioner_client, patient, course):
    response = practitioner_client.get(page_url(patient))
    summary = "PEG 7.0 → 4.3 since 12 Sep, a 39% improvement, clinically meaningful (at least 30%)"
    assertContains(response, summary)
    # The table is the chart's equivalent: every point, its items and its change.
    assertInHTML(
        "<tr><th scope='row' class='text-nowrap'>12 Sep 2026</th><td class='text-nowrap'>Intake"
        "</td><td>7.0</td><td>7</td><td>7</td><td>7</td><td class='trend-change'>Baseline</td>"
        "</tr>",
        response.content.decode(),
    )
    assertContains(response, '<td class="text-nowrap">Check-in</td>', count=2)
    assertContains(response, "−2.0 (−29%)")
    assertContains(response, "29% improvement, under 30%: not marked.")
    assertContains(response, "−2.7 (−39%)")
    assertContains(response, "Meaningful improvement")
    assertContains(response, 'class="trend-row-improved"')
    # The source of the threshold is in the page's help.
    assertContains(response, "IMMPACT recommendations")
    assertContains(response, "2008;9(2):105–121")


def test_the_chart_is_an_accessible_svg_without_inline_style_or_script(
    practitioner_client, patient, course
):
    response = practitioner_client.get(page_url(patient))
    body = response.content.decode()
    assert '<svg class="trend-chart"' in body
    assert 'role="img"' in body
    assert 'aria-labelledby="patient-trend-title patient-trend-desc"' in body
    assert '<title id="patient-trend-title">' in body
    assert '<desc id="patient-trend-desc">PEG 7.0 → 4.3' in body
    found = markup.read(body)
    assert found.style_attributes == [] and found.style_elements == 0
    assert found.dangers() == []
    # A marker for the meaningful improvement, and none on the points that are not.
    assert body.count('class="trend-point trend-point-improved"') == 1
    assertContains(response, "css/trends.css")


def test_it_audits_each_look(practitioner, practitioner_client, patient, course):
    practitioner_client.get(page_url(patient))
    event = AuditEvent.objects.get(actor=practitioner, object_type="portal.user")
    assert (event.action, event.object_id) == (AuditEvent.Action.VIEW, str(patient.pk))


def test_an_id_that_is_not_a_patients_is_a_404(practitioner, practitioner_client, patient):
    assert practitioner_client.get(page_url(practitioner)).status_code == 404
    assert practitioner_client.get(page_url(PractitionerFactory())).status_code == 404
    missing = reverse("intake:patient_detail", args=[patient.pk + 1000])
    assert practitioner_client.get(missing).status_code == 404


def test_patients_cannot_open_it_not_even_their_own(patient_client, patient, other_patient):
    assert patient_client.get(page_url(patient)).status_code == 403
    assert patient_client.get(page_url(other_patient)).status_code == 403


def test_a_patient_with_one_visit_has_a_baseline_and_no_change(practitioner_client, patient):
    ScoredIntakeFactory(patient=patient, peg=(6, 6, 6), submitted_at=on(9, 12))
    response = practitioner_client.get(page_url(patient))
    assertContains(response, "PEG 6.0 on 12 Sep, the baseline.")
    assertContains(response, "Baseline")
    assertNotContains(response, "Meaningful")


def test_a_patient_with_nothing_submitted_has_no_chart(practitioner_client, patient):
    response = practitioner_client.get(page_url(patient))
    assertContains(response, "No PEG score recorded yet.")
    assertNotContains(response, '<svg class="trend-chart"')
    assertContains(response, "No intake yet.")


def test_it_reads_in_a_constant_number_of_queries(
    practitioner_client, patient, course, django_assert_max_num_queries
):
    for month in (11, 12):
        ScoredIntakeFactory(patient=patient, peg=(3, 3, 3), submitted_at=on(month, 1))
        AppointmentFactory(patient=patient, starts_at=on(month, 2))
    practitioner_client.get(page_url(patient))  # the session and the device, read once
    with django_assert_max_num_queries(16):
        practitioner_client.get(page_url(patient))


def test_the_intake_page_and_the_dashboard_link_to_it(practitioner_client, patient, course):
    url = page_url(patient)
    intake_page = practitioner_client.get(reverse("intake:intake_detail", args=[course[0].pk]))
    assertContains(intake_page, f'href="{url}"')
    dashboard = practitioner_client.get(reverse("intake:dashboard"))
    assertContains(dashboard, f'<a class="small" href="{url}">All visits', count=3)


def test_another_practitioner_sees_the_same_page(patient, course):
    # A group practice: every practitioner reads every patient, as every intake.
    client = sign_in(Client(), PractitionerFactory())
    assertContains(client.get(page_url(patient)), "PEG 7.0 → 4.3")


def test_the_items_of_each_point_come_from_its_own_answers(practitioner_client, patient):
    ScoredIntakeFactory(patient=patient, peg=(9, 3, 6), submitted_at=on(9, 12))
    response = practitioner_client.get(page_url(patient))
    assert response.context["trend"].points[0].visit.items == {
        "peg_pain": 9,
        "peg_enjoyment": 3,
        "peg_activity": 6,
    }
    assert response.context["trend"].points[0].visit.peg == Decimal("6.0")


def test_each_kind_keeps_its_peg_items_on_the_step_the_trend_reads():
    for kind, flow in (
        (Intake.Kind.INTAKE, steps.STEPS),
        (Intake.Kind.CHECK_IN, steps.CHECK_IN_STEPS),
    ):
        step = next(s for s in flow if s.identifier == steps.PEG_STEP[kind])
        assert {"peg_pain", "peg_enjoyment", "peg_activity"} <= set(step.form_class.base_fields)


def test_a_check_ins_items_come_from_its_peg_step(practitioner_client, patient):
    ScoredIntakeFactory(patient=patient, peg=(8, 8, 8), submitted_at=on(9, 12))
    ScoredCheckInFactory(patient=patient, peg=(2, 4, 6), submitted_at=on(10, 1))
    point = practitioner_client.get(page_url(patient)).context["trend"].points[1]
    assert (point.visit.kind, point.visit.kind_label) == ("check_in", "Check-in")
    assert point.visit.items == {"peg_pain": 2, "peg_enjoyment": 4, "peg_activity": 6}
    assert point.change.percent == -50 and point.marker == "improved"
