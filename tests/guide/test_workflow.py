"""The publishing workflow: drafts beside the live page, clinical sign-off, the flag anchors
checked on publish, and scheduled changes that happen on time with no background job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from guide import cache, publishing
from guide.models import Page, PageEvent, PageRevision

pytestmark = pytest.mark.django_db
Status = PageRevision.Status
Action = PageEvent.Action


def edit(page: Page, author, **changes) -> PageRevision:
    base = page.latest_revision().content()
    return publishing.save_draft(page, {**base, **changes}, author)


def test_it_publishes_a_plain_page_at_once_and_keeps_the_old_version(admin_user, client):
    page = Page.objects.get(slug="chronic-pain")
    assert not page.clinical
    old_live = page.live_revision
    revision = edit(page, admin_user, summary="A shorter summary.")
    assert client.get(reverse("guide:index")).content.count(b"A shorter summary.") == 0

    publishing.publish(revision, admin_user)

    page.refresh_from_db()
    old_live.refresh_from_db()
    revision.refresh_from_db()
    assert page.summary == "A shorter summary."
    assert page.live_revision == revision
    assert (revision.status, old_live.status) == (Status.LIVE, Status.SUPERSEDED)
    assert [e.action for e in revision.events.order_by("at", "id")] == [
        Action.SAVED,
        Action.PUBLISHED,
    ]
    assert revision.events.get(action=Action.PUBLISHED).actor == admin_user
    assertContains(client.get(reverse("guide:index")), "A shorter summary.")


def test_it_publishes_a_clinical_page_only_after_a_practitioner_approves(
    admin_user, practitioner, client
):
    page = Page.objects.get(slug="research")
    live_title = page.title
    revision = edit(page, admin_user, title="What studies tell us")

    with pytest.raises(publishing.WorkflowError, match="practitioner must approve"):
        publishing.publish(revision, admin_user)
    # An admin is not a reviewer, and a draft that was never submitted cannot be approved.
    with pytest.raises(publishing.WorkflowError, match="Only a practitioner"):
        publishing.approve(revision, admin_user)
    with pytest.raises(publishing.WorkflowError, match="not waiting for review"):
        publishing.approve(revision, practitioner)

    publishing.submit(revision, admin_user, "Clearer title")
    with pytest.raises(publishing.WorkflowError, match="Say what needs to change"):
        publishing.request_changes(revision, practitioner, "  ")
    publishing.request_changes(revision, practitioner, "Name the review you mean.")
    revision.refresh_from_db()
    assert revision.status == Status.CHANGES_REQUESTED

    publishing.submit(revision, admin_user)
    publishing.approve(revision, practitioner, "Checked against the sources.")
    page.refresh_from_db()
    assert page.title == live_title, "approval alone publishes nothing"
    assertContains(client.get(page.get_absolute_url()), live_title)

    publishing.publish(revision, admin_user)
    page.refresh_from_db()
    assert page.title == "What studies tell us"
    assert page.last_reviewed == timezone.localdate()
    assert page.last_reviewed_by == practitioner
    assert page.review_by.year == page.last_reviewed.year + 1
    steps = [(e.action, e.actor) for e in revision.events.order_by("at", "id")]
    assert steps == [
        (Action.SAVED, admin_user),
        (Action.SUBMITTED, admin_user),
        (Action.CHANGES_REQUESTED, practitioner),
        (Action.SUBMITTED, admin_user),
        (Action.APPROVED, practitioner),
        (Action.PUBLISHED, admin_user),
    ]
    assertContains(client.get(page.get_absolute_url()), "What studies tell us")


def test_it_needs_a_new_approval_after_an_approved_version_is_edited(admin_user, practitioner):
    page = Page.objects.get(slug="how-it-might-work")
    approved = edit(page, admin_user, summary="First try.")
    publishing.submit(approved, admin_user)
    publishing.approve(approved, practitioner)
    edited = edit(page, admin_user, summary="Second try.")
    with pytest.raises(publishing.WorkflowError, match="practitioner must approve"):
        publishing.publish(edited, admin_user)
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED


def test_it_refuses_to_approve_a_version_the_editor_has_since_changed(admin_user, practitioner):
    page = Page.objects.get(slug="how-it-might-work")
    older = edit(page, admin_user, summary="Sent for review.")
    publishing.submit(older, admin_user)
    edit(page, admin_user, summary="Changed after sending.")
    with pytest.raises(publishing.WorkflowError, match="edited since"):
        publishing.approve(older, practitioner)


def test_it_refuses_to_publish_a_safety_page_that_breaks_a_flag_link(admin_user, practitioner):
    page = Page.objects.get(slug="safety")
    body = page.body.replace("{#bleeding}", "{#blood}")
    revision = edit(page, admin_user, body=body)
    publishing.submit(revision, admin_user)
    publishing.approve(revision, practitioner)
    with pytest.raises(publishing.WorkflowError) as refused:
        publishing.publish(revision, admin_user)
    assert "/guide/safety/#bleeding" in str(refused.value)
    page.refresh_from_db()
    assert "{#bleeding}" in page.body
    assert page.live_revision.status == Status.LIVE


def test_it_checks_every_anchor_the_screening_rules_link_to():
    links = publishing.flag_links()
    assert {link.slug for link in links} == {"safety"}
    # Written out, not computed: the 19 categories rules.json gives its rules.
    assert {link.anchor for link in links} == {
        "allergy", "bleeding", "cancer", "capacity", "cardiac_valve", "diabetes",
        "electrical_device", "fainting", "implant", "infection", "lymphoedema",
        "medication_review", "pregnancy", "red_flag", "seizure", "sensation", "skin",
        "thorax", "unstable",
    }  # fmt: skip
    safety = Page.objects.get(slug="safety")
    assert publishing.broken_flag_links("safety", safety.body) == []
    assert [link.anchor for link in publishing.broken_flag_links("safety", "## Hi")].count(
        "red_flag"
    ) >= 1


def test_it_publishes_a_scheduled_version_on_time_without_a_job(admin_user, client):
    page = Page.objects.get(slug="conclusion")
    revision = edit(page, admin_user, summary="Scheduled words.")
    at = timezone.now() + timedelta(minutes=30)
    publishing.publish(revision, admin_user, at=at)
    revision.refresh_from_db()
    assert (revision.status, revision.go_live_at) == (Status.SCHEDULED, at)
    assertNotContains(client.get(reverse("guide:index")), "Scheduled words.")

    # The first public request after the time puts it live; nothing else runs.
    later = at + timedelta(seconds=1)
    assert cache.current(now=later).next_change is None
    page.refresh_from_db()
    assert page.summary == "Scheduled words."
    revision.refresh_from_db()
    assert revision.status == Status.LIVE
    published = revision.events.get(action=Action.PUBLISHED)
    assert published.actor == admin_user
    assertContains(client.get(reverse("guide:index")), "Scheduled words.")


def test_it_serves_the_schedule_from_the_cache_until_the_time_comes(admin_user, client):
    page = Page.objects.get(slug="conclusion")
    revision = edit(page, admin_user, summary="Later words.")
    at = timezone.now() + timedelta(hours=2)
    publishing.publish(revision, admin_user, at=at)
    state = cache.current()
    assert state.next_change == at
    # Before the time, asking again costs no query and changes nothing.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert cache.current(now=at - timedelta(seconds=1)) == state
    assert len(queries) == 0


def test_it_takes_a_page_down_at_its_time_and_a_command_publishes_from_cron(
    admin_user, client, capsys
):
    page = Page.objects.get(slug="conclusion")
    page.expire_at = timezone.now() + timedelta(seconds=1)
    page.save()
    assert client.get(page.get_absolute_url()).status_code == 200
    assert cache.current().next_change == page.expire_at
    cache.current(now=page.expire_at + timedelta(seconds=1))
    page.expire_at = timezone.now() - timedelta(seconds=1)
    page.save()
    assert client.get(page.get_absolute_url()).status_code == 404

    other = Page.objects.get(slug="chronic-pain")
    revision = edit(other, admin_user, summary="From cron.")
    publishing.publish(revision, admin_user, at=timezone.now() + timedelta(seconds=30))
    PageRevision.objects.filter(pk=revision.pk).update(go_live_at=timezone.now())
    call_command("publish_scheduled")
    assert "Published 1 scheduled guide version" in capsys.readouterr().out
    other.refresh_from_db()
    assert other.summary == "From cron."


def test_it_cancels_an_older_schedule_when_another_version_is_published(admin_user):
    page = Page.objects.get(slug="chronic-pain")
    scheduled = edit(page, admin_user, summary="Tomorrow's summary.")
    publishing.publish(scheduled, admin_user, at=timezone.now() + timedelta(days=1))
    now = edit(page, admin_user, summary="Today's summary.")
    publishing.publish(now, admin_user)
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.go_live_at) == (Status.DRAFT, None)
    assert scheduled.events.filter(action=Action.UNSCHEDULED).exists()
    assert publishing.apply_due(timezone.now() + timedelta(days=2)) == 0
    page.refresh_from_db()
    assert page.summary == "Today's summary."


def test_it_takes_a_page_off_the_site_and_back(admin_user, client):
    page = Page.objects.get(slug="chronic-pain")
    publishing.unpublish(page, admin_user)
    assert client.get(page.get_absolute_url()).status_code == 404
    page.refresh_from_db()
    assert page.live_revision is None
    publishing.publish(page.latest_revision(), admin_user)
    assert client.get(page.get_absolute_url()).status_code == 200
