"""Where a page's time goes, in one process: `python bench/profile_page.py [page] [-n N]`.

Runs the page N times through Django's whole stack (middleware, view, templates) against the
benchmark database that `make bench` seeds (BENCH_DB, PostgreSQL), with the same signed-in
practitioner session the load test uses, and prints the CPU time per request and the
functions that take most of it (cProfile, cumulative). wrk says how fast a page is; this says
why. Pages: healthz, healthz-signed-in, dashboard, search, intake (the practitioner's intake
page), step (a patient's wizard page, "Your pain", GET), step-post (that step posted, valid:
a 302 to the next step), check-in-step and check-in-post (a check-in's first step, "Your
pain this week", GET and posted), check-in (the practitioner's page of a sent check-in
that started a medicine, as `make bench` loads it),
patient (the practitioner's patient page of a patient with 10 check-ins), guide.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/run.py: the database and the sessions)

PAGES = [
    "healthz",
    "healthz-signed-in",
    "dashboard",
    "search",
    "intake",
    "step",
    "step-post",
    "check-in-step",
    "check-in-post",
    "check-in",
    "patient",
    "guide",
]


def request_for(page: str) -> tuple[str, str]:
    """The path and the session key (empty: anonymous) of one page."""
    from django.urls import reverse

    if page == "healthz":
        return "/healthz", ""
    if page == "healthz-signed-in":
        return "/healthz", run.practitioner_session()[1]
    if page == "dashboard":
        return reverse("intake:dashboard"), run.practitioner_session()[1]
    if page == "search":
        session = run.practitioner_session(practice_search=run.SEARCH_TERM)[1]
        return f"{reverse('intake:dashboard')}?severity=refer", session
    if page == "intake":
        shown = run.shown_intake()
        return reverse("intake:intake_detail", args=[shown.pk]), run.practitioner_session()[1]
    if page in ("step", "step-post"):
        intake = run.step_posters()[0]
        return reverse("intake:step", args=[intake.pk, "pain"]), run.make_session(intake.patient)
    if page == "check-in-step":
        check_in = open_check_in()
        return reverse("intake:step", args=[check_in.pk, "peg"]), run.make_session(check_in.patient)
    if page == "check-in":
        path = reverse("intake:intake_detail", args=[run.shown_check_in().pk])
        return path, run.practitioner_session()[1]
    if page == "check-in-post":
        check_in = open_check_in()
        return reverse("intake:step", args=[check_in.pk, "peg"]), run.make_session(check_in.patient)
    if page == "patient":
        patient = run.page_patients()[0]
        return reverse("intake:patient_detail", args=[patient]), run.practitioner_session()[1]
    return reverse("guide:page", args=["safety"]), ""


def open_check_in():
    """A check-in in progress (its first step, "Your pain this week", open), made for the
    patient of the first reviewed intake if the database holds none."""
    from datetime import timedelta

    from django.utils import timezone

    from intake.models import Intake
    from intake.services import check_in_create

    found = (
        Intake.objects.filter(kind=Intake.Kind.CHECK_IN, status=Intake.Status.IN_PROGRESS)
        .select_related("patient")
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    reviewed = (
        Intake.objects.filter(status=Intake.Status.REVIEWED, patient__isnull=False)
        .select_related("patient", "practitioner")
        .order_by("pk")
        .first()
    )
    return check_in_create(
        patient=reviewed.patient,
        appointment_at=timezone.now() + timedelta(days=7),
        practitioner=reviewed.practitioner,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", choices=PAGES, nargs="?", default="dashboard")
    parser.add_argument("-n", type=int, default=300, help="requests to time (default 300)")
    parser.add_argument("--top", type=int, default=35, help="functions to list (default 35)")
    parser.add_argument(
        "--sort", default="cumulative", help="cProfile order: cumulative (default), tottime"
    )
    args = parser.parse_args()

    run.ensure_database()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from intake.models import Intake

    call_command("migrate", verbosity=0)  # the code may be newer than the seeded database
    if not Intake.objects.exists():
        raise SystemExit(f"{run.DB_NAME} holds no intakes: run `make bench` once to seed it.")

    path, session = request_for(args.page)
    client = Client(enforce_csrf_checks=False)
    if session:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    posting = args.page in ("step-post", "check-in-post")
    body = run.peg_answers("unused") if args.page == "check-in-post" else run.pain_answers("unused")

    def once() -> None:
        if posting:
            response = client.post(path, body, content_type="application/x-www-form-urlencoded")
            expected = 302
        else:
            response = client.get(path)
            expected = 200
        if response.status_code != expected:
            raise SystemExit(f"{path} answered {response.status_code}")

    for _ in range(20):  # warm the template cache and the connection
        once()
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        once()
    cpu = (time.process_time() - started_cpu) / args.n * 1000
    wall = (time.perf_counter() - started_wall) / args.n * 1000
    print(f"{args.page} ({path}): {cpu:.2f} ms CPU, {wall:.2f} ms wall per request (n={args.n})")

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.n):
        once()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
