"""The clinic's identity: the accent colour and the shades derived from it, the generated
stylesheet that carries them past the CSP, and the clinic's phone and hours wherever a page
tells the patient to call the clinic, with the emergency number in the footer."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from portal.clinic import accent_shades, brand_stylesheet_url, tel_href
from portal.colour import WHITE, contrast, parse_hex
from tests.helpers import BASE_DIR, start_settings

PORTAL_CSS = BASE_DIR / "static" / "css" / "portal.css"
SHADES = ("accent", "strong", "soft")


def declared(name: str) -> str:
    match = re.search(rf"--portal-{name}:\s*([^;]+);", PORTAL_CSS.read_text())
    assert match, f"--portal-{name} is not declared in portal.css"
    return match.group(1).strip()


# The colours ---------------------------------------------------------------------------------


def test_it_keeps_a_default_accent_that_already_meets_contrast():
    shades = accent_shades("#1f6f68")
    assert shades.accent == "#1f6f68"
    assert contrast(parse_hex(shades.accent), WHITE) >= 4.5
    assert contrast(parse_hex(shades.strong), WHITE) >= 7


def test_the_stylesheets_defaults_are_the_shades_of_the_default_accent(settings):
    # Without the generated file (say, a page saved to disk) the page looks the same.
    shades = accent_shades("#1f6f68")
    assert declared("accent") == shades.accent
    assert declared("accent-strong") == shades.strong
    assert declared("accent-soft") == shades.soft
    assert declared("accent-rgb") == shades.rgb


@pytest.mark.parametrize("given", ["#ffee00", "#fff", "#7fd1c7", "#0d6efd", "#c2410c", "#000000"])
def test_it_darkens_a_light_accent_until_white_text_on_it_reads(given):
    shades = accent_shades(given)
    fill = parse_hex(shades.accent)
    assert contrast(fill, WHITE) >= 4.5, "white button text on the fill"
    assert contrast(parse_hex(shades.strong), WHITE) >= 7, "links and the focus ring"
    # Behind dark text (#2a2420): the tint.
    assert contrast(parse_hex(shades.soft), (0x2A, 0x24, 0x20)) >= 4.5
    # The page's background is lighter than #f8f5f0, so a control filled with the accent
    # (a ticked checkbox) stands out from it by 3:1 as well.
    assert contrast(fill, parse_hex("#f8f5f0")) >= 3


def test_a_pale_yellow_keeps_its_hue_as_an_olive():
    shades = accent_shades("#ffee00")
    r, g, b = parse_hex(shades.accent)
    assert r > b and g > b and b < 20


@pytest.mark.parametrize("bad", ["teal", "#12345", "1f6f68", "#ggg", "#1f6f68 ;}", ""])
def test_it_refuses_a_colour_that_is_not_hex(bad):
    with pytest.raises(ValueError, match="not a hex colour"):
        parse_hex(bad)


def test_settings_refuse_an_accent_that_is_not_a_hex_colour():
    result = start_settings("settings.CLINIC_ACCENT", CLINIC_ACCENT="red; } body { color: red")
    assert result.returncode != 0
    assert "CLINIC_ACCENT:" in result.stderr
    assert "not a hex colour such as #1f6f68" in result.stderr
    result = start_settings("settings.CLINIC_ACCENT", CLINIC_ACCENT="#A0522D")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "#A0522D"


# The generated stylesheet --------------------------------------------------------------------


def test_every_page_links_the_clinics_accent_stylesheet(client, settings):
    settings.CLINIC_ACCENT = "#8a3b12"
    response = client.get(reverse("home"))
    url = brand_stylesheet_url()
    assert re.fullmatch(r"/brand-[0-9a-f]{12}\.css", url)
    assertContains(response, f'<link rel="stylesheet" href="{url}">')
    # The portal's own stylesheet comes first, so the accent overrides its defaults.
    html = response.content.decode()
    assert html.index("css/portal.css") < html.index(url)


def test_it_serves_the_accent_without_touching_the_database(client, settings):
    # No database fixture: a session or user lookup would fail this test.
    settings.CLINIC_ACCENT = "#8a3b12"
    shades = accent_shades("#8a3b12")
    response = client.get(brand_stylesheet_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    css = response.content.decode()
    assert f"--portal-accent: {shades.accent};" in css
    assert f"--portal-accent-strong: {shades.strong};" in css
    assert f"--portal-accent-soft: {shades.soft};" in css
    assert "Set-Cookie" not in response


def test_a_new_colour_gets_a_new_address_and_an_old_address_is_not_cached(client, settings):
    settings.CLINIC_ACCENT = "#1f6f68"
    old = brand_stylesheet_url()
    settings.CLINIC_ACCENT = "#8a3b12"
    new = brand_stylesheet_url()
    assert new != old
    response = client.get(old)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert accent_shades("#8a3b12").accent in response.content.decode()


def test_it_answers_only_get_and_head_for_the_stylesheet(client):
    assert client.head(brand_stylesheet_url()).status_code == 200
    response = client.post(brand_stylesheet_url())
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_a_signed_in_patient_gets_the_same_cacheable_stylesheet(patient_client):
    response = patient_client.get(brand_stylesheet_url())
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_logo_is_shown_before_the_clinics_name_when_set(client, settings):
    response = client.get(reverse("home"))
    assertNotContains(response, "brand-logo")
    settings.CLINIC_LOGO = "vendor/bootstrap/LICENSE"  # any static file will do for the markup
    response = client.get(reverse("home"))
    # Decorative: the name beside it says who the clinic is.
    logo = '<img class="brand-logo" src="/static/vendor/bootstrap/LICENSE" alt="">'
    assertContains(response, logo)


# Phone and hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "href"),
    [
        ("020 7946 0321", "tel:02079460321"),
        ("+44 (0)20 7946 0321", "tel:+442079460321"),
        ("(212) 555-0142", "tel:2125550142"),
        ("116 123", "tel:116123"),
    ],
)
def test_it_makes_a_tel_link_from_a_number_as_people_write_it(number, href):
    assert tel_href(number) == href


def clinic_line(settings) -> str:
    return (
        f'call the clinic on <a href="tel:01632960555" class="clinic-phone">01632 960555</a> '
        f"({settings.CLINIC_HOURS})"
    )


@pytest.fixture
def clinic_settings(settings):
    settings.CLINIC_PHONE = "01632 960555"
    settings.CLINIC_HOURS = "Tuesday to Saturday, 8am to 6pm"
    return settings


def test_error_pages_give_the_clinics_number_and_hours(clinic_settings):
    for template in ("500.html", "400.html"):
        html = render_to_string(template)
        assert clinic_line(clinic_settings) in html, template


@pytest.mark.django_db
def test_pages_that_say_to_call_the_clinic_give_its_number_and_hours(
    clinic_settings, client, patient_client
):
    line = clinic_line(clinic_settings)
    # A clinic that only invites tells a patient with no intake to call it.
    clinic_settings.SELF_REGISTRATION = False
    pages = [
        (client, reverse("password_reset_done")),
        (client, reverse("intake:accept_invitation", args=["not-a-real-token"])),
        (patient_client, reverse("intake:my_intake")),
        (patient_client, reverse("intake:dashboard")),  # the 403 page
    ]
    for who, url in pages:
        response = who.get(url)
        assertContains(response, line, status_code=response.status_code)
        assertNotContains(response, "contact the clinic", status_code=response.status_code)


def test_the_footer_names_the_regions_emergency_number_and_the_clinic(client, clinic_settings):
    clinic_settings.PATIENT_HELP = {**clinic_settings.PATIENT_HELP, "emergency_number": "911"}
    response = client.get(reverse("home"))
    assertContains(response, 'In an emergency call <a href="tel:911">911</a>.')
    assertContains(response, '<a href="tel:01632960555" class="clinic-phone">01632 960555</a>')
    assertNotContains(response, "your local emergency number")


def test_the_demo_number_follows_the_help_region():
    uk = start_settings("settings.CLINIC_PHONE", HELP_REGION="uk")
    us = start_settings("settings.CLINIC_PHONE", HELP_REGION="us")
    assert uk.stdout.strip() == "020 7946 0321"
    assert us.stdout.strip() == "(212) 555-0142"
