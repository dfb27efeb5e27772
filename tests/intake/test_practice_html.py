"""The intake page's flags and answers, drawn in Python (intake/practice_html.py): every
value escaped, the templates' structure kept, and on the page the flags a review
acknowledged, in their order."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import reverse
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from intake import practice_html
from intake.summary import Section
from tests.factories import ReviewFactory, ScreeningRunFactory, SubmittedIntakeFactory
from tests.helpers import flag_data

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def hostile_flag(**changes) -> SimpleNamespace:
    """A flag as practitioner_views._decorate leaves it, a payload in every text."""
    values = {
        "severity": "caution",
        "severity_label": f"Caution {XSS}",
        "rule": f"R{XSS}",
        "category": f"bleeding{XSS}",
        "title": f"Title {XSS}",
        "because": [f"because {XSS}"],
        "action": f"Action {XSS}",
        "why": f"Why {XSS}",
        "why_sources": [f'S1"><img src=x onerror=alert(1)>{XSS}'],
        "affects_labels": [f"manual needling {XSS}"],
        "guide_link": f'/guide/safety/#x"><script>{XSS}',
    }
    return SimpleNamespace(**(values | changes))


def test_it_escapes_every_value_of_a_flag():
    html = practice_html.flag_card(hostile_flag(), heading_level=4, sources_url="/sources/")

    assert "<script" not in html
    assert "<img" not in html
    # Seven texts once, the title twice (heading, guide link), the source code three times
    # (address, label, text) and the guide link's address.
    assert html.count(ESCAPED) == 13
    assert 'href="/guide/safety/#x&quot;&gt;&lt;script&gt;' in html


def test_it_draws_a_flag_as_the_template_did():
    flag = hostile_flag(
        title="Anticoagulant",
        rule="R06",
        category="bleeding",
        severity_label="Caution",
        because=["Takes apixaban", "Bruises easily"],
        action="Superficial needling.",
        why="Bleeding risk.",
        why_sources=["S4", "S27"],
        affects_labels=["manual needling (MN)", "cupping (CUP)"],
        guide_link="/guide/safety/#section-bleeding",
    )
    html = practice_html.flag_card(flag, heading_level=5, sources_url="/sources/")

    assertInHTML(
        """
        <li class="card mb-3 flag flag-caution"><div class="card-body">
          <p class="mb-1"><span class="badge severity-badge text-bg-warning">Caution</span>
            <span class="text-body-secondary small ms-1">Rule R06 · bleeding</span></p>
          <h5 class="h6 card-title mb-2">Anticoagulant</h5>
          <dl class="row mb-0 small">
            <dt class="col-sm-3">Because</dt>
            <dd class="col-sm-9">
              <ul class="mb-0 ps-3"><li>Takes apixaban</li><li>Bruises easily</li></ul>
            </dd>
            <dt class="col-sm-3">Action</dt><dd class="col-sm-9">Superficial needling.</dd>
            <dt class="col-sm-3">Why</dt>
            <dd class="col-sm-9">Bleeding risk. <span class="text-body-secondary">(sources
              <a href="/sources/#S4" aria-label="Source S4">S4</a>,
              <a href="/sources/#S27" aria-label="Source S27">S27</a>)</span></dd>
            <dt class="col-sm-3">Affects</dt>
            <dd class="col-sm-9">manual needling (MN), cupping (CUP)</dd>
            <dt class="col-sm-3">Guide</dt>
            <dd class="col-sm-9">
              <a href="/guide/safety/#section-bleeding">Safety guidance: Anticoagulant</a>
            </dd>
          </dl>
        </div></li>
        """,
        html,
    )


def test_it_leaves_out_what_a_flag_does_not_have():
    flag = hostile_flag(because=[], why="", why_sources=[], affects_labels=[], guide_link="")
    html = practice_html.flag_card(flag, heading_level=4, sources_url="/sources/")

    assertInHTML('<dd class="col-sm-9">—</dd>', html, count=2)  # because, affects
    assert "Why" not in html and "Guide" not in html


def test_it_escapes_answers_and_keeps_their_line_breaks():
    sections = [
        Section(step="pain", title=f"Pain {XSS}", rows=[("Complaint", f"Back\r\nand {XSS}")]),
        Section(step="empty", title="Empty", rows=[(f"Label {XSS}", "")]),
    ]
    html = practice_html.answer_sections(sections)

    assert "<script" not in html
    assert f'<h3 class="h5 mt-3">Pain {ESCAPED}</h3>' in html
    assert f'<dd class="col-sm-8">Back<br>and {ESCAPED}</dd>' in html
    assert f'<dt class="col-sm-4">Label {ESCAPED}</dt><dd class="col-sm-8">—</dd>' in html
    assert practice_html.answer_sections([]) == "<p>No answers saved yet.</p>"


def test_the_page_shows_a_hostile_flag_title_as_text(practitioner_client, patient):
    intake = SubmittedIntakeFactory(patient=patient)
    ScreeningRunFactory(intake=intake, flags=[flag_data("R06", "caution", title=XSS)])

    response = practitioner_client.get(reverse("intake:intake_detail", args=[intake.pk]))

    assertNotContains(response, XSS)
    assertContains(response, f'<h4 class="h6 card-title mb-2">{ESCAPED}</h4>')
    assertContains(response, f"Safety guidance: {ESCAPED}")


def test_the_page_lists_the_flags_the_latest_review_acknowledged_in_order(
    practitioner_client, practitioner, patient
):
    intake = SubmittedIntakeFactory(patient=patient)
    run = ScreeningRunFactory(
        intake=intake,
        flags=[flag_data("R02", "caution"), flag_data("R01", "refer"), flag_data("R03", "info")],
    )
    first, second, third = run.flags.order_by("position")
    earlier = ReviewFactory(intake=intake, run=run, version=1, reviewer=practitioner)
    earlier.acknowledged_flags.set([first])
    latest = ReviewFactory(intake=intake, run=run, version=2, reviewer=practitioner)
    latest.acknowledged_flags.set([third, first])

    response = practitioner_client.get(reverse("intake:intake_detail", args=[intake.pk]))

    assertContains(response, "R02 Title of R02; R03 Title of R03")
    assertNotContains(response, "Title of R01;")
