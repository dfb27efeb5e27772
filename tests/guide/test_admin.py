from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from guide import publishing
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
        "order": "50",
        "last_reviewed": "",
        "review_by": "",
        "expire_at": "",
        "go_live_at": "",
        "note": "",
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
    # Publishing goes through the page form (review, anchors), never a bulk action.
    assert response.context["cl"].model_admin.get_actions(response.wsgi_request) == {}
    assertContains(response, "Newest version")


def test_it_prepopulates_the_slug_and_offers_a_preview(admin_client_verified):
    response = admin_client_verified.get(reverse("admin:guide_page_add"))
    assertContains(response, "data-prepopulated-fields")
    assertContains(response, 'id="guide-preview-button"')
    assertContains(response, f'formaction="{reverse("guide:preview")}"')
    assertContains(response, "js/guide-preview.js")


def test_it_records_a_draft_revision_on_every_save(admin_client_verified, admin_user):
    response = admin_client_verified.post(reverse("admin:guide_page_add"), page_form())
    page = Page.objects.get(slug="sleep-and-pain")
    change_url = reverse("admin:guide_page_change", args=[page.pk])
    assertRedirects(response, change_url, fetch_redirect_response=False)
    assert page.body_html.startswith('<h2 id="section-sleep">Sleep</h2>')
    assert page.status == Page.Status.DRAFT

    response = admin_client_verified.post(
        change_url, page_form(body="Second version", note="Shorter", _publish="1")
    )
    assertRedirects(response, change_url, fetch_redirect_response=False)

    page.refresh_from_db()
    assert page.status == Page.Status.PUBLISHED
    assert page.pub_date is not None
    assert page.body == "Second version"
    revisions = list(page.revisions.order_by("created", "id"))
    assert [(rev.body, rev.status, rev.note) for rev in revisions] == [
        ("## Sleep {#sleep}\n\nRest helps.", PageRevision.Status.DRAFT, "Created"),
        ("Second version", PageRevision.Status.LIVE, "Shorter"),
    ]
    assert {rev.author for rev in revisions} == {admin_user}
    assert page.live_revision == revisions[1]

    # Saving the form again unchanged adds no revision.
    admin_client_verified.post(change_url, page_form(body="Second version", _continue="1"))
    assert page.revisions.count() == 2

    response = admin_client_verified.get(change_url)
    assertContains(response, "All versions of this page")
    assertContains(response, reverse("admin:guide_pagerevision_change", args=[revisions[0].pk]))


def test_it_keeps_the_live_page_while_an_edit_is_saved(admin_client_verified, client):
    page = Page.objects.get(slug="chronic-pain")
    live_body = page.body
    change_url = reverse("admin:guide_page_change", args=[page.pk])
    response = admin_client_verified.post(
        change_url,
        page_form(
            title=page.title,
            slug=page.slug,
            summary=page.summary,
            body=live_body + "\n\nA sentence still in draft.",
            references=page.references,
            order=page.order,
            _continue="1",
        ),
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body == live_body
    assert page.status == Page.Status.PUBLISHED
    public = client.get(page.get_absolute_url())
    assertNotContains(public, "A sentence still in draft.")
    newest = page.latest_revision()
    assert newest.status == PageRevision.Status.DRAFT
    assert newest.body.endswith("A sentence still in draft.")
    # The form shows the draft, not the live text, so the editor carries on where they were.
    form = admin_client_verified.get(change_url).context["adminform"].form
    assert form.initial["body"].endswith("A sentence still in draft.")


def test_it_rejects_a_duplicate_slug_in_the_admin(admin_client_verified, draft):
    response = admin_client_verified.post(
        reverse("admin:guide_page_add"), page_form(slug=draft.slug)
    )
    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    assert Page.objects.filter(slug=draft.slug).count() == 1


def test_it_shows_a_diff_before_restoring_a_revision(admin_client_verified, admin_user, draft):
    old = draft.save_revision(author=admin_user)
    draft.save_revision(
        author=admin_user,
        content={**old.content(), "body": "Rewritten about cupping."},
    )

    view_url = reverse("admin:guide_pagerevision_change", args=[old.pk])
    compare_url = reverse("admin:guide_pagerevision_compare", args=[old.pk])
    assertContains(admin_client_verified.get(view_url), compare_url)

    newest = draft.latest_revision()
    response = admin_client_verified.get(compare_url, {"with": newest.pk})
    restore_url = reverse("admin:guide_pagerevision_restore", args=[old.pk])
    assertContains(response, f'action="{restore_url}"')
    hidden = '<span class="visually-hidden">'
    assertContains(response, f"{hidden}Removed: </span>Rewritten about cupping.", html=False)
    assertContains(response, f"{hidden}Added: </span>Draft text about moxibustion.", html=False)

    assert admin_client_verified.get(restore_url).status_code == 405
    response = admin_client_verified.post(restore_url)
    assertRedirects(
        response,
        reverse("admin:guide_page_change", args=[draft.pk]),
        fetch_redirect_response=False,
    )
    restored = draft.latest_revision()
    assert draft.revisions.count() == 3
    assert restored.body == old.body
    assert restored.author == admin_user
    assert restored.status == PageRevision.Status.DRAFT
    assert "Restored" in restored.note


def test_it_compares_with_the_live_page_by_default(admin_client_verified, admin_user):
    page = Page.objects.get(slug="research")
    draft = publishing.save_draft(
        page, {**page.live_revision.content(), "summary": "A new summary."}, admin_user
    )
    response = admin_client_verified.get(
        reverse("admin:guide_pagerevision_compare", args=[draft.pk])
    )
    assertContains(response, "the live page (version of")
    diff = {part.name: part for part in response.context["diff"]}
    assert [part for part, d in diff.items() if d.changed] == ["summary"]
    assert [(line.kind, line.text) for line in diff["summary"].lines] == [
        ("removed", page.summary),
        ("added", "A new summary."),
    ]


def test_it_compares_two_selected_versions_with_the_list_action(
    admin_client_verified, admin_user, draft
):
    first = draft.save_revision(author=admin_user)
    second = draft.save_revision(author=admin_user, content={**first.content(), "title": "New"})
    response = admin_client_verified.post(
        reverse("admin:guide_pagerevision_changelist"),
        {"action": "compare_selected", "_selected_action": [second.pk, first.pk]},
    )
    url = reverse("admin:guide_pagerevision_compare", args=[second.pk])
    assertRedirects(response, f"{url}?with={first.pk}", fetch_redirect_response=False)


def test_it_compares_only_two_versions_of_one_page(admin_client_verified, admin_user, draft):
    first = draft.save_revision(author=admin_user)
    other = Page.objects.get(slug="safety").latest_revision()
    response = admin_client_verified.post(
        reverse("admin:guide_pagerevision_changelist"),
        {"action": "compare_selected", "_selected_action": [first.pk, other.pk]},
        follow=True,
    )
    assertContains(response, "Choose exactly two versions of the same page.")


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
    url = reverse("admin:guide_pagerevision_restore", args=[revision.pk])
    for outsider in (client, practitioner_client):
        assert outsider.post(url).status_code == 302
    draft.refresh_from_db()
    assert PageRevision.objects.filter(page=draft).count() == 1


def test_it_previews_unsaved_content_in_the_public_template(admin_client_verified):
    response = admin_client_verified.post(
        reverse("guide:preview"),
        page_form(body="## Hello {#hello}\n\n<script>alert(1)</script>[x](javascript:alert(2))"),
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == ["guide/page.html", "base.html"]
    body = response.context["page"].body_html
    assert body.startswith('<h2 id="section-hello">Hello</h2>')
    assert "<script>alert" not in response.content.decode()
    assert "javascript:" not in body
    assert "no-store" in response["Cache-Control"]
    # The editor's own pages may frame it (phone and desktop width); no other site may.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
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
