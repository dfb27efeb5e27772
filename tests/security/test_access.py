"""Every route, tried as every kind of visitor (docs/security.md S1, S2, S9).

The URL configuration is walked; each named route must have an entry in ACCESS below, so a
new route without a decision about who may use it fails this suite. Each entry names who
may reach it; everybody else must get the login page (anonymous), a 403 (wrong role) or a
404 (another patient's record).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from axes.models import AccessFailureLog
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from appointments.emails import opt_out_link
from appointments.services import appointment_create
from guide.models import Page
from intake.models import Intake
from intake.services import invitation_create
from tests.factories import IntakeFactory, ScreeningRunFactory
from tests.helpers import PASSWORD, make_user, sign_in

PUBLIC = "public"  # anyone, signed in or not
NOT_STAFF = "not_staff"  # anonymous visitors and patients; staff accounts get a 403
SIGNED_IN = "signed_in"  # any signed-in user
PATIENT = "patient"  # signed-in patients (their own things only)
OWNER = "owner"  # the patient whose intake the id names; other patients get 404
PRACTITIONER = "practitioner"  # practitioners only: intakes are not the admins' to read
EDITOR = "editor"  # admins (guide editors)
# Admins and practitioners (a clinical page's saved versions); everyone else gets a 404.
PREVIEWER = "previewer"


@dataclass(frozen=True)
class Route:
    who: str
    methods: tuple[str, ...] = ("GET",)


ACCESS: dict[str, Route] = {
    "home": Route(PUBLIC),
    "healthz": Route(PUBLIC),
    "login": Route(PUBLIC, ("GET", "POST")),
    "logout": Route(PUBLIC, ("POST",)),
    "otp_setup": Route(SIGNED_IN, ("GET", "POST")),
    "otp_verify": Route(SIGNED_IN, ("GET", "POST")),
    "password_change": Route(SIGNED_IN, ("GET", "POST")),
    "password_reset": Route(PUBLIC, ("GET", "POST")),
    "password_reset_done": Route(PUBLIC),
    "password_reset_confirm": Route(PUBLIC, ("GET", "POST")),
    "password_reset_complete": Route(PUBLIC),
    "keepalive": Route(SIGNED_IN, ("POST",)),
    "session_status": Route(PUBLIC),
    "guide:index": Route(PUBLIC),
    "guide:search": Route(PUBLIC),
    "guide:page": Route(PUBLIC),
    "guide:preview": Route(EDITOR, ("POST",)),
    "guide:preview_revision": Route(PREVIEWER),
    "guide:review_list": Route(PRACTITIONER),
    "guide:review_detail": Route(PRACTITIONER, ("GET", "POST")),
    "intake:start": Route(PUBLIC),
    "intake:register": Route(PUBLIC, ("GET", "POST")),
    "intake:accept_invitation": Route(NOT_STAFF),
    "intake:my_intake": Route(PATIENT, ("GET", "POST")),
    "intake:step": Route(OWNER, ("GET", "POST")),
    "intake:review_answers": Route(OWNER),
    "intake:submit": Route(OWNER, ("POST",)),
    "intake:submitted": Route(OWNER),
    "intake:dashboard": Route(PRACTITIONER, ("GET", "POST")),
    "intake:new_invitation": Route(PRACTITIONER, ("GET", "POST")),
    "intake:patient_detail": Route(PRACTITIONER),
    # Counts of reactions after treatment per practitioner, for the clinic's safety review.
    "intake:adverse_events": Route(PRACTITIONER),
    # The sources the screening rules rest on, where a flag's source codes lead.
    "intake:sources": Route(PRACTITIONER),
    "intake:intake_detail": Route(PRACTITIONER),
    "intake:intake_print": Route(PRACTITIONER),
    "intake:intake_export": Route(PRACTITIONER),
    "intake:intake_fhir": Route(PRACTITIONER),
    "intake:intake_pdf": Route(PRACTITIONER),
    "intake:intake_fhir_push_again": Route(PRACTITIONER, ("POST",)),
    "intake:intake_screening_export": Route(PRACTITIONER),
    "intake:intake_review_export": Route(PRACTITIONER),
    "intake:review": Route(PRACTITIONER, ("GET", "POST")),
    "intake:rescreen": Route(PRACTITIONER, ("POST",)),
    "appointments:board": Route(PRACTITIONER),
    "appointments:new": Route(PRACTITIONER, ("GET", "POST")),
    "appointments:import": Route(PRACTITIONER, ("GET", "POST")),
    "appointments:import_template": Route(PRACTITIONER),
    "appointments:move": Route(PRACTITIONER, ("GET", "POST")),
    "appointments:cancel": Route(PRACTITIONER, ("POST",)),
    "appointments:mark": Route(PRACTITIONER, ("POST",)),
    "appointments:send_again": Route(PRACTITIONER, ("POST",)),
    # The link in a reminder: it names no one and only stops that appointment's reminders.
    "appointments:stop_reminders": Route(PUBLIC, ("GET", "POST")),
}


def named_routes() -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern):
                if entry.name is None:
                    raise AssertionError(f"route {entry.pattern} has no name")
                found.append((f"{namespace}{entry.name}", entry))

    # The Django admin has its own URL tree; it is checked as one area further down.
    walk(get_resolver().url_patterns)
    return found


def test_it_has_an_access_decision_for_every_route():
    names = {name for name, _ in named_routes()}
    missing = sorted(names - ACCESS.keys())
    assert not missing, f"routes without an access decision in ACCESS: {missing}"
    stale = sorted(ACCESS.keys() - names)
    assert not stale, f"ACCESS names routes that no longer exist: {stale}"


@pytest.fixture
def cast(db, patient, other_patient, practitioner, admin_user):
    """The intake belongs to `patient`; its id is what every OWNER route is tried with."""
    _, intake, link = invitation_create(
        patient_name="Pat Jones",
        email="invited@example.com",
        appointment_at=timezone.now() + timezone.timedelta(days=3),
        practitioner=practitioner,
        created_by=practitioner,
    )
    Intake.objects.filter(pk=intake.pk).update(patient=patient, status=Intake.Status.IN_PROGRESS)
    # Screened once, so the screening download has something to serve.
    ScreeningRunFactory(intake=intake, ruleset="test")
    other_intake = IntakeFactory(patient=other_patient)
    appointment = appointment_create(
        patient_name="Ann Booked",
        email="booked@example.com",
        practitioner=practitioner,
        starts_at=timezone.now() + timezone.timedelta(days=5),
        kind="first_visit",
        created_by=practitioner,
    )
    clients = {
        "anonymous": Client(),
        "patient": sign_in(Client(), patient),
        "other_patient": sign_in(Client(), other_patient),
        "practitioner": sign_in(Client(), practitioner),
        "admin": sign_in(Client(), admin_user),
    }
    users = {
        "patient": patient,
        "other_patient": other_patient,
        "practitioner": practitioner,
        "admin": admin_user,
    }
    token = link.rstrip("/").rsplit("/", 1)[-1]
    safety_revision = Page.objects.get(slug="safety").latest_revision()
    return {
        "intake": intake,
        "other_intake": other_intake,
        "token": token,
        "safety_revision": safety_revision,
        "appointment": appointment,
    } | {
        "clients": clients,
        "users": users,
    }


def stop_token(appointment) -> str:
    return opt_out_link(appointment).rstrip("/").rsplit("/", 1)[-1]


def url_for(name: str, cast: dict) -> str:
    kwargs = {
        "intake:step": {"pk": cast["intake"].pk, "step": "about"},
        "intake:review_answers": {"pk": cast["intake"].pk},
        "intake:submit": {"pk": cast["intake"].pk},
        "intake:submitted": {"pk": cast["intake"].pk},
        "intake:patient_detail": {"pk": cast["users"]["patient"].pk},
        "intake:intake_detail": {"pk": cast["intake"].pk},
        "intake:intake_print": {"pk": cast["intake"].pk},
        "intake:intake_export": {"pk": cast["intake"].pk},
        "intake:intake_fhir": {"pk": cast["intake"].pk},
        "intake:intake_pdf": {"pk": cast["intake"].pk},
        "intake:intake_fhir_push_again": {"pk": cast["intake"].pk},
        "intake:intake_screening_export": {"pk": cast["intake"].pk},
        "intake:intake_review_export": {"pk": cast["intake"].pk},
        "intake:review": {"pk": cast["intake"].pk},
        "intake:rescreen": {"pk": cast["intake"].pk},
        "intake:accept_invitation": {"token": cast["token"]},
        "appointments:move": {"pk": cast["appointment"].pk},
        "appointments:cancel": {"pk": cast["appointment"].pk},
        "appointments:mark": {"pk": cast["appointment"].pk},
        "appointments:send_again": {"pk": cast["appointment"].pk},
        "appointments:stop_reminders": {"token": stop_token(cast["appointment"])},
        "guide:page": {"slug": "safety"},
        "guide:preview_revision": {"revision_id": cast["safety_revision"].pk},
        "guide:review_detail": {"revision_id": cast["safety_revision"].pk},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def expected(who: str, visitor: str) -> str:
    """'ok', 'login', 'forbidden' or 'missing' for a visitor on a route of kind `who`."""
    if who == PUBLIC:
        return "ok"
    if who == NOT_STAFF:
        return "forbidden" if visitor in {"practitioner", "admin"} else "ok"
    if who == PREVIEWER:
        return "ok" if visitor in {"practitioner", "admin"} else "missing"
    if visitor == "anonymous":
        return "login"
    if who == SIGNED_IN:
        return "ok"
    patients = {"patient", "other_patient"}
    if who == PATIENT:
        return "ok" if visitor in patients else "forbidden"
    if who == OWNER:
        if visitor == "patient":
            return "ok"
        return "missing" if visitor == "other_patient" else "forbidden"
    if who == PRACTITIONER:
        return "ok" if visitor == "practitioner" else "forbidden"
    if who == EDITOR:
        return "ok" if visitor == "admin" else "forbidden"
    raise AssertionError(who)


def outcome(response) -> str:
    if response.status_code in (302, 303) and response["Location"].startswith(reverse("login")):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "missing"
    if response.status_code >= 500:
        return f"error {response.status_code}"
    return "ok"


VISITORS = ["anonymous", "patient", "other_patient", "practitioner", "admin"]


@pytest.mark.parametrize("visitor", VISITORS)
def test_it_lets_each_visitor_reach_only_their_routes(cast, visitor):
    client = cast["clients"][visitor]
    failures = []
    for name, _ in named_routes():
        if name == "logout":
            continue  # it would end the visitor's session mid-walk; see tests/portal
        route = ACCESS[name]
        url = url_for(name, cast)
        for method in route.methods:
            response = client.get(url) if method == "GET" else client.post(url, {})
            got, want = outcome(response), expected(route.who, visitor)
            if got != want:
                failures.append(f"{method} {name} ({url}): expected {want}, got {got}")
    assert not failures, "\n".join(failures)


def test_it_refuses_get_on_routes_that_only_change_state(cast):
    for name, _ in named_routes():
        route = ACCESS[name]
        if route.methods == ("POST",):
            # Asked by someone the route is for, so that the role check does not answer first.
            who = {PRACTITIONER: "practitioner", OWNER: "patient", PATIENT: "patient"}
            client = cast["clients"][who.get(route.who, "admin")]
            response = client.get(url_for(name, cast))
            assert response.status_code == 405, f"GET {name} gave {response.status_code}"


@pytest.mark.parametrize("visitor", ["patient", "practitioner", "admin"])
def test_it_rejects_every_post_without_a_csrf_token(cast, visitor):
    strict = sign_in(Client(enforce_csrf_checks=True), cast["users"][visitor])
    for name, _ in named_routes():
        route = ACCESS[name]
        if "POST" not in route.methods or (route.who == PUBLIC and name != "logout"):
            continue
        url = url_for(name, cast)
        response = strict.post(url, {})
        # A missing token gets the 403 page, or (on answer-collecting pages) a redirect back
        # to the same page with the posted answers parked and nothing saved.
        assert response.status_code in (403, 302), f"POST {name}: {response.status_code}"
        if response.status_code == 302:
            assert response["Location"] == url, name


def test_it_keeps_the_admin_to_verified_editors(cast):
    assert outcome(cast["clients"]["anonymous"].get("/admin/")) in ("login", "ok")
    assert (
        cast["clients"]["anonymous"]
        .get("/admin/", follow=True)
        .redirect_chain[-1][0]
        .startswith(reverse("login"))
    )
    for visitor in ("patient", "other_patient", "practitioner"):
        assert cast["clients"][visitor].get("/admin/", follow=True).status_code == 403, visitor
    assert cast["clients"]["admin"].get("/admin/").status_code == 200
    unverified = make_user("editor2@example.com", role="admin", staff=True)
    client = Client()
    client.force_login(unverified)
    assert cast["clients"]["admin"].get("/admin/guide/page/").status_code == 200
    response = client.get("/admin/guide/page/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


# The Django admin, model by model ------------------------------------------------------------

ADMIN_VIEWS = ("changelist", "add", "change")
# What a verified clinic admin (the admin group, not a superuser) may open, per registered
# model. Every model registered in the admin needs an entry, so a new one fails this suite
# until someone decides who may use it. Anything not listed here must be a 403.
ADMIN_GROUP_CAN_OPEN: dict[str, set[str]] = {
    "auth.group": set(),
    "axes.accessattempt": set(),
    "axes.accesslog": set(),
    "axes.accessfailurelog": set(),
    "otp_totp.totpdevice": set(),
    "portal.auditevent": set(),
    # Accounts are invited, not added: the add form sets a password (S24).
    "portal.user": {"changelist", "change"},
    "guide.page": {"changelist", "add", "change"},
    # Revisions are history: they can be read (and restored from), never added.
    "guide.pagerevision": {"changelist", "change"},
    "intake.consenttext": {"changelist", "add", "change"},
    # Outgoing email can be read and retried (the change page is read-only), never added.
    "outbox.email": {"changelist", "change"},
    "django_tasks_database.dbtaskresult": set(),
}


def admin_urls() -> list[tuple[str, str, str]]:
    """(model label, view, URL) for every model registered in the admin."""
    from django.contrib import admin

    found = []
    for model in admin.site._registry:
        opts = model._meta
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"no {opts.label_lower} to open the change page of"
        for view in ADMIN_VIEWS:
            args = [obj.pk] if view == "change" else []
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)
            found.append((opts.label_lower, view, url))
    return found


def admin_outcome(client: Client, url: str) -> str:
    response = client.get(url)
    # The admin sends whoever it turns away to its own login page, which in turn sends
    # strangers to the portal's login and refuses the signed-in.
    if response.status_code == 302 and response["Location"].startswith(reverse("admin:login")):
        response = client.get(response["Location"])
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("login")):
            return "login"
        if location.startswith((reverse("otp_setup"), reverse("otp_verify"))):
            return "second factor"
        return f"redirect to {location}"
    return outcome(response)


@pytest.fixture
def admin_cast(cast):
    """The cast, plus a row of each admin model, and an admin without a second factor."""
    client = Client()
    client.post(reverse("login"), {"username": "nobody@example.com", "password": "wrong-000"})
    client.post(
        reverse("login"),
        {"username": cast["users"]["patient"].email, "password": PASSWORD},
    )
    # Axes keeps this log only when told to (AXES_ENABLE_ACCESS_FAILURE_LOG).
    AccessFailureLog.objects.create(
        username="nobody@example.com", ip_address="127.0.0.1", path_info=reverse("login")
    )
    unverified = make_user("editor2@example.com", role="admin", staff=True)
    plain = Client()
    plain.force_login(unverified)
    cast["clients"]["unverified_admin"] = plain
    return cast


def test_it_has_an_admin_access_decision_for_every_registered_model(admin_cast):
    labels = {label for label, _, _ in admin_urls()}
    assert labels == ADMIN_GROUP_CAN_OPEN.keys()


@pytest.mark.parametrize(
    ("visitor", "want"),
    [
        ("anonymous", "login"),
        ("patient", "forbidden"),
        ("practitioner", "forbidden"),
        ("unverified_admin", "second factor"),
    ],
)
def test_it_keeps_everyone_but_verified_admins_out_of_every_admin_page(admin_cast, visitor, want):
    client = admin_cast["clients"][visitor]
    failures = [
        f"{view} {label} ({url}): got {got}"
        for label, view, url in admin_urls()
        if (got := admin_outcome(client, url)) != want
    ]
    assert not failures, "\n".join(failures)


def test_it_lets_a_verified_admin_open_exactly_the_admin_pages_of_their_role(admin_cast):
    admin_user = admin_cast["users"]["admin"]
    assert not admin_user.is_superuser
    client = admin_cast["clients"]["admin"]
    failures = []
    for label, view, url in admin_urls():
        want = "ok" if view in ADMIN_GROUP_CAN_OPEN[label] else "forbidden"
        response = client.get(url)
        got = "ok" if response.status_code == 200 else outcome(response)
        if got != want:
            failures.append(f"{view} {label} ({url}): expected {want}, got {response.status_code}")
    assert not failures, "\n".join(failures)
