"""`seed_demo --check-ins N`: seeded patients' follow-ups, in bulk, as the portal would have
written them (intake/demo_follow_ups.py)."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment
from intake.demo_follow_ups import Course, FollowUps, courses_wanted, share_out
from intake.export import screening_input
from intake.management.commands.seed_demo import MEDICATIONS
from intake.models import AdverseEvent, Flag, Intake, MedicationRecord
from intake.screening import screen
from intake.screening.severities import flag_summary
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


def seed(intakes: int, check_ins: int, seed: int = 3) -> str:
    out = StringIO()
    call_command("seed_demo", intakes=intakes, check_ins=check_ins, seed=seed, stdout=out)
    return out.getvalue()


def check_ins():
    return Intake.objects.filter(kind=Intake.Kind.CHECK_IN)


def test_it_seeds_exactly_the_check_ins_asked_for_each_after_the_one_before():
    out = seed(40, 150)
    assert "Seeded 150 check-ins for" in out
    assert check_ins().count() == 150
    for check_in in check_ins().select_related("previous"):
        before = check_in.previous
        assert before.patient_id == check_in.patient_id
        assert before.status in (Intake.Status.SUBMITTED, Intake.Status.REVIEWED)
        assert before.appointment_at is None or before.appointment_at < check_in.appointment_at
        # Each check-in is before a follow-up visit of its own.
        visit = Appointment.objects.get(intake=check_in)
        assert visit.kind == Appointment.Kind.FOLLOW_UP
        assert visit.starts_at == check_in.appointment_at
    # A patient's open check-in, if any, is their last, and they have one at most.
    for patient_id in check_ins().values_list("patient_id", flat=True).distinct():
        course = list(check_ins().filter(patient_id=patient_id).order_by("appointment_at"))
        open_ones = [c for c in course if c.status == Intake.Status.IN_PROGRESS]
        assert open_ones in ([], [course[-1]])


def test_each_submitted_check_in_has_the_flags_the_engine_raises_over_its_picture():
    seed(30, 120)
    submitted = check_ins().exclude(status=Intake.Status.IN_PROGRESS)
    assert submitted.exists()
    for check_in in submitted:
        assert check_in.picture["pain"]["peg"] == {
            "pain": check_in.answers["peg"]["peg_pain"],
            "enjoyment": check_in.answers["peg"]["peg_enjoyment"],
            "activity": check_in.answers["peg"]["peg_activity"],
        }
        run = check_in.current_run()
        stored = list(run.flags.order_by("position").values_list("rule", "severity", "because"))
        raised = screen(screening_input(check_in))["flags"]
        assert stored == [(f["rule"], f["severity"], f["because"]) for f in raised]
        counts, highest = flag_summary(severity for _, severity, _ in stored)
        assert (check_in.flag_counts, check_in.highest_severity) == (counts, highest)
    assert Flag.objects.filter(run__intake__kind=Intake.Kind.CHECK_IN, rationale=None).count() == 0


def test_the_medicine_list_and_reactions_follow_what_the_check_ins_report():
    seed(40, 400, seed=5)
    stopped = MedicationRecord.objects.exclude(stopped_in=None).select_related("stopped_in")
    started = MedicationRecord.objects.filter(started_in__kind=Intake.Kind.CHECK_IN)
    assert stopped.exists() and started.exists()
    for record in stopped:
        reported = record.stopped_in.answers["medicines"]["records"]
        assert {"id": record.pk, "still": False} in [
            {"id": item["id"], "still": item["still"]} for item in reported
        ]
    for record in started.select_related("started_in"):
        names = [item["name"] for item in record.started_in.answers["medicines"]["started"]]
        assert record.name in names
    events = AdverseEvent.objects.select_related("reported_in", "visit")
    assert events.exists()
    for event in events:
        assert event.kind in event.reported_in.answers["reactions"]["reactions"]
        if event.visit:
            assert event.visit.status == Appointment.Status.ATTENDED
            assert event.visit.starts_at < event.reported_in.appointment_at


def test_the_same_seed_plans_the_same_courses():
    seed(20, 0)

    def planned() -> list[tuple]:
        intake, start, visit = courses_wanted()[0]
        follow_ups = FollowUps(rng=random.Random(9), medications=MEDICATIONS)
        follow_ups.course(Course(intake=intake, start=start, first_visit=visit, count=6))
        rows = follow_ups.tables[Intake].rows
        return [(row[0], *(v for v in row[1:] if not hasattr(v, "tzinfo"))) for row in rows]

    assert planned() == planned()


def test_the_pages_of_a_seeded_course_open():
    seed(30, 200)
    busiest = (
        check_ins().values("patient_id").annotate(n=Count("pk")).order_by("-n", "patient_id")[0]
    )
    practitioner = Client()
    call_command("load_demo", stdout=StringIO())
    from portal.models import User

    sign_in(practitioner, User.objects.get(email="practitioner@demo.clinic"))
    page = practitioner.get(reverse("intake:patient_detail", args=[busiest["patient_id"]]))
    assert page.status_code == 200
    assert len(page.context["visits"]) == busiest["n"] + 1
    open_one = check_ins().filter(status=Intake.Status.IN_PROGRESS).first()
    patient = sign_in(Client(), open_one.patient)
    assert patient.get(reverse("intake:step", args=[open_one.pk, "peg"])).status_code == 200


def test_check_ins_are_shared_in_whole_numbers_that_add_up():
    assert share_out(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(share_out(1_000, [7, 30, 120, 8.5])) == 1_000
    assert share_out(5, []) == []


def test_with_no_patient_to_follow_up_it_seeds_none():
    out = seed(0, 50)
    assert "Seeded 0 check-ins for 0 patients" in out
    assert not check_ins().exists()
