from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import (
    assertContains,
    assertNotContains,
    assertNumQueries,
    assertTemplateUsed,
)

from guide import cache as guide_cache
from guide import publishing
from guide.models import Page
from tests.helpers import SCREENING_CATEGORIES

pytestmark = pytest.mark.django_db


def test_it_ships_the_whole_guide_in_a_data_migration(db, shipped_slugs):
    pages = Page.objects.published()
    assert len(shipped_slugs) >= 7
    assert list(pages.values_list("slug", flat=True)) == shipped_slugs
    assert "safety" in shipped_slugs
    for page in pages:
        assert page.revisions.count() == 1
        assert page.last_reviewed is not None
        assert page.references_html.startswith("<ol>")
        # Plain but substantial pages (the safety page is longer: one section per flag).
        assert 400 <= len(page.body.split()) <= 2500


def test_it_renders_every_shipped_page_with_a_next_link_and_the_intake_call(client, shipped_slugs):
    start_intake = reverse("intake:start")
    for position, slug in enumerate(shipped_slugs):
        response = client.get(reverse("guide:page", args=[slug]))
        assert response.status_code == 200, slug
        assertContains(response, f'href="{start_intake}"')
        if position + 1 < len(shipped_slugs):
            next_url = reverse("guide:page", args=[shipped_slugs[position + 1]])
            assertContains(response, f'rel="next" href="{next_url}"')
        else:
            assertNotContains(response, 'rel="next"')


def test_it_links_every_screening_category_to_its_safety_section(client):
    response = client.get("/guide/safety/")
    assert response.status_code == 200
    html = response.content.decode()
    for category in SCREENING_CATEGORIES:
        assert len(re.findall(rf'<h2 id="section-{category}">', html)) == 1, category


def test_it_says_the_guide_is_not_medical_advice(client):
    response = client.get(reverse("guide:page", args=["conclusion"]))
    assertContains(response, 'id="section-not-medical-advice"')
    assertContains(response, "<strong>not medical advice</strong>", html=False)


def test_it_lists_published_pages_in_order(client, make_page, draft, shipped_slugs):
    extra = make_page(title="Appendix", order=999)
    guide_cache.current()
    # One query: the published pages, with only the columns the list shows.
    with assertNumQueries(1):
        response = client.get(reverse("guide:index"))
    assertTemplateUsed(response, "guide/index.html")
    slugs = [page.slug for page in response.context["pages"]]
    assert slugs == [*shipped_slugs, extra.slug]
    assertNotContains(response, draft.title)
    assertContains(response, 'action="/guide/search/"')


def test_it_shows_a_page_in_two_queries_then_from_the_cache(client):
    url = reverse("guide:page", args=["research"])
    guide_cache.current()  # the schedule check, once per cache generation
    # 1: the page itself, 2: titles and slugs of all published pages (previous/next).
    with assertNumQueries(2):
        response = client.get(url)
    assertContains(response, '<h1 id="page-title">What the research shows</h1>', html=False)
    assertContains(response, 'rel="prev" href="/guide/how-it-might-work/"')
    # The next anonymous reader gets the same page without touching the database.
    with assertNumQueries(0):
        again = Client().get(url)
    assert again.content == response.content


def test_a_worker_reads_a_page_from_the_folder_once_per_generation(client):
    url = reverse("guide:page", args=["research"])
    client.get(url)
    folder = caches["guide"]
    with mock.patch.object(folder, "get", wraps=folder.get) as read:
        again = Client().get(url)
    # Only the state, which says whether anything changed; the page is the worker's own copy.
    assert [call.args[0] for call in read.call_args_list] == [guide_cache.STATE_KEY]
    assert again.content == client.get(url).content
    # A change starts a new generation, and its page is read (built) afresh.
    guide_cache.invalidate()
    with mock.patch.object(folder, "get", wraps=folder.get) as read:
        Client().get(url)
    assert len(read.call_args_list) == 2


def test_it_never_serves_a_signed_in_readers_page_from_the_cache(patient_client):
    url = reverse("guide:page", args=["research"])
    Client().get(url)
    response = patient_client.get(url)
    assertContains(response, "Log out")
    assert response["Cache-Control"] == "no-store, private"
    # And what a signed-in reader was shown is never kept for anyone else.
    assertNotContains(Client().get(url), "Log out")


def test_it_drops_the_cached_page_when_a_new_version_is_published(client, admin_user):
    page = Page.objects.get(slug="chronic-pain")
    client.get(page.get_absolute_url())
    revision = publishing.save_draft(
        page, {**page.live_revision.content(), "title": "Living with long-term pain"}, admin_user
    )
    assertNotContains(client.get(page.get_absolute_url()), "Living with long-term pain")
    publishing.publish(revision, admin_user)
    assertContains(client.get(page.get_absolute_url()), "Living with long-term pain")
    assertContains(client.get(reverse("guide:index")), "Living with long-term pain")


def test_it_lists_the_sections_of_long_pages_only(client):
    safety = client.get(reverse("guide:page", args=["safety"]))
    assertContains(safety, 'aria-labelledby="guide-toc-title"')
    assertContains(safety, '<a href="#section-bleeding">', html=False)
    assert len(safety.context["contents"]) >= 15
    short = client.get(reverse("guide:page", args=["conclusion"]))
    assertNotContains(short, "guide-toc-title")


def test_it_leaves_cache_control_alone_for_the_public(client):
    response = client.get(reverse("guide:page", args=["safety"]))
    assert "no-store" not in response.get("Cache-Control", "")
    assert "private" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("who", ["anonymous", "patient", "practitioner"])
def test_it_hides_drafts_from_everyone_but_editors(who, request, draft):
    client = {
        "anonymous": lambda: request.getfixturevalue("client"),
        "patient": lambda: request.getfixturevalue("patient_client"),
        "practitioner": lambda: request.getfixturevalue("practitioner_client"),
    }[who]()
    url = reverse("guide:page", args=[draft.slug])
    assert client.get(url).status_code == 404
    assert client.get(url, {"preview": "1"}).status_code == 404
    assertNotContains(client.get(reverse("guide:index")), draft.title)


def test_it_hides_pages_whose_publication_date_is_in_the_future(client, make_page):
    page = make_page(pub_date=timezone.now() + timedelta(days=2))
    assert client.get(page.get_absolute_url()).status_code == 404


def test_it_lets_a_verified_admin_preview_a_draft(admin_client_verified, draft):
    url = reverse("guide:page", args=[draft.slug])
    assert admin_client_verified.get(url).status_code == 404

    response = admin_client_verified.get(url, {"preview": "1"})
    assertContains(response, "Draft preview")
    assertContains(response, "moxibustion")
    assert "no-store" in response["Cache-Control"]


def test_it_asks_an_admin_without_a_second_factor_to_verify_first(client, admin_user, draft):
    client.force_login(admin_user)
    response = client.get(reverse("guide:page", args=[draft.slug]), {"preview": "1"})
    assert response.status_code == 302
    assert "/accounts/two-step/" in response["Location"]
