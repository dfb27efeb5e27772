"""No identity or health data in cookies, URLs or caches (docs/security.md S27), and cookies
that are host-only in production and end with the browser (S28)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from portal.admin import USER_SEARCH_KEY
from tests.helpers import PASSWORD, invite, registration_link, start_settings

# S27: flash messages ---------------------------------------------------------------------


def test_it_keeps_flash_messages_out_of_cookies(practitioner_client, practitioner):
    when = timezone.localtime() + timedelta(days=7)
    response = practitioner_client.post(
        reverse("intake:new_invitation"),
        {
            "patient_name": "Mary O'Brien",
            "email": "mary@example.com",
            "appointment_at": when.strftime("%Y-%m-%dT%H:%M"),
            "practitioner": practitioner.pk,
        },
    )
    assert response.status_code == 302
    for cookie in response.cookies.values():
        assert "mary" not in cookie.value.lower(), cookie.key
    assert "messages" not in response.cookies
    # The message is still shown, once.
    assertContains(practitioner_client.get(response["Location"]), "Invitation sent to mary@")
    assertNotContains(practitioner_client.get(response["Location"]), "Invitation sent to mary@")


# S27: identity pages are never cached ----------------------------------------------------


def assert_not_stored(response) -> None:
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


def test_it_does_not_let_the_invitation_pages_be_cached(client, practitioner):
    _, path = invite(practitioner, email="harriet@example.com")
    opened = client.get(path)
    assert_not_stored(opened)
    page = client.get(reverse("intake:register"))
    assertContains(page, "harriet@example.com")
    assert_not_stored(page)


def test_it_does_not_let_the_registration_pages_be_cached(client, db):
    page = reverse("intake:register")
    assert_not_stored(client.get(page))
    sent = client.post(page, {"full_name": "Sam Lee", "email": "sam@example.com"})
    assert_not_stored(sent)
    link = client.get(registration_link("sam@example.com"))
    assert_not_stored(link)
    password_page = client.get(page)
    assertContains(password_page, "sam@example.com")
    assert_not_stored(password_page)


# S27: the admin's user search stays out of the URL ---------------------------------------


def test_it_searches_users_in_the_admin_without_putting_the_term_in_the_url(
    admin_client_verified, patient, other_patient
):
    changelist = reverse("admin:portal_user_changelist")
    response = admin_client_verified.post(reverse("admin:portal_user_search"), {"q": "pat@exa"})
    assert response.status_code == 302
    assert response["Location"] == changelist
    assert "pat" not in response["Location"]

    page = admin_client_verified.get(changelist)
    assertContains(page, patient.email)
    assertNotContains(page, other_patient.email)
    assertContains(page, 'method="post"')
    assertContains(page, 'value="pat@exa"')

    # Searching for nothing shows everyone again.
    admin_client_verified.post(reverse("admin:portal_user_search"), {"q": ""})
    page = admin_client_verified.get(changelist)
    assertContains(page, patient.email)
    assertContains(page, other_patient.email)


def test_it_ignores_a_user_search_typed_into_the_address_bar(
    admin_client_verified, patient, other_patient
):
    page = admin_client_verified.get(reverse("admin:portal_user_changelist") + "?q=pat@exa")
    assertContains(page, other_patient.email)


def test_it_refuses_the_user_search_to_non_admins(practitioner_client):
    response = practitioner_client.post(
        reverse("admin:portal_user_search"), {"q": "pat"}, follow=True
    )
    assert response.status_code == 403
    assert USER_SEARCH_KEY not in practitioner_client.session


# S28: cookies ------------------------------------------------------------------------------


def test_it_names_the_cookies_host_only_in_production():
    result = start_settings(
        "settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_PATH, "
        "settings.CSRF_COOKIE_PATH, settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE",
        PORTAL_PRODUCTION="1",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="clinic.example",
    )
    assert result.returncode == 0, result.stderr
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, for path /
    # and set by this host alone (no Domain): a sibling subdomain cannot plant one.
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "/",
        "/",
        "None",
        "None",
        "True",
        "True",
    ]


def test_it_ends_the_session_cookie_with_the_browser_but_keeps_the_row(client, patient):
    response = client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    # The row outlives the absolute limit, so that a form sent late still finds its
    # patient and can be parked (README, portal.middleware).
    row = Session.objects.get(session_key=cookie.value)
    assert row.expire_date - timezone.now() > timedelta(days=6)
