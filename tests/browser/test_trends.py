"""The pain trend in a real browser on a 390 px phone: the practitioner's patient page and the
patient's own page draw the chart within the page's width and the CSP, the table scrolls in
its own box rather than the page, and axe-core finds nothing serious."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.browser_support import check_page, log_in, log_in_staff
from tests.factories import ScoredCheckInFactory, ScoredIntakeFactory
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
SUMMARY = "PEG 7.0 → 4.0 since 12 Sep, a 43% improvement"


def on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=LONDON)


def test_the_trend_reads_on_a_phone(open_page, practitioner, patient):
    first = ScoredIntakeFactory(patient=patient, peg=(7, 7, 7), submitted_at=on(9, 12))
    for day, peg in ((26, (6, 7, 6)), (40, (5, 6, 5)), (54, (4, 4, 4))):
        month, day = (9, day) if day <= 30 else (10, day - 30)
        ScoredCheckInFactory(patient=patient, peg=peg, submitted_at=on(month, day))

    page = open_page("phone")
    log_in_staff(page, practitioner, PASSWORD, next_path=f"/practice/patients/{patient.pk}/")
    expect(page.locator(".trend-summary")).to_contain_text(SUMMARY)
    chart = page.locator("svg.trend-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert 300 <= box["width"] <= 390, box  # drawn across the phone, not shrunk or cut
    # The table is the chart's equivalent, announced as a table with its caption.
    table = page.get_by_role("table", name="PEG score and items at each visit")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text("Meaningful improvement")
    check_page(page, "patient-trend")

    mine = open_page("phone")
    log_in(mine, patient.email, PASSWORD, next_path=f"/intake/{first.pk}/")
    expect(mine.get_by_role("heading", name="Your pain over time")).to_be_visible()
    expect(mine.get_by_role("img", name="PEG score and its three items")).to_be_visible()
    check_page(mine, "my-trend")


def test_the_threshold_labels_are_drawn_clear_of_every_line_and_point(
    open_page, practitioner, patient
):
    # A course that ends on the "better" line and crosses the "worse" one: where a label
    # inside the plot would sit on the last points.
    ScoredIntakeFactory(patient=patient, peg=(7, 7, 7), submitted_at=on(9, 12))
    for day, peg in ((26, (9, 9, 9)), (40, (6, 5, 5)), (54, (5, 5, 5))):
        month, day = (9, day) if day <= 30 else (10, day - 30)
        ScoredCheckInFactory(patient=patient, peg=peg, submitted_at=on(month, day))
    page = open_page("phone")
    log_in_staff(page, practitioner, PASSWORD, next_path=f"/practice/patients/{patient.pk}/")
    expect(page.locator("svg.trend-chart .trend-band-label")).to_have_count(2)
    # In the drawing's own units, with the browser's own measure of the text.
    problems = page.evaluate(
        """() => {
          const svg = document.querySelector('svg.trend-chart');
          const view = svg.viewBox.baseVal;
          const labels = [...svg.querySelectorAll('.trend-band-label')].map((t) => t.getBBox());
          const hits = (box, x, y, pad) => x >= box.x - pad && x <= box.x + box.width + pad
            && y >= box.y - pad && y <= box.y + box.height + pad;
          const found = [];
          labels.forEach((box, i) => {
            if (box.x < view.x || box.y < view.y || box.x + box.width > view.x + view.width
                || box.y + box.height > view.y + view.height) found.push(`label ${i} is cut off`);
            labels.forEach((other, j) => {
              if (j > i && !(box.y + box.height < other.y || other.y + other.height < box.y))
                found.push(`labels ${i} and ${j} overlap`);
            });
            // Every line walked in half-unit steps, padded by half its stroke.
            for (const line of svg.querySelectorAll('polyline')) {
              const pts = [...line.points];
              const pad = parseFloat(line.getAttribute('stroke-width')) / 2;
              for (let k = 1; k < pts.length; k++) {
                const a = pts[k - 1], b = pts[k];
                const steps = Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) * 2);
                for (let s = 0; s <= steps; s++) {
                  const x = a.x + (b.x - a.x) * s / steps, y = a.y + (b.y - a.y) * s / steps;
                  if (hits(box, x, y, pad)) { found.push(`label ${i} is on a line`); return; }
                }
              }
            }
            for (const mark of svg.querySelectorAll('.trend-point circle, .trend-point rect')) {
              const m = mark.getBBox();
              const pad = parseFloat(mark.getAttribute('stroke-width')) / 2;
              if (!(m.x + m.width + pad < box.x || box.x + box.width < m.x - pad
                    || m.y + m.height + pad < box.y || box.y + box.height < m.y - pad))
                found.push(`label ${i} is on a point`);
            }
          });
          return found;
        }"""
    )
    assert problems == []
    check_page(page, "patient-trend-labels")
