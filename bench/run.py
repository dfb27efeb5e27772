"""`make bench`: the portal under load on PostgreSQL, next to Django's bare minimum.

1. A dedicated database (BENCH_DB, default portal_bench) is created, migrated and seeded
   with BENCH_INTAKES intakes (default 100,000) and BENCH_CHECK_INS check-ins (default ten
   per intake, 1,000,000, spread over the patients whose first visit is behind them, each
   before a follow-up visit) unless it already holds exactly those numbers; the seeding
   time is printed.
2. EXPLAIN (ANALYZE) of the queries of the dashboard (default order, status filter,
   severity filter, name search), of the practitioner's patient page and of a check-in
   step POST, with every scan named, so a sequential scan on a big table shows.
3. The screening engine benchmark (bench/screening.py).
4. gunicorn serves the portal on 127.0.0.1 (DEBUG off, production mode off, quiet logs) and
   wrk loads, one after the other: the bare /healthz view, the dashboard (page 1, and a
   search with a severity filter), an intake page, the patient page of patients with 10
   check-ins (the trend, every visit, flag and review), a wizard step page and its POST
   (target half the signed-in /healthz), a check-in's first step page and its POST, and
   the anonymous guide: a page, the index (both from guide.cache, target 70% of /healthz)
   and a search. Signed-in sessions (with the practitioner's verified second factor) and
   CSRF tokens are made directly in the database, so no login form or OTP code is involved.
5. A table: requests/s, p50 and p95 latency, throughput as a share of /healthz, and PASS or
   FAIL per target (p95 under 50 ms for the dashboard, the patient page and the check-in
   step POST). The exit status is 1 if any target fails.

Environment: BENCH_INTAKES, BENCH_CHECK_INS, BENCH_DB, BENCH_PG_URL (server, default
postgres://postgres@127.0.0.1:5432), BENCH_DURATION (10s), BENCH_WARMUP (2s),
BENCH_THREADS (2), BENCH_CONNECTIONS (8), BENCH_WORKERS (2), BENCH_PORT (8765),
BENCH_SEED (1). Outputs are also written to bench/results/ (git-ignored).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "replay.lua"

INTAKES = int(os.environ.get("BENCH_INTAKES", "100000"))
# Ten per intake by default: 1,000,000 with the default 100,000 intakes.
CHECK_INS = int(os.environ.get("BENCH_CHECK_INS", str(10 * INTAKES)))
DB_NAME = os.environ.get("BENCH_DB", "portal_bench")
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DURATION = os.environ.get("BENCH_DURATION", "10s")
WARMUP = os.environ.get("BENCH_WARMUP", "2s")
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
SEED = int(os.environ.get("BENCH_SEED", "1"))

# The dashboard, the patient page and a check-in step POST (issue 14, "Scale").
P95_MS = 50.0
DASHBOARD_SHARE = 0.40
# Guide pages are the same for every anonymous reader and come from guide.cache (issue 16).
GUIDE_SHARE = 0.70
# Against the signed-in /healthz (issue 14, "Scale"): the practitioner's intake and check-in
# pages, and the wizard's and the check-in's step pages and their POSTs.
FLOOR_SHARE = 0.50
SEARCH_TERM = "smith"
POST_PATIENTS = 32  # step POSTs rotate over this many patients, so rows rarely queue on a lock
PAGE_PATIENTS = 16  # patient pages rotate over this many patients with PAGE_CHECK_INS each
PAGE_CHECK_INS = 10

STAMP = datetime.now().strftime("%Y%m%d-%H%M%S")


def say(text: str = "") -> None:
    print(text, flush=True)


# Database ------------------------------------------------------------------------------


def ensure_database() -> None:
    """Create the benchmark database if needed, then point Django at it."""
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            say(f"Creating database {DB_NAME}")
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = f"{PG_URL}/{DB_NAME}"
    os.environ["DEBUG"] = "0"
    os.environ["PORTAL_PRODUCTION"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    # Served as in production: static files collected for WhiteNoise (which otherwise warns
    # that STATIC_ROOT is missing) and the manifest the {% static %} tag reads.
    call_command("collectstatic", interactive=False, verbosity=0)


def recreate_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def counts() -> tuple[int, int]:
    """Intakes and check-ins in the database."""
    from django.db.models import Count

    from intake.models import Intake

    kinds = dict(Intake.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    return kinds.get(Intake.Kind.INTAKE, 0), kinds.get(Intake.Kind.CHECK_IN, 0)


def prepare_data() -> float | None:
    """Migrate, add the demo accounts, and seed up to exactly INTAKES intakes and CHECK_INS
    check-ins; the seconds the seeding took, None when the database was reused."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    intakes, check_ins = counts()
    # Intakes added after check-ins would be patients without any: the mix would differ
    # from a database seeded in one go, so any other difference starts afresh.
    top_up = (
        intakes <= INTAKES and check_ins <= CHECK_INS and (check_ins == 0 or intakes == INTAKES)
    )
    if not top_up:
        say(
            f"{DB_NAME} holds {intakes:,} intakes and {check_ins:,} check-ins, not "
            f"{INTAKES:,} and {CHECK_INS:,}: recreating it"
        )
        recreate_database()
        call_command("migrate", verbosity=0)
        intakes = check_ins = 0
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if (intakes, check_ins) == (INTAKES, CHECK_INS):
        say(f"{DB_NAME} already holds {intakes:,} intakes and {check_ins:,} check-ins")
        return None
    say(
        f"Seeding {INTAKES - intakes:,} intakes and {CHECK_INS - check_ins:,} check-ins into "
        f"{DB_NAME} ({intakes:,} and {check_ins:,} there already)"
    )
    started = time.monotonic()
    call_command(
        "seed_demo",
        intakes=INTAKES - intakes,
        check_ins=CHECK_INS - check_ins,
        seed=SEED + intakes,
        without_demo_patient=True,
    )
    with connection.cursor() as cursor:
        # Fresh statistics, so the plans below are the ones production would get.
        cursor.execute("VACUUM ANALYZE")
    seeded = time.monotonic() - started
    say(f"Seeding took {seeded / 60:.1f} minutes, VACUUM ANALYZE included")
    return seeded


# Sessions and the requests wrk replays ---------------------------------------------------


def make_session(user, **extra) -> str:
    """A signed-in session, as login() (and django-otp's verification) would leave it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from portal.middleware import LAST_SEEN_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.LOGIN_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[LAST_SEEN_KEY] = time.time()
    store.update(extra)
    store.create()
    return store.session_key


def practitioner_session(**extra) -> tuple[object, str]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.models import User

    user = User.objects.get(email="practitioner@demo.clinic")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return user, make_session(user, otp_device_id=device.persistent_id, **extra)


def pain_answers(csrf: str) -> str:
    """A valid "Your pain" step, as the browser posts it."""
    data = {
        "csrfmiddlewaretoken": csrf,
        "complaint": "Lower back pain that goes down my left leg",
        "regions": ["low_back", "left_leg"],
        "started_month": "3",
        "started_year": "2021",
        "intensity_now": "6",
        "intensity_average": "5",
        "intensity_worst": "8",
        "peg_pain": "6",
        "peg_enjoyment": "5",
        "peg_activity": "7",
        "helps": "Heat",
        "worsens": "Sitting",
        "treatments": "",
        "goals": "Walk the dog",
        "action": "next",
    }
    return urlencode(data, doseq=True)


def shown_intake():
    """The intake whose page is loaded: a reviewed one with at least four flags, so the page
    draws flags, a review and every answer section."""
    from django.db.models import Count

    from intake.models import Intake

    reviewed = Intake.objects.filter(
        kind=Intake.Kind.INTAKE, status=Intake.Status.REVIEWED
    ).order_by("pk")
    with_flags = reviewed.annotate(flags=Count("screening_runs__flags")).filter(flags__gte=4)
    return with_flags.first() or reviewed.first()


def shown_check_in():
    """The check-in whose practitioner's page is loaded: a sent one that started a medicine
    (so the page draws what changed first), with flags if one of the first few has them."""
    from django.db.models import Count

    from intake.models import Intake, MedicationRecord

    # A few candidates first: counting the flags of every check-in (a million) would take
    # longer than the whole load test.
    started = MedicationRecord.objects.filter(started_in__kind=Intake.Kind.CHECK_IN)
    candidates = list(
        Intake.objects.filter(
            kind=Intake.Kind.CHECK_IN,
            status__in=(Intake.Status.SUBMITTED, Intake.Status.REVIEWED),
            pk__in=started.values("started_in_id")[:200],
        ).values_list("pk", flat=True)
    )
    chosen = Intake.objects.filter(pk__in=candidates).order_by("pk")
    with_flags = chosen.annotate(flags=Count("screening_runs__flags")).filter(flags__gte=2)
    return with_flags.first() or chosen.first()


def step_posters() -> list:
    """In-progress intakes whose "Your pain" step is open: their patients load and post it."""
    from intake.models import Intake

    return list(
        Intake.objects.filter(
            kind=Intake.Kind.INTAKE,
            status=Intake.Status.IN_PROGRESS,
            patient__isnull=False,
            completed_steps__contains=["about"],
        )
        .select_related("patient")
        .order_by("pk")[:POST_PATIENTS]
    )


def peg_answers(csrf: str) -> str:
    """A valid first step of a check-in ("Your pain this week"), as the browser posts it."""
    data = {
        "csrfmiddlewaretoken": csrf,
        "peg_pain": "4",
        "peg_enjoyment": "5",
        "peg_activity": "3",
        "action": "next",
    }
    return urlencode(data)


def check_in_posters() -> list:
    """Open check-ins (in progress, the visit ahead) of different patients: their patients
    load and post the first step."""
    from intake.models import Intake

    return list(
        Intake.objects.filter(kind=Intake.Kind.CHECK_IN, status=Intake.Status.IN_PROGRESS)
        .select_related("patient")
        .order_by("pk")[:POST_PATIENTS]
    )


def page_patients() -> list[int]:
    """Patients with exactly PAGE_CHECK_INS check-ins, the patient page's subjects."""
    from django.db.models import Count

    from intake.models import Intake

    return list(
        Intake.objects.filter(kind=Intake.Kind.CHECK_IN)
        .values("patient_id")
        .annotate(n=Count("pk"))
        .filter(n=PAGE_CHECK_INS)
        .order_by("patient_id")
        .values_list("patient_id", flat=True)[:PAGE_PATIENTS]
    )


def busiest_patient() -> int | None:
    """The patient with the most check-ins, for a figure of the page at its longest."""
    from django.db.models import Count

    from intake.models import Intake

    return (
        Intake.objects.filter(kind=Intake.Kind.CHECK_IN)
        .values("patient_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "patient_id")
        .values_list("patient_id", flat=True)
        .first()
    )


def build_scenarios() -> list[dict]:
    """Each scenario: a name, the lines wrk replays and the response a check expects."""
    from django.urls import reverse
    from django.utils.crypto import get_random_string

    _, dashboard_session = practitioner_session()
    _, search_session = practitioner_session(practice_search=SEARCH_TERM)
    _, detail_session = practitioner_session()
    _, floor_session = practitioner_session()

    shown = shown_intake()
    shown_visit = shown_check_in()

    posters = step_posters()
    post_lines, step_lines = [], []
    for intake in posters:
        csrf = get_random_string(32)
        session = make_session(intake.patient)
        cookie = f"sessionid={session}; csrftoken={csrf}"
        path = reverse("intake:step", args=[intake.pk, "pain"])
        post_lines.append(("POST", path, cookie, pain_answers(csrf)))
        step_lines.append(("GET", path, f"sessionid={session}", ""))

    check_in_lines, check_in_post_lines = [], []
    for check_in in check_in_posters():
        csrf = get_random_string(32)
        session = make_session(check_in.patient)
        path = reverse("intake:step", args=[check_in.pk, "peg"])
        check_in_post_lines.append(
            ("POST", path, f"sessionid={session}; csrftoken={csrf}", peg_answers(csrf))
        )
        check_in_lines.append(("GET", path, f"sessionid={session}", ""))

    def get(path: str, session: str = "") -> tuple:
        return ("GET", path, f"sessionid={session}" if session else "", "")

    _, patient_session = practitioner_session()
    patient_lines = [
        get(reverse("intake:patient_detail", args=[pk]), patient_session) for pk in page_patients()
    ]
    busiest = busiest_patient()
    busiest_lines = (
        [get(reverse("intake:patient_detail", args=[busiest]), patient_session)] if busiest else []
    )

    dashboard = reverse("intake:dashboard")
    scenarios = [
        {"name": "/healthz (bare view)", "key": "healthz", "lines": [get("/healthz")]},
        {
            # Not a target: what any signed-in staff request costs before its view runs
            # (the session, the user, the second factor and the idle check in middleware).
            "name": "/healthz, practitioner signed in",
            "key": "healthz_signed_in",
            "lines": [get("/healthz", floor_session)],
        },
        {
            "name": "dashboard, page 1",
            "key": "dashboard",
            "lines": [get(dashboard, dashboard_session)],
            "dashboard": True,
            "p95_target": P95_MS,
        },
        {
            "name": f"dashboard, q={SEARCH_TERM}&severity=refer",
            "key": "dashboard_search",
            "lines": [get(f"{dashboard}?severity=refer", search_session)],
            "dashboard": True,
            "p95_target": P95_MS,
        },
        {
            "name": f"intake page (#{shown.pk})",
            "key": "intake",
            "lines": [get(reverse("intake:intake_detail", args=[shown.pk]), detail_session)],
            "floor_target": FLOOR_SHARE,
        },
        {
            "name": f"check-in page (#{shown_visit.pk if shown_visit else '-'})",
            "key": "check_in_detail",
            "lines": (
                [get(reverse("intake:intake_detail", args=[shown_visit.pk]), detail_session)]
                if shown_visit
                else []
            ),
            "floor_target": FLOOR_SHARE,
        },
        {
            "name": f"patient page, {PAGE_CHECK_INS} check-ins ({len(patient_lines)} patients)",
            "key": "patient_page",
            "lines": patient_lines,
            "p95_target": P95_MS,
        },
        {
            # Not a target: the page at its longest, every check-in of the busiest patient.
            "name": "patient page, most check-ins",
            "key": "patient_page_busiest",
            "lines": busiest_lines,
        },
        {
            "name": f"wizard step page ({len(step_lines)} patients)",
            "key": "step_page",
            "lines": step_lines,
            "floor_target": FLOOR_SHARE,
        },
        {
            "name": f"wizard step POST ({len(post_lines)} patients)",
            "key": "step_post",
            "lines": post_lines,
            "expect": 302,
            "location": "/step/conditions/",
            "floor_target": FLOOR_SHARE,
        },
        {
            "name": f"check-in step page ({len(check_in_lines)} patients)",
            "key": "check_in_page",
            "lines": check_in_lines,
            "floor_target": FLOOR_SHARE,
        },
        {
            "name": f"check-in step POST ({len(check_in_post_lines)} patients)",
            "key": "check_in_post",
            "lines": check_in_post_lines,
            "expect": 302,
            "location": "/step/since/",
            "p95_target": P95_MS,
        },
        {
            "name": "guide page (anonymous)",
            "key": "guide",
            "lines": [get(reverse("guide:page", args=["safety"]))],
            "share_target": GUIDE_SHARE,
        },
        {
            "name": "guide index (anonymous)",
            "key": "guide_index",
            "lines": [get(reverse("guide:index"))],
            "share_target": GUIDE_SHARE,
        },
        {
            # Not cached (what patients search for is not kept on disk): a figure, no target.
            "name": "guide search (anonymous)",
            "key": "guide_search",
            "lines": [get(reverse("guide:search") + "?q=needles")],
        },
    ]
    for scenario in scenarios:
        if not scenario["lines"]:
            say(f"Skipped {scenario['name']}: the database has nothing for it")
    return [scenario for scenario in scenarios if scenario["lines"]]


# EXPLAIN ----------------------------------------------------------------------------------

SCAN = re.compile(
    r"(Seq Scan|Index Only Scan|Index Scan Backward|Index Scan|Bitmap Index Scan|"
    r"Bitmap Heap Scan)(?: using (\S+))? on (\S+)"
)


def explain_dashboard() -> str:
    """Run the dashboard as a practitioner, capture its queries on intakes, and EXPLAIN
    (ANALYZE) each: the page reads, and any COUNT should one come back."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    variants = [
        ("default order, page 1", "", ""),
        ("status filter (submitted)", "?status=submitted", ""),
        ("severity filter (refer)", "?severity=refer", ""),
        (f"name search ({SEARCH_TERM})", "", SEARCH_TERM),
        (f"name search + severity ({SEARCH_TERM}, refer)", "?severity=refer", SEARCH_TERM),
    ]
    full = []
    say("\nEXPLAIN (ANALYZE) of the dashboard's queries on intake_intake")
    say(f"  {'variant':<40} {'query':<6} {'ms':>8}  scans")
    for label, query, term in variants:
        _, session = practitioner_session(**({"practice_search": term} if term else {}))
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/practice/{query}")
        if response.status_code != 200:
            raise SystemExit(f"The dashboard answered {response.status_code} for {label}")
        for sql in (q["sql"] for q in captured.captured_queries):
            if 'FROM "intake_intake"' not in sql:
                continue
            kind = "COUNT" if sql.startswith("SELECT COUNT(") else "page"
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            took = next(
                (line.split(":")[1].strip() for line in plan if line.startswith("Execution")), "?"
            )
            scans = sorted(
                {" ".join(filter(None, m.groups())) for m in SCAN.finditer("\n".join(plan))}
            )
            say(f"  {label:<40} {kind:<6} {took.removesuffix(' ms'):>8}  {'; '.join(scans)}")
            full.append(f"-- {label}: {kind}\n{sql}\n\n" + "\n".join(plan) + "\n")
    text = "\n".join(full)
    say("\n  Plans of the page queries (long lines cut; full text in bench/results/):")
    for block in full:
        if ": page" not in block.splitlines()[0]:
            continue
        head, _sql, _blank, *plan = block.splitlines()
        say(f"  {head}")
        for line in plan:
            if "Buffers:" in line or "Planning" in line:
                continue
            say(f"    {line[:150]}{'…' if len(line) > 150 else ''}")
    return text


def explain_requests() -> str:
    """Make the patient page's request and a check-in step POST once each, capture their
    queries and EXPLAIN (ANALYZE) every read among them, naming its scans: a page whose
    query count is constant can still read a table end to end."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    requests = []
    patients = page_patients()
    if patients:
        _, session = practitioner_session()
        path = reverse("intake:patient_detail", args=[patients[0]])
        requests.append((f"patient page ({PAGE_CHECK_INS} check-ins)", path, session, None))
    posters = check_in_posters()
    if posters:
        path = reverse("intake:step", args=[posters[0].pk, "peg"])
        body = peg_answers("unused")
        requests.append(("check-in step POST", path, make_session(posters[0].patient), body))
    full = []
    for title, path, session, body in requests:
        say(f"\nEXPLAIN (ANALYZE) of the {title}'s reads")
        say(f"  {'#':>2} {'ms':>8}  {'table':<36} scans")
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        with CaptureQueriesContext(connection) as captured:
            if body is None:
                response = client.get(path)
            else:
                response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        if response.status_code not in (200, 302):
            raise SystemExit(f"The {title} answered {response.status_code}")
        for number, sql in enumerate((q["sql"] for q in captured.captured_queries), 1):
            if not sql.startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                plan = [row[0] for row in cursor.fetchall()]
            took = next(
                (line.split(":")[1].strip() for line in plan if line.startswith("Execution")), "?"
            )
            scans = sorted(
                {" ".join(filter(None, m.groups())) for m in SCAN.finditer("\n".join(plan))}
            )
            table = re.search(r'FROM "(\w+)"', sql)
            say(
                f"  {number:>2} {took.removesuffix(' ms'):>8}  "
                f"{table.group(1) if table else '?':<36} {'; '.join(scans)}"
            )
            full.append(f"-- {title}: query {number}\n{sql}\n\n" + "\n".join(plan) + "\n")
    return "\n".join(full)


# Serving and loading ---------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: installing Debian's package")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("Could not install wrk: run 'apt-get install wrk' as root.")
    return found


def start_server() -> subprocess.Popen:
    log = open(RESULTS / f"gunicorn-{STAMP}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _, _ = fetch(("GET", "/healthz", "", ""))
            if status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer on port {PORT}; see {log.name}")


def fetch(line: tuple) -> tuple[int, str, bytes]:
    method, path, cookie, body = line
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    result = response.status, response.getheader("Location", ""), response.read()
    conn.close()
    return result


def check(scenario: dict) -> None:
    """One request by hand before loading: a redirect to the login page would otherwise
    count as a fast success."""
    expect = scenario.get("expect", 200)
    for line in scenario["lines"][:3]:
        status, location, _ = fetch(line)
        wanted = scenario.get("location", "")
        if status != expect or (wanted and not location.endswith(wanted)):
            raise SystemExit(
                f"{scenario['name']}: expected {expect} {wanted}, got {status} {location}"
            )


def load(wrk: str, scenario: dict) -> dict:
    requests_file = RESULTS / f"requests-{scenario['key']}.tsv"
    requests_file.write_text("".join("\t".join(line) + "\n" for line in scenario["lines"]))
    env = dict(os.environ, BENCH_REQUESTS=str(requests_file))
    base = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", "--latency", "-s", str(LUA)]
    url = f"http://127.0.0.1:{PORT}"
    subprocess.run([*base, f"-d{WARMUP}", url], env=env, capture_output=True, check=True)
    run = subprocess.run(
        [*base, f"-d{DURATION}", url], env=env, capture_output=True, text=True, check=True
    )
    with open(RESULTS / f"wrk-{STAMP}.txt", "a") as out:
        out.write(f"== {scenario['name']}\n{run.stdout}\n")
    match = re.search(r"^BENCH_RESULT (\{.*\})$", run.stdout, re.MULTILINE)
    if not match:
        raise SystemExit(f"Could not read wrk's output for {scenario['name']}:\n{run.stdout}")
    raw = json.loads(match.group(1))
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["status_errors"] + raw["socket_errors"],
        "requests": raw["requests"],
    }


# Report ----------------------------------------------------------------------------------


def server_memory() -> str:
    """PostgreSQL's own buffer pool and what the planner assumes of the page cache. At
    1,000,000 check-ins the database is about 6.8 GB; with the stock 128 MB of shared
    buffers every read beyond them depends on the kernel's page cache, which some machines
    empty within minutes, and the pages' milliseconds then measure the disk (bench/README.md)."""
    import psycopg

    with psycopg.connect(f"{PG_URL}/{DB_NAME}", autocommit=True) as conn:
        buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
        cache = conn.execute("SHOW effective_cache_size").fetchone()[0]
        size = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
        return f"shared_buffers {buffers}, effective_cache_size {cache}, database {size}"


def report(scenarios: list[dict], screening: dict) -> bool:
    base = scenarios[0]["result"]["rps"]
    floor = next(s for s in scenarios if s["key"] == "healthz_signed_in")["result"]["rps"]
    say(
        f"\nLoad: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} against gunicorn "
        f"({WORKERS} workers), {INTAKES:,} intakes and {CHECK_INS:,} check-ins in {DB_NAME}"
    )
    say(f"PostgreSQL: {server_memory()}")
    say(
        f"  {'page':<44} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'of /healthz':>11} "
        f"{'of signed-in':>12} {'errors':>6} {'load':>5}  target"
    )
    passed = True
    for scenario in scenarios:
        r = scenario["result"]
        share = r["rps"] / base
        verdicts = []
        if r["errors"] or not r["requests"]:
            # No answer at all within wrk's timeout would otherwise show a p95 of 0 ms.
            verdicts.append("FAIL (errors)" if r["errors"] else "FAIL (no answers)")
            passed = False
        if scenario.get("p95_target"):
            ok_p95 = r["p95_ms"] < scenario["p95_target"]
            verdicts.append(f"p95<{scenario['p95_target']:.0f}ms {'PASS' if ok_p95 else 'FAIL'}")
            passed = passed and ok_p95
        if scenario.get("dashboard"):
            ok_share = share >= DASHBOARD_SHARE
            verdicts.append(f"≥{DASHBOARD_SHARE:.0%} {'PASS' if ok_share else 'FAIL'}")
            passed = passed and ok_share
        if scenario.get("share_target"):
            ok_share = share >= scenario["share_target"]
            verdicts.append(f"≥{scenario['share_target']:.0%} {'PASS' if ok_share else 'FAIL'}")
            passed = passed and ok_share
        if scenario.get("floor_target"):
            ok_floor = r["rps"] / floor >= scenario["floor_target"]
            verdicts.append(
                f"≥{scenario['floor_target']:.0%} of signed-in {'PASS' if ok_floor else 'FAIL'}"
            )
            passed = passed and ok_floor
        say(
            f"  {scenario['name']:<44} {r['rps']:>8,.0f} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{share:>11.0%} {r['rps'] / floor:>12.0%} {r['errors']:>6} {r['load']:>5.1f}  "
            f"{', '.join(verdicts)}"
        )
    verdict = "PASS" if screening["pass"] else "FAIL"
    say(
        f"  {'screening one intake':<44} {screening['intakes_per_second']:>8,.0f} "
        f"{'':>8} {screening['ms_per_intake']:>8.3f} {'':>11} {'':>12} {'':>6} {'':>5}  "
        f"<2ms {verdict} "
        "(intakes/s; ms per intake)"
    )
    passed = passed and screening["pass"] and screening["linear"]
    say(f"\nOverall: {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    ensure_database()
    seeded = prepare_data()
    plans = explain_dashboard() + "\n" + explain_requests()
    (RESULTS / f"explain-{STAMP}.txt").write_text(plans)

    sys.path.insert(0, str(ROOT / "bench"))
    import screening as screening_bench

    screening = screening_bench.run()

    scenarios = build_scenarios()
    from django.db import connections

    connections.close_all()
    server = start_server()
    try:
        for scenario in scenarios:
            check(scenario)
        say(f"\nLoading each page for {DURATION} (after {WARMUP} of warm-up)…")
        for scenario in scenarios:
            scenario["result"] = load(wrk, scenario)
            # The machine may be shared: the 1-minute load average beside each figure.
            scenario["result"]["load"] = os.getloadavg()[0]
            r = scenario["result"]
            say(
                f"  {scenario['name']:<44} {r['rps']:>8,.0f} req/s  p95 {r['p95_ms']:.1f} ms  "
                f"load {r['load']:.1f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    passed = report(scenarios, screening)
    summary = {
        "when": STAMP,
        "intakes": INTAKES,
        "check_ins": CHECK_INS,
        "seeding_seconds": seeded,
        "load_average": os.getloadavg(),
        "wrk": {"threads": THREADS, "connections": CONNECTIONS, "duration": DURATION},
        "workers": WORKERS,
        "pages": {s["key"]: s["result"] for s in scenarios},
        "screening": screening,
        "passed": passed,
    }
    (RESULTS / f"bench-{STAMP}.json").write_text(json.dumps(summary, indent=2) + "\n")
    say(f"Results in bench/results/ (bench-{STAMP}.json, explain-{STAMP}.txt, wrk-{STAMP}.txt)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
