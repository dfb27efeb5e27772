"""Journey 3: the guide as a living clinical document. An admin drafts a change to a
clinical page, previews it as patients will see it, submits it; a practitioner approves it;
the admin publishes it, while a visitor sees the old version throughout. A plain page is
scheduled and goes live on time; an old version is restored after its diff. Every admin page
used for the guide and the consent wording passes axe with no violation of any impact, at
desktop and phone width, and the page form works from the keyboard alone."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from guide.models import Page as GuidePage
from guide.models import PageRevision
from tests.browser.browser_support import (
    ALL_IMPACTS,
    assert_focus_visible,
    check_page,
    log_in_staff,
)
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

ADDED = "Large reviews are updated as new trials are published."
SLUG = "research"
TITLE = "What the research shows"
PREVIEW_FAILED = "The preview could not be updated. Your text is still in the form."


def check_admin(page: Page, name: str) -> None:
    check_page(page, name, impacts=ALL_IMPACTS)


def open_change_form(page: Page, title: str) -> None:
    page.goto("/admin/guide/page/")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name="Change page")).to_be_visible()


def preview_frame(page: Page, width: str):
    return page.frame_locator(f'iframe[name="guide-preview-{width}"]')


def test_it_drafts_previews_signs_off_publishes_schedules_and_restores(
    open_page, admin_user, practitioner
):
    visitor = open_page("desktop")
    visitor.goto(f"/guide/{SLUG}/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)

    admin = open_page("desktop")
    log_in_staff(admin, admin_user, PASSWORD, next_path="/admin/")
    expect(admin.locator("#guide-dashboard")).to_contain_text("Due a clinical review")
    check_admin(admin, "admin-index")
    admin.goto("/admin/guide/page/")
    check_admin(admin, "admin-guide-pages")

    open_change_form(admin, TITLE)
    check_admin(admin, "admin-guide-page-edit")
    body = admin.get_by_label("Body")
    body.fill(body.input_value() + "\n\n" + ADDED)

    # Preview: the public template, at phone and desktop width, before anything is saved.
    admin.get_by_role("button", name="Preview changes").click()
    expect(admin.locator("#guide-preview-status")).to_have_text(re.compile("Preview updated"))
    for width in ("phone", "desktop"):
        frame = preview_frame(admin, width)
        expect(frame.locator(".guide-body")).to_contain_text(ADDED)
        expect(frame.locator('link[href$="css/portal.css"]')).to_have_count(1)
        expect(frame.get_by_role("status")).to_contain_text("Preview of unsaved changes")
    body.press("End")
    body.press_sequentially(" Ours are checked every year.")
    expect(preview_frame(admin, "desktop").locator(".guide-body")).to_contain_text(
        "Ours are checked every year."
    )
    # Raw HTML typed by an editor comes back sanitised, never as a live script.
    body.press_sequentially("\n\n<script>window.previewHacked = 1</script>")
    expect(admin.locator("#guide-preview-status")).to_have_text(re.compile("Preview updated"))
    admin.wait_for_timeout(1200)  # the preview refreshes 0.7 s after the last key press
    hacked = admin.frame(name="guide-preview-desktop").evaluate("() => window.previewHacked")
    assert hacked is None
    check_admin(admin, "admin-guide-preview")
    assert ADDED not in GuidePage.objects.get(slug=SLUG).body, "a preview must not save"

    # Save the draft, then try to publish: a clinical page needs a practitioner first.
    body.fill(GuidePage.objects.get(slug=SLUG).body + "\n\n" + ADDED)
    admin.get_by_role("button", name="Save draft").click()
    expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")
    admin.get_by_role("button", name="Save and publish now").click()
    expect(admin.locator(".messagelist")).to_contain_text("a practitioner must approve")
    visitor.reload()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.locator(".guide-body")).not_to_contain_text(ADDED)

    admin.get_by_label("What changed").fill("A line on how reviews are kept up to date")
    admin.get_by_role("button", name="Save and submit for clinical review").click()
    expect(admin.locator(".messagelist")).to_contain_text("Submitted for clinical review")
    expect(admin.locator(".field-workflow")).to_contain_text("Waiting for clinical review")

    # The practitioner sees what changed against the live page and the page as patients
    # will, and approves it.
    reviewer = open_page("desktop")
    log_in_staff(reviewer, practitioner, PASSWORD, next_path="/guide/review/")
    reviewer.get_by_role("link", name=TITLE).click()
    expect(reviewer.locator("li.guide-diff-added", has_text=ADDED)).to_be_visible()
    expect(preview_frame(reviewer, "phone").locator(".guide-body")).to_contain_text(ADDED)
    check_page(reviewer, "guide-review", impacts=ALL_IMPACTS)
    reviewer.get_by_label("Note for the editor").fill("Accurate; sources unchanged.")
    reviewer.get_by_role("button", name="Approve this version").click()
    expect(reviewer.get_by_role("status")).to_contain_text("You approved this version")
    visitor.reload()
    expect(visitor.locator(".guide-body")).not_to_contain_text(ADDED)

    admin.reload()
    expect(admin.locator(".field-workflow")).to_contain_text("Approved")
    admin.get_by_role("button", name="Save and publish now").click()
    expect(admin.locator(".messagelist")).to_contain_text("Published")
    visitor.reload()
    expect(visitor.locator(".guide-body")).to_contain_text(ADDED)
    expect(visitor.locator("article")).to_contain_text(
        f"Last clinically reviewed {timezone.localdate():%-d %B %Y}"
    )
    history = admin.locator(".field-event_history")
    expect(history).to_contain_text("Approved by a practitioner")
    expect(history).to_contain_text(practitioner.full_name or practitioner.email)

    # A plain page, scheduled a few seconds ahead, goes live on time with no job running.
    open_change_form(admin, "Bringing it together")
    summary = admin.get_by_label("Summary")
    summary.fill("How the pages fit together, and what to do next.")
    at = timezone.localtime(timezone.now() + timedelta(seconds=6))
    admin.get_by_label("Publish at").fill(f"{at:%Y-%m-%dT%H:%M:%S}")
    admin.get_by_role("button", name="Save and schedule").click()
    expect(admin.locator(".messagelist")).to_contain_text("Scheduled")
    visitor.goto("/guide/")
    expect(visitor.locator("main")).not_to_contain_text("what to do next")
    time.sleep(max(0.0, (at - timezone.now()).total_seconds()) + 0.5)
    visitor.reload()
    expect(visitor.locator("main")).to_contain_text("what to do next")

    # Restore: the diff against the live page comes first, and the restore is a new draft.
    open_change_form(admin, TITLE)
    admin.locator(".field-revision_history li", has_text="Was live").get_by_role("link").click()
    check_admin(admin, "admin-guide-revision")
    admin.get_by_role("link", name="Compare and restore").first.click()
    expect(admin.locator("li.guide-diff-removed", has_text=ADDED)).to_be_visible()
    check_admin(admin, "admin-guide-diff")
    admin.get_by_role("button", name="Restore this version as a draft").click()
    expect(admin.locator(".messagelist")).to_contain_text("is now the newest draft")
    expect(admin.get_by_label("Body")).not_to_contain_text(ADDED)
    visitor.goto(f"/guide/{SLUG}/")
    expect(visitor.locator(".guide-body")).to_contain_text(ADDED)

    newest = GuidePage.objects.get(slug=SLUG).latest_revision()
    assert newest.status == PageRevision.Status.DRAFT
    admin.goto(f"/admin/guide/pagerevision/{newest.pk}/preview/")
    expect(preview_frame(admin, "phone").locator("h1")).to_have_text(TITLE)
    check_admin(admin, "admin-guide-revision-preview")
    admin.goto("/admin/guide/pagerevision/")
    check_admin(admin, "admin-guide-revisions")


def test_it_passes_axe_on_the_guide_and_consent_admin_on_a_phone(open_page, admin_user):
    page = open_page("phone")
    log_in_staff(page, admin_user, PASSWORD, next_path="/admin/")
    check_admin(page, "admin-index")
    page.goto("/admin/guide/page/")
    check_admin(page, "admin-guide-pages")
    page.get_by_role("link", name="Considerations and safety").click()
    check_admin(page, "admin-guide-page-edit")

    # The preview request fails (the server is down, say): the editor is told, politely,
    # and nothing typed is lost. When the server answers again, the preview catches up.
    page.route("**/guide/preview/", lambda route: route.fulfill(status=503, body="down"))
    body = page.get_by_label("Body")
    typed = body.input_value()
    page.get_by_role("button", name="Preview changes").click()
    status = page.locator("#guide-preview-status")
    expect(status).to_have_text(PREVIEW_FAILED)
    expect(body).to_have_value(typed)
    page.unroute("**/guide/preview/")
    body.press("End")
    body.press_sequentially(" Ask us first.")
    expect(status).to_have_text(re.compile("Preview updated"))
    expect(preview_frame(page, "phone").locator(".guide-body")).to_contain_text("Ask us first.")
    check_admin(page, "admin-guide-preview")

    revision = GuidePage.objects.get(slug="safety").latest_revision()
    page.goto(f"/admin/guide/pagerevision/{revision.pk}/change/")
    check_admin(page, "admin-guide-revision")
    page.goto(f"/admin/guide/pagerevision/{revision.pk}/compare/")
    check_admin(page, "admin-guide-diff")
    page.goto(f"/admin/guide/pagerevision/{revision.pk}/preview/")
    check_admin(page, "admin-guide-revision-preview")
    page.goto("/admin/guide/pagerevision/")
    check_admin(page, "admin-guide-revisions")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_it_passes_axe_on_the_consent_wording_admin(open_page, admin_user, viewport):
    page = open_page(viewport)
    log_in_staff(page, admin_user, PASSWORD, next_path="/admin/intake/consenttext/")
    check_admin(page, "admin-consent-list")
    page.goto("/admin/intake/consenttext/add/")
    check_admin(page, "admin-consent-edit")


def test_it_edits_and_saves_a_guide_page_from_the_keyboard_alone(open_page, admin_user):
    page = open_page("desktop")
    log_in_staff(page, admin_user, PASSWORD, next_path="/admin/guide/page/")
    open_change_form(page, "Bringing it together")

    def tab_to(check: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => {{ const el = document.activeElement; return {check}; }}"):
                assert_focus_visible(page)
                return
        raise AssertionError(f"Tab never reached the element ({check})")

    page.locator("body").focus()
    tab_to("el.id === 'id_summary'")
    page.keyboard.press("End")
    page.keyboard.type(" Typed without a mouse.")
    tab_to("el.id === 'id_go_live_at'")
    tab_to("el.value === 'Save draft'")
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    newest = GuidePage.objects.get(slug="conclusion").latest_revision()
    assert newest.summary.endswith("Typed without a mouse.")
