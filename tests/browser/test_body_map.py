"""The pain step's body map on a 390x844 phone: every region is a tap target a finger can hit
(a 44 px fingertip fits inside the part of it that is not covered by another region), a tap
ticks or unticks the real checkbox, the checkboxes work from the keyboard and paint the
figure, a ticked region shows by stripes and outline, and axe-core finds nothing at all."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from intake.screening.vocabulary import PAIN_REGIONS
from tests.browser.browser_support import (
    ALL_IMPACTS,
    PATIENT_PASSWORD,
    check_page,
    filled_intake,
    log_in,
)

pytestmark = pytest.mark.browser

TAP = 44  # CSS px, WCAG 2.5.5's target size

# For one shape: its bounding box, and whether a fingertip, a disc 44 px across, fits in it
# such that wherever the finger lands it is on this shape and not on a neighbour drawn over
# it. The disc is tried centred at every 2 px inside the box, probed with elementFromPoint at
# its centre and on two rings, after scrolling the shape into view (the probe only sees the
# viewport). A 44 px square is tried too, for the record: its corners do not fit in a
# rounded part (a knee, a shoulder, half a head) unless that part is about 62 px across.
MEASURE = """([id, tap]) => {
  const shape = document.getElementById(id);
  // "instant": Bootstrap makes scrolling smooth, and the probe must wait for nothing.
  shape.scrollIntoView({block: "center", behavior: "instant"});
  const box = shape.getBoundingClientRect();
  const r = tap / 2 - 0.5;
  const disc = [[0, 0]];
  for (let k = 0; k < 16; k++) {
    const a = (k * Math.PI) / 8;
    disc.push([r * Math.cos(a), r * Math.sin(a)], [(r / 2) * Math.cos(a), (r / 2) * Math.sin(a)]);
  }
  const square = [];
  for (let i = 0; i <= 4; i++) {
    for (let j = 0; j <= 4; j++) square.push([-r + (i * 2 * r) / 4, -r + (j * 2 * r) / 4]);
  }
  const find = (probes) => {
    for (let y = box.top + tap / 2; y + tap / 2 <= box.bottom; y += 2) {
      for (let x = box.left + tap / 2; x + tap / 2 <= box.right; x += 2) {
        if (probes.every(([dx, dy]) => document.elementFromPoint(x + dx, y + dy) === shape)) {
          return {x: x - box.left, y: y - box.top};
        }
      }
    }
    return null;
  };
  return {width: box.width, height: box.height, finger: find(disc), square: find(square)};
}"""


def open_pain_step(open_page, practitioner, viewport: str = "phone") -> Page:
    intake = filled_intake(practitioner, name="Bea Mapper", email="bea@example.com", submit=False)
    page = open_page(viewport)
    log_in(page, "bea@example.com", PATIENT_PASSWORD, next_path="/intake/")
    page.goto(f"/intake/{intake.pk}/step/pain/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your pain")
    return page


def shape_ids(page: Page) -> list[str]:
    return page.locator(".body-map [data-region]").evaluate_all("(els) => els.map(e => e.id)")


def test_every_region_is_a_finger_sized_target_on_a_phone(open_page, practitioner):
    page = open_pain_step(open_page, practitioner)
    check_page(page, "body-map", impacts=ALL_IMPACTS)

    ids = shape_ids(page)
    drawn = {page.locator(f"#{shape_id}").get_attribute("data-region") for shape_id in ids}
    assert drawn == set(PAIN_REGIONS)
    sizes = {shape_id: page.evaluate(MEASURE, [shape_id, TAP]) for shape_id in ids}
    print("\nBody map regions at 390 px: bounding box; a 44 px disc fits; a 44 px square fits")
    for shape_id, size in sizes.items():
        print(
            f"  {shape_id:32} {size['width']:5.1f} x {size['height']:5.1f} px  "
            f"{'yes' if size['finger'] else 'NO '}  {'yes' if size['square'] else 'no'}"
        )
    too_small = {
        shape_id: size
        for shape_id, size in sizes.items()
        if size["width"] < TAP or size["height"] < TAP or size["finger"] is None
    }
    assert not too_small, f"regions a finger cannot reliably hit: {too_small}"


def test_a_tap_toggles_the_checkbox_and_the_checkbox_paints_the_figure(open_page, practitioner):
    page = open_pain_step(open_page, practitioner)
    neck = page.get_by_role("checkbox", name="Neck")
    expect(neck).not_to_be_checked()
    shapes = page.locator('.body-map [data-region="neck"]')
    expect(shapes).to_have_count(2)  # front and back

    page.locator("#body-map-front-neck").tap()
    expect(neck).to_be_checked()
    for shape in shapes.all():
        expect(shape).to_have_class("body-region is-selected")
    # The highlight is not colour alone: a ticked region is striped and outlined thicker.
    style = page.locator("#body-map-back-neck").evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.fill, s.strokeWidth]; }"
    )
    assert style[0].startswith("url(") and "body-map-hatch-back" in style[0], style
    plain = page.locator("#body-map-back-head").evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.fill, s.strokeWidth]; }"
    )
    assert not plain[0].startswith("url("), plain
    assert float(style[1].rstrip("px")) >= 2 * float(plain[1].rstrip("px")), (style, plain)

    page.locator("#body-map-back-neck").tap()
    expect(neck).not_to_be_checked()
    for shape in shapes.all():
        expect(shape).to_have_class("body-region")

    # The sides follow the patient: on the front their right is on the viewer's left, on the
    # back it is on the viewer's right.
    front_right = page.locator("#body-map-front-right_hand").bounding_box()
    front_left = page.locator("#body-map-front-left_hand").bounding_box()
    back_right = page.locator("#body-map-back-right_hand").bounding_box()
    back_left = page.locator("#body-map-back-left_hand").bounding_box()
    assert front_right["x"] < front_left["x"]
    assert back_left["x"] < back_right["x"]
    page.locator("#body-map-back-right_hand").tap()
    expect(page.get_by_role("checkbox", name="Right hand or wrist")).to_be_checked()

    # Every region, one tap each: the right box follows, and a second tap clears it.
    for region, label in PAIN_REGIONS.items():
        box = page.get_by_role("checkbox", name=label, exact=True)
        was = box.is_checked()
        shape = page.locator(f'.body-map [data-region="{region}"]').first
        # Where the fingertip fitted above: the middle of a leg is its knee.
        middle = page.evaluate(MEASURE, [shape.get_attribute("id"), TAP])["finger"]
        shape.tap(position=middle)
        expect(box).to_be_checked(checked=not was)
        shape.tap(position=middle)
        expect(box).to_be_checked(checked=was)


def test_the_checkboxes_work_from_the_keyboard_and_show_their_region(open_page, practitioner):
    page = open_pain_step(open_page, practitioner)
    group = page.get_by_role("group", name="Where do you feel pain? Tick every area.")
    expect(group.get_by_role("checkbox")).to_have_count(len(PAIN_REGIONS))
    # The figure is no stop for the keyboard and nothing for a screen reader to read.
    expect(page.locator(".body-map")).to_have_attribute("aria-hidden", "true")
    assert page.locator(".body-map [tabindex], .body-map a").count() == 0

    chest = page.get_by_role("checkbox", name="Chest")
    page.get_by_role("checkbox", name="Right shoulder").focus()
    page.keyboard.press("Tab")
    expect(chest).to_be_focused()
    expect(page.locator("#body-map-front-chest")).to_have_class("body-region is-focused")
    page.keyboard.press("Space")
    expect(chest).to_be_checked()
    expect(page.locator("#body-map-front-chest")).to_have_class(
        "body-region is-focused is-selected"
    )
    page.keyboard.press("Tab")
    expect(page.locator("#body-map-front-chest")).to_have_class("body-region is-selected")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(chest).not_to_be_checked()
    check_page(page, "body-map-keyboard", impacts=ALL_IMPACTS)


def test_on_a_desktop_the_figures_stand_side_by_side_next_to_the_list(open_page, practitioner):
    page = open_pain_step(open_page, practitioner, "desktop")
    front = page.locator(".body-map-front").bounding_box()
    back = page.locator(".body-map-back").bounding_box()
    checkboxes = page.locator(".region-list").bounding_box()
    assert front["y"] == back["y"] and front["x"] + front["width"] <= back["x"]
    assert back["x"] + back["width"] <= checkboxes["x"]
    page.locator("#body-map-front-left_shoulder").click()
    expect(page.get_by_role("checkbox", name="Left shoulder")).to_be_checked()
    check_page(page, "body-map", impacts=ALL_IMPACTS)
