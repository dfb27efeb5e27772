"""The frame around every page: practice name, navigation by role, landmarks and the skip
link, as each member of the cast sees it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from tests.helpers import sign_in

# (client fixture, "Start intake" or "My intake" or neither, practitioner area, admin, signed in)
CAST = {
    "anonymous": ("client", "Start intake", False, False, False),
    "patient": ("patient_client", "My intake", False, False, True),
    "practitioner": ("practitioner_client", None, True, False, True),
    "admin": ("admin_client_verified", None, False, True, True),
}


@pytest.fixture(params=CAST, ids=list(CAST))
def visitor(request, db) -> tuple[Client, tuple]:
    fixture, *expected = CAST[request.param]
    return request.getfixturevalue(fixture), tuple(expected)


def nav_link(text: str, url: str) -> str:
    return f'<a class="nav-link" href="{url}">{text}</a>'


def test_it_frames_every_page_for_each_role(visitor, settings):
    settings.PRACTICE_NAME = "Willow Lane Acupuncture"
    client, (intake_link, practitioner_area, admin_link, signed_in) = visitor
    response = client.get(reverse("guide:index"))
    assert response.status_code == 200

    assertContains(response, f'href="{reverse("home")}">Willow Lane Acupuncture</a>')
    assertContains(response, "<title>")
    assertContains(response, "· Willow Lane Acupuncture</title>")
    assertContains(response, nav_link("Guide", reverse("guide:index")), html=True)

    start = nav_link("Start intake", reverse("intake:start"))
    mine = nav_link("My intake", reverse("intake:my_intake"))
    assertContains(response, start, count=1 if intake_link == "Start intake" else 0, html=True)
    assertContains(response, mine, count=1 if intake_link == "My intake" else 0, html=True)
    area = nav_link("Intakes", reverse("intake:dashboard"))
    assertContains(response, area, count=int(practitioner_area), html=True)
    board = nav_link("Appointments", reverse("appointments:board"))
    assertContains(response, board, count=int(practitioner_area), html=True)
    admin = nav_link("Admin", reverse("admin:index"))
    assertContains(response, admin, count=int(admin_link), html=True)

    log_in = nav_link("Log in", reverse("login"))
    if signed_in:
        assertContains(response, f'action="{reverse("logout")}"')
        assertContains(response, ">Log out</button>")
        assertNotContains(response, log_in, html=True)
    else:
        assertContains(response, log_in, html=True)
        assertNotContains(response, "Log out")


def test_it_has_landmarks_a_skip_link_and_a_viewport(visitor):
    client, _ = visitor
    html = client.get(reverse("guide:index")).content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    skip = html.index('href="#main">Skip to main content</a>')
    header = html.index("<header")
    main = html.index('<main id="main"')
    footer = html.index("<footer")
    # The skip link comes first, so a keyboard user meets it before the navigation.
    assert skip < header < main < footer
    assert html.count("<main") == 1
    assert '<nav class="navbar navbar-expand-md" aria-label="Main">' in html
    assert "</header>" in html and "</main>" in html and "</footer>" in html
    assert '<html lang="en">' in html


def test_the_kept_header_is_each_roles_own_whoever_loaded_a_page_first(
    patient_client, practitioner_client, admin_client_verified
):
    """The header is kept by the process once drawn (templates/_site_header.html): one
    visitor's links must never reach another with other roles, in whatever order they come."""
    intakes = nav_link("Intakes", reverse("intake:dashboard"))
    admin = nav_link("Admin", reverse("admin:index"))
    mine = nav_link("My intake", reverse("intake:my_intake"))
    guide = reverse("guide:index")
    for _ in range(2):
        staff = practitioner_client.get(guide)
        assertContains(staff, intakes, html=True)
        assertNotContains(staff, mine, html=True)
        own = patient_client.get(guide)
        assertContains(own, mine, html=True)
        assertNotContains(own, intakes, html=True)
        assertNotContains(own, admin, html=True)
        anonymous = Client().get(guide)
        assertNotContains(anonymous, intakes, html=True)
        assertNotContains(anonymous, "Log out")
        admin_page = admin_client_verified.get(guide)
        assertContains(admin_page, admin, html=True)
        assertNotContains(admin_page, intakes, html=True)


def test_the_logout_form_carries_each_sessions_own_csrf_token(patient, practitioner):
    """The logout form is drawn afresh after the kept header: its token is the session's,
    and logging out with it works, for each of two visitors in turn."""
    for user in (practitioner, patient):
        browser = Client(enforce_csrf_checks=True)
        sign_in(browser, user)
        page = browser.get(reverse("guide:index"))
        token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        assert token
        logged_out = browser.post(reverse("logout"), {"csrfmiddlewaretoken": token})
        assert logged_out.status_code == 302
        assert "_auth_user_id" not in browser.session
