"""Every route, tried as every kind of visitor (SECURITY.md S1, S2, S9).

The URL configuration is walked; each named route must have an entry in ACCESS below, so a
new route without a decision about who may use it fails this suite. Each entry names who
may reach it; everybody else must get the login page (anonymous), a 403 (wrong role) or a
404 (another patient's record).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from intake.invitations import create_invitation
from intake.models import Intake
from tests.conftest import make_user, sign_in

PUBLIC = "public"  # anyone, signed in or not
NOT_STAFF = "not_staff"  # anonymous visitors and patients; staff accounts get a 403
SIGNED_IN = "signed_in"  # any signed-in user
PATIENT = "patient"  # signed-in patients (their own things only)
OWNER = "owner"  # the patient whose intake the id names; other patients get 404
STAFF = "staff"  # practitioners and admins
EDITOR = "editor"  # admins (guide editors)


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
    "intake:start": Route(PUBLIC),
    "intake:register": Route(PUBLIC, ("GET", "POST")),
    "intake:accept_invitation": Route(NOT_STAFF),
    "intake:my_intake": Route(PATIENT, ("GET", "POST")),
    "intake:step": Route(OWNER, ("GET", "POST")),
    "intake:review_answers": Route(OWNER),
    "intake:submit": Route(OWNER, ("POST",)),
    "intake:submitted": Route(OWNER),
    "intake:dashboard": Route(STAFF, ("GET", "POST")),
    "intake:new_invitation": Route(STAFF, ("GET", "POST")),
    "intake:intake_detail": Route(STAFF),
    "intake:intake_print": Route(STAFF),
    "intake:intake_export": Route(STAFF),
    "intake:review": Route(STAFF, ("GET", "POST")),
    "intake:rescreen": Route(STAFF, ("POST",)),
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
    _, intake, link = create_invitation(
        patient_name="Pat Jones",
        email="invited@example.com",
        appointment_at=timezone.now() + timezone.timedelta(days=3),
        practitioner=practitioner,
        created_by=practitioner,
    )
    Intake.objects.filter(pk=intake.pk).update(patient=patient, status=Intake.Status.IN_PROGRESS)
    other_intake = Intake.objects.create(patient=other_patient, patient_name="Olive Other")
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
    return {"intake": intake, "other_intake": other_intake, "token": token} | {
        "clients": clients,
        "users": users,
    }


def url_for(name: str, cast: dict) -> str:
    kwargs = {
        "intake:step": {"pk": cast["intake"].pk, "step": "about"},
        "intake:review_answers": {"pk": cast["intake"].pk},
        "intake:submit": {"pk": cast["intake"].pk},
        "intake:submitted": {"pk": cast["intake"].pk},
        "intake:intake_detail": {"pk": cast["intake"].pk},
        "intake:intake_print": {"pk": cast["intake"].pk},
        "intake:intake_export": {"pk": cast["intake"].pk},
        "intake:review": {"pk": cast["intake"].pk},
        "intake:rescreen": {"pk": cast["intake"].pk},
        "intake:accept_invitation": {"token": cast["token"]},
        "guide:page": {"slug": "safety"},
        "password_reset_confirm": {"uidb64": "MQ", "token": "set-password"},
    }.get(name, {})
    return reverse(name, kwargs=kwargs)


def expected(who: str, visitor: str) -> str:
    """'ok', 'login', 'forbidden' or 'missing' for a visitor on a route of kind `who`."""
    if who == PUBLIC:
        return "ok"
    if who == NOT_STAFF:
        return "forbidden" if visitor in {"practitioner", "admin"} else "ok"
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
    if who == STAFF:
        return "forbidden" if visitor in patients else "ok"
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
    client = cast["clients"]["admin"]
    for name, _ in named_routes():
        route = ACCESS[name]
        if route.methods == ("POST",):
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
