from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from guide.models import Page

pytestmark = pytest.mark.django_db


def test_it_finds_a_page_by_a_word_only_in_its_body(client, make_page):
    page = make_page(
        title="Harmless title",
        summary="Nothing special here.",
        body="Some people hum along to a xylophone during treatment.",
    )
    response = client.get(reverse("guide:search"), {"q": "xylophone"})
    assert [result.pk for result in response.context["results"]] == [page.pk]
    assertContains(response, f'href="{page.get_absolute_url()}"')
    assertContains(response, "Harmless title")
    assertContains(response, "Nothing special here.")
    assertContains(response, "1 page found")


def test_it_finds_shipped_pages(client):
    response = client.get(reverse("guide:search"), {"q": "pacemaker"})
    slugs = [result.slug for result in response.context["results"]]
    assert "safety" in slugs


def test_it_needs_every_word_to_match(client, make_page):
    make_page(body="A xylophone is here but not the other word.")
    response = client.get(reverse("guide:search"), {"q": "xylophone zeppelin"})
    assert response.context["results"] == []
    assertContains(response, "No pages found")


def test_it_never_returns_drafts(client, draft):
    response = client.get(reverse("guide:search"), {"q": "moxibustion"})
    assert draft.pk not in [result.pk for result in response.context["results"]]
    assertNotContains(response, draft.title)


def test_it_shows_just_the_form_without_a_query(client):
    response = client.get(reverse("guide:search"), {"q": "   "})
    assert response.status_code == 200
    assert response.context["results"] == []
    assertNotContains(response, "found")


def test_it_survives_punctuation_and_very_long_queries(client):
    for query in ['"unbalanced', "a & b | !c", "x" * 5000, "'; drop table guide_page; --"]:
        assert client.get(reverse("guide:search"), {"q": query}).status_code == 200


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming needs PostgreSQL")
def test_it_matches_word_forms_and_ranks_titles_first_on_postgresql(make_page):
    body_only = make_page(title="Other", summary="Other.", body="Gentle needling of the hand.")
    in_title = make_page(title="About needles", summary="Other.", body="Other.")
    results = list(Page.objects.published().search("needle").filter(slug__startswith="test-"))
    assert results[:2] == [in_title, body_only]
