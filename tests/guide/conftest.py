"""Guide fixtures: a page factory and the pages the data migration ships."""

from __future__ import annotations

import factory
import pytest
from django.utils import timezone

from guide.content import load_pages
from guide.models import Page


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    title = factory.Sequence(lambda n: f"Test page {n}")
    slug = factory.Sequence(lambda n: f"test-page-{n}")
    summary = "A short summary for tests."
    body = "## Section {#section}\n\nSome text."
    order = factory.Sequence(lambda n: 100 + n)
    status = Page.Status.PUBLISHED
    pub_date = factory.LazyFunction(timezone.now)


@pytest.fixture
def draft(db) -> Page:
    return PageFactory(
        title="Unreleased draft",
        slug="unreleased-draft",
        status=Page.Status.DRAFT,
        pub_date=None,
        body="Draft text about moxibustion.",
    )


@pytest.fixture
def shipped_slugs() -> list[str]:
    return [source.slug for source in load_pages()]


@pytest.fixture
def make_page(db) -> type[PageFactory]:
    """PageFactory: make_page(...) saves a page, make_page.build(...) does not."""
    return PageFactory
