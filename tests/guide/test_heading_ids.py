"""Heading ids that editors type ({#idle-warning}) are namespaced, so they can never be the
id of one of the page's own elements (docs/security.md S29); links to the guide's sections,
the safety anchors that screening flags point at included, still land on them."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse
from pytest_django.asserts import assertContains

from guide.markdown import render
from guide.models import Page
from intake.models import Intake
from portal.settings import BASE_DIR
from tests.factories import ScreeningRunFactory
from tests.helpers import flag_data

IDS = re.compile(r'\bid="([^"]+)"')


def test_it_namespaces_heading_ids_typed_by_an_editor():
    html = render("## Are you still there? {#idle-warning}\n\n### main {#main}")
    assert '<h2 id="section-idle-warning">' in html
    assert '<h3 id="section-main">' in html
    assert 'id="idle-warning"' not in html
    assert 'id="main"' not in html


def test_it_namespaces_the_ids_made_from_heading_text():
    assert '<h2 id="section-main-nav">Main nav</h2>' in render("## Main nav")


def test_it_does_not_namespace_an_id_twice():
    assert '<h2 id="section-bleeding">' in render("## Bleeding {#section-bleeding}")


def test_it_points_links_to_guide_sections_at_the_namespaced_ids():
    html = render(
        "[here](#bleeding), [safety](/guide/safety/#bleeding), [page](/guide/safety/), "
        "[elsewhere](https://example.org/guide/x/#bleeding)"
    )
    assert 'href="#section-bleeding"' in html
    assert 'href="/guide/safety/#section-bleeding"' in html
    assert 'href="/guide/safety/"' in html
    assert 'href="https://example.org/guide/x/#bleeding"' in html


def test_it_keeps_the_page_ids_unique_whatever_the_editor_types(patient_client):
    Page.objects.filter(slug="safety").update(
        body_html=render(
            "## Are you still there? {#idle-warning}\n\n## Sources {#references-title}"
        )
    )
    response = patient_client.get(reverse("guide:page", args=["safety"]))
    ids = IDS.findall(response.content.decode())
    assert "idle-warning" in ids  # the page's own idle warning, signed in
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_it_leaves_the_namespace_to_editors_in_every_template():
    """No template gives its own element an id in the editors' namespace."""
    for template in Path(BASE_DIR / "templates").rglob("*.html"):
        assert 'id="section-' not in template.read_text(), template


def test_it_renders_the_shipped_guide_with_namespaced_ids(client, db):
    response = client.get(reverse("guide:page", args=["safety"]))
    assertContains(response, '<h2 id="section-bleeding">')
    assert 'id="bleeding"' not in response.content.decode()


def test_it_links_flags_stored_before_the_namespace_to_the_right_section(
    practitioner_client, patient
):
    intake = Intake.objects.create(
        patient=patient, patient_name="Pat", status=Intake.Status.SUBMITTED
    )
    ScreeningRunFactory(
        intake=intake,
        ruleset="2026.11.0",
        flags=[flag_data("R06", "caution", guide_url="/guide/safety/#bleeding")],
    )
    response = practitioner_client.get(reverse("intake:intake_detail", args=[intake.pk]))
    assertContains(response, 'href="/guide/safety/#section-bleeding"')


def test_it_sends_old_section_links_on_to_the_namespaced_id_in_the_browser(client, db):
    """A bookmark to /guide/safety/#bleeding: the page's script scrolls to the section."""
    response = client.get(reverse("guide:page", args=["safety"]))
    assertContains(response, 'src="/static/js/guide-anchors.js"')
    script = (BASE_DIR / "static" / "js" / "guide-anchors.js").read_text()
    assert '"section-"' in script
