from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from guide.models import Page, PageEvent, PageRevision, add_months


def test_it_renders_sanitised_html_on_save(make_page):
    page = make_page(body="## Hi {#hi}\n\n<script>x()</script>[x](javascript:y())")
    assert page.body_html.startswith('<h2 id="section-hi">Hi</h2>')
    assert "<script" not in page.body_html
    assert "javascript" not in page.body_html

    page.body = "Changed **text**"
    page.save(update_fields=["body"])
    page.refresh_from_db()
    assert page.body_html == "<p>Changed <strong>text</strong></p>"


def test_it_keeps_slugs_unique(make_page):
    make_page(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_page(slug="same")


def test_it_refuses_slugs_the_guide_uses_itself(make_page):
    page = make_page.build(slug="search")
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "slug" in error.value.message_dict


def test_it_requires_a_publication_date_for_published_pages(make_page):
    page = make_page()
    with pytest.raises(IntegrityError), transaction.atomic():
        Page.objects.filter(pk=page.pk).update(pub_date=None)


def test_it_dates_a_page_when_it_is_first_published(make_page):
    page = make_page(status=Page.Status.DRAFT, pub_date=None)
    page.status = Page.Status.PUBLISHED
    page.save()
    assert page.pub_date is not None


def test_it_leaves_drafts_and_future_pages_out_of_published_drafts_and_future_pages(make_page):
    visible = make_page()
    make_page(status=Page.Status.DRAFT, pub_date=None)
    make_page(pub_date=timezone.now() + timedelta(days=1))
    published = Page.objects.published()
    assert visible in published
    assert set(published.values_list("status", flat=True)) == {"published"}
    assert not published.filter(pub_date__gt=timezone.now()).exists()


def test_it_restores_a_revision_as_a_new_draft_and_leaves_the_live_page(make_page, admin_user):
    page = make_page(title="First title", body="First body")
    first = page.save_revision(author=admin_user)
    second = page.save_revision(
        author=admin_user,
        content={"title": "Second title", "summary": "s", "body": "Second body", "references": ""},
    )

    restored = first.restore(author=admin_user)

    page.refresh_from_db()
    assert (page.title, page.body) == ("First title", "First body")
    assert page.revisions.count() == 3
    assert page.revisions.latest() == restored
    assert restored != second
    assert (restored.title, restored.body) == ("First title", "First body")
    assert restored.status == PageRevision.Status.DRAFT
    assert restored.author == admin_user
    assert f"revision {first.pk}" in restored.note
    assert restored.events.get().action == PageEvent.Action.RESTORED


def test_it_sets_the_review_by_date_a_year_after_the_last_review(make_page):
    page = make_page(last_reviewed=date(2024, 2, 29))
    assert page.review_by == date(2025, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)


def test_it_takes_a_page_down_at_its_take_down_time(make_page):
    leaving = make_page(expire_at=timezone.now() + timedelta(minutes=5))
    gone = make_page(expire_at=timezone.now() - timedelta(seconds=1))
    published = Page.objects.published()
    assert leaving in published
    assert gone not in published
    assert not gone.is_published
