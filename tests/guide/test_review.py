"""Practitioners sign off clinical guide pages on their own pages, and nothing more: the
admin stays closed to them, and so do previews of pages that are not clinical."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from guide import publishing
from guide.models import Page, PageEvent, PageRevision
from tests.mailqueue import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(admin_user) -> PageRevision:
    page = Page.objects.get(slug="safety")
    content = {**page.live_revision.content(), "summary": "Checked words about safety."}
    revision = publishing.save_draft(page, content, admin_user, "New summary")
    publishing.submit(revision, admin_user)
    return revision


def test_it_lists_versions_waiting_and_shows_the_change_and_the_preview(
    practitioner_client, submitted
):
    response = practitioner_client.get(reverse("guide:review_list"))
    detail = reverse("guide:review_detail", args=[submitted.pk])
    assertContains(response, detail)

    response = practitioner_client.get(detail)
    assertContains(response, "Added: </span>Checked words about safety.", html=False)
    preview = reverse("guide:preview_revision", args=[submitted.pk])
    assertContains(response, f'src="{preview}"', count=2)
    assertContains(response, "Approve this version")

    framed = practitioner_client.get(preview)
    assert framed.status_code == 200
    assertContains(framed, "Checked words about safety.")
    assertContains(framed, 'href="/static/css/portal.css"')
    assert framed["X-Frame-Options"] == "SAMEORIGIN"


def test_it_records_an_approval_with_who_and_when(practitioner_client, practitioner, submitted):
    response = practitioner_client.post(
        reverse("guide:review_detail", args=[submitted.pk]),
        {"approve": "1", "note": "Matches the sources."},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == PageRevision.Status.APPROVED
    approval = submitted.approval()
    assert (approval.actor, approval.note) == (practitioner, "Matches the sources.")
    assert abs((timezone.now() - approval.at).total_seconds()) < 60
    assertNotContains(practitioner_client.get(reverse("guide:review_list")), "Safety")


def test_it_asks_for_a_note_when_changes_are_requested(practitioner_client, submitted):
    url = reverse("guide:review_detail", args=[submitted.pk])
    response = practitioner_client.post(url, {"request_changes": "1", "note": ""})
    assert response.status_code == 200
    assertContains(response, "Say what needs to change")
    submitted.refresh_from_db()
    assert submitted.status == PageRevision.Status.SUBMITTED

    practitioner_client.post(url, {"request_changes": "1", "note": "Add the stroke risk."})
    submitted.refresh_from_db()
    assert submitted.status == PageRevision.Status.CHANGES_REQUESTED
    event = submitted.events.get(action=PageEvent.Action.CHANGES_REQUESTED)
    assert event.note == "Add the stroke risk."


def test_it_keeps_the_review_pages_to_practitioners(
    patient_client, admin_client_verified, submitted
):
    urls = [
        reverse("guide:review_list"),
        reverse("guide:review_detail", args=[submitted.pk]),
    ]
    for url in urls:
        assert Client().get(url).status_code == 302
        assert patient_client.get(url).status_code == 403
        # Admins publish; approving clinical content is a practitioner's call.
        assert admin_client_verified.get(url).status_code == 403
    response = admin_client_verified.post(urls[1], {"approve": "1"})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == PageRevision.Status.SUBMITTED


def test_it_gives_practitioners_nothing_else(practitioner_client, admin_user):
    plain = Page.objects.get(slug="chronic-pain")
    revision = plain.latest_revision()
    # Pages that are not clinical are not theirs to preview or review.
    assert (
        practitioner_client.get(reverse("guide:preview_revision", args=[revision.pk])).status_code
        == 404
    )
    assert (
        practitioner_client.get(reverse("guide:review_detail", args=[revision.pk])).status_code
        == 404
    )
    assert practitioner_client.get(reverse("admin:index")).status_code == 302
    assert practitioner_client.get(f"{plain.get_absolute_url()}?preview=1").status_code == 200
    assert practitioner_client.post(reverse("guide:preview"), {}).status_code == 403


def test_it_lists_overdue_pages_on_the_admin_landing_page(admin_client_verified):
    page = Page.objects.get(slug="research")
    page.review_by = timezone.localdate() - timezone.timedelta(days=1)
    page.save()
    response = admin_client_verified.get(reverse("admin:index"))
    assertContains(response, "Due a clinical review")
    assertContains(response, reverse("admin:guide_page_change", args=[page.pk]))
    assert list(response.context["overdue"]) == [page]


def test_it_mails_the_overdue_pages_to_the_admins_monthly(
    admin_user, practitioner, patient, capsys
):
    call_command("mail_overdue_guide_reviews")
    deliver()
    assert mail.outbox == []

    page = Page.objects.get(slug="safety")
    page.review_by = timezone.localdate() - timezone.timedelta(days=3)
    page.save()
    call_command("mail_overdue_guide_reviews")
    assert "1 overdue guide page(s)" in capsys.readouterr().out
    deliver()
    [message] = mail.outbox
    assert message.to == [admin_user.email]
    assert message.subject == "1 guide page is due a clinical review"
    assert "Considerations and safety" in message.body
    assert reverse("admin:guide_page_change", args=[page.pk]) in message.body
    # Guide pages only: no patient's name or address is anywhere in it.
    assert patient.email not in message.body
    assert patient.full_name not in message.body


def test_an_overdue_mail_still_queued_leaves_out_a_page_reviewed_meanwhile(admin_user):
    page = Page.objects.get(slug="safety")
    page.review_by = timezone.localdate() - timezone.timedelta(days=3)
    page.save()
    call_command("mail_overdue_guide_reviews")
    page.review_by = timezone.localdate() + timezone.timedelta(days=300)
    page.save()
    deliver()
    assert mail.outbox == []
