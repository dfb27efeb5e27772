from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from guide.models import Page, PageRevision

CHANGELIST = "admin:guide_page_changelist"

pytestmark = pytest.mark.django_db


def page_form(**overrides) -> dict:
    data = {
        "title": "Sleep and pain",
        "slug": "sleep-and-pain",
        "summary": "How sleep and pain affect each other.",
        "body": "## Sleep {#sleep}\n\nRest helps.",
        "references": "A source",
        "status": Page.Status.DRAFT,
        "pub_date_0": "",
        "pub_date_1": "",
        "order": "50",
        "last_reviewed": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "url_name", [CHANGELIST, "admin:guide_page_add", "admin:guide_pagerevision_changelist"]
)
def test_it_lets_only_verified_admins_into_the_guide_admin(
    url_name, patient_client, practitioner_client, admin_client_verified
):
    url = reverse(url_name)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))

    for outsider in (patient_client, practitioner_client):
        # Sent to the admin's sign-in, which refuses a signed-in account rather than asking
        # it to sign in again (a loop otherwise).
        response = outsider.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert outsider.get(url, follow=True).status_code == 403

    assert admin_client_verified.get(url).status_code == 200


def test_it_lists_filters_and_searches_pages(admin_client_verified, draft):
    url = reverse(CHANGELIST)
    response = admin_client_verified.get(url, {"status__exact": "draft"})
    assert list(response.context["cl"].queryset) == [draft]

    response = admin_client_verified.get(url, {"q": "moxibustion"})
    assert draft in response.context["cl"].queryset
    assertContains(response, "Publish selected pages")


def test_it_prepopulates_the_slug_and_offers_a_preview(admin_client_verified):
    response = admin_client_verified.get(reverse("admin:guide_page_add"))
    assertContains(response, "data-prepopulated-fields")
    assertContains(response, 'id="guide-preview-button"')
    assertContains(response, f'formaction="{reverse("guide:preview")}"')
    assertContains(response, "js/guide-preview.js")


def test_it_records_a_revision_on_every_save(admin_client_verified, admin_user):
    response = admin_client_verified.post(reverse("admin:guide_page_add"), page_form())
    page = Page.objects.get(slug="sleep-and-pain")
    assertRedirects(response, reverse(CHANGELIST), fetch_redirect_response=False)
    assert page.body_html.startswith('<h2 id="section-sleep">Sleep</h2>')

    change_url = reverse("admin:guide_page_change", args=[page.pk])
    response = admin_client_verified.post(
        change_url, page_form(body="Second version", status=Page.Status.PUBLISHED)
    )
    assert response.status_code == 302

    page.refresh_from_db()
    assert page.status == Page.Status.PUBLISHED
    assert page.pub_date is not None
    revisions = list(page.revisions.order_by("created", "id"))
    assert [rev.body for rev in revisions] == ["## Sleep {#sleep}\n\nRest helps.", "Second version"]
    assert {rev.author for rev in revisions} == {admin_user}

    response = admin_client_verified.get(change_url)
    assertContains(response, "All revisions of this page")
    assertContains(response, reverse("admin:guide_pagerevision_change", args=[revisions[0].pk]))


def test_it_rejects_a_duplicate_slug_in_the_admin(admin_client_verified, draft):
    response = admin_client_verified.post(
        reverse("admin:guide_page_add"), page_form(slug=draft.slug)
    )
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    assert Page.objects.filter(slug=draft.slug).count() == 1


def test_it_restores_a_revision_from_its_page(admin_client_verified, admin_user, draft):
    old = draft.save_revision(author=admin_user)
    draft.body = "Rewritten"
    draft.save()
    draft.save_revision(author=admin_user)

    view_url = reverse("admin:guide_pagerevision_change", args=[old.pk])
    response = admin_client_verified.get(view_url)
    restore_url = reverse("admin:guide_pagerevision_restore", args=[old.pk])
    assertContains(response, f'action="{restore_url}"')
    assertContains(response, "moxibustion")

    assert admin_client_verified.get(restore_url).status_code == 405
    response = admin_client_verified.post(restore_url)
    assertRedirects(
        response,
        reverse("admin:guide_page_change", args=[draft.pk]),
        fetch_redirect_response=False,
    )
    draft.refresh_from_db()
    assert draft.body == "Draft text about moxibustion."
    assert "moxibustion" in draft.body_html
    newest = draft.revisions.latest()
    assert draft.revisions.count() == 3
    assert newest.body == old.body
    assert newest.author == admin_user
    assert "Restored" in newest.note


def test_it_restores_with_the_admin_action(admin_client_verified, admin_user, draft):
    old = draft.save_revision(author=admin_user)
    draft.title = "Renamed"
    draft.save()

    response = admin_client_verified.post(
        reverse("admin:guide_pagerevision_changelist"),
        {"action": "restore_selected", "_selected_action": [old.pk]},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Unreleased draft"
    assert draft.revisions.count() == 2


def test_it_restores_only_one_revision_at_a_time(admin_client_verified, admin_user, draft):
    first = draft.save_revision(author=admin_user)
    draft.body = "Second wording"
    draft.save()
    second = draft.save_revision(author=admin_user)
    response = admin_client_verified.post(
        reverse("admin:guide_pagerevision_changelist"),
        {"action": "restore_selected", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assertContains(response, "Choose exactly one revision to restore.")
    draft.refresh_from_db()
    assert draft.body == "Second wording"
    assert draft.revisions.count() == 2


def test_it_keeps_revisions_read_only(admin_client_verified, admin_user, draft):
    revision = draft.save_revision(author=admin_user)
    assert admin_client_verified.get(reverse("admin:guide_pagerevision_add")).status_code == 403
    response = admin_client_verified.post(
        reverse("admin:guide_pagerevision_change", args=[revision.pk]), {"body": "tampered"}
    )
    assert response.status_code == 403
    revision.refresh_from_db()
    assert revision.body == draft.body


def test_it_refuses_restores_from_outsiders(client, practitioner_client, admin_user, draft):
    revision = draft.save_revision(author=admin_user)
    draft.body = "Current"
    draft.save()
    url = reverse("admin:guide_pagerevision_restore", args=[revision.pk])
    for outsider in (client, practitioner_client):
        assert outsider.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.body == "Current"
    assert PageRevision.objects.filter(page=draft).count() == 1


def test_it_previews_unsaved_content_as_json_for_the_script(admin_client_verified):
    response = admin_client_verified.post(
        reverse("guide:preview"),
        page_form(body="## Hello {#hello}\n\n<script>alert(1)</script>[x](javascript:alert(2))"),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["title"] == "Sleep and pain"
    assert data["body_html"].startswith('<h2 id="section-hello">Hello</h2>')
    assert "script" not in data["body_html"]
    assert "javascript" not in data["body_html"]
    assert "no-store" in response["Cache-Control"]
    assert not Page.objects.filter(slug="sleep-and-pain").exists()


def test_it_previews_unsaved_content_as_a_page_without_javascript(admin_client_verified):
    response = admin_client_verified.post(reverse("guide:preview"), page_form())
    assertContains(response, "Preview of unsaved changes")
    assertContains(response, '<h2 id="section-sleep">Sleep</h2>', html=False)
    assertContains(response, "A source")


def test_it_refuses_previews_to_everyone_else(patient_client, practitioner_client):
    url = reverse("guide:preview")
    response = Client().post(url, page_form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert patient_client.post(url, page_form()).status_code == 403
    assert practitioner_client.post(url, page_form()).status_code == 403


def test_it_offers_editors_the_saved_draft_on_the_site(admin_client_verified, draft):
    response = admin_client_verified.get(reverse("admin:guide_page_change", args=[draft.pk]))
    assertContains(response, f"{draft.get_absolute_url()}?preview=1")
