"""How the pages respond to what a patient (on a 390 px phone) or a practitioner (on a
1280 px desktop) does, where focus goes and what the page says (issue 17, "Patient
interaction" and "Staff interaction"). Each page changed is checked with axe."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.browser_support import (
    PATIENT_PASSWORD,
    assert_accessible,
    filled_intake,
    log_in,
)

pytestmark = pytest.mark.browser


def wait_in_view(page: Page, selector: str) -> None:
    """Wait until the element is wholly inside the window (the patient sees where they
    are). Bootstrap scrolls smoothly, so it takes a moment; measured through Playwright,
    since the page's own scripts are off in some tests."""
    box = None
    for _ in range(50):
        box = page.locator(selector).bounding_box()
        if box and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{selector} is not in view: {box}, window {page.viewport_size}")


# Patient side ------------------------------------------------------------------------------


def test_save_and_finish_later_keeps_a_half_done_step_quietly(open_page, practitioner):
    intake = filled_intake(practitioner, name="Sasha Later", email="sl@example.com", submit=False)
    page = open_page("phone")
    log_in(page, "sl@example.com", PATIENT_PASSWORD, next_path=f"/intake/{intake.pk}/step/about/")
    page.get_by_label("What should we call you?").fill("Sash")
    page.locator("#id_emergency_name").fill("")
    page.locator("#id_phone").fill("not yet")
    page.get_by_role("button", name="Save and finish later").click()

    expect(page.get_by_role("status")).to_contain_text("Your answers are saved")
    expect(page.locator("#error-summary")).to_have_count(0)
    expect(page.locator(".is-invalid")).to_have_count(0)
    expect(page.get_by_label("What should we call you?")).to_have_value("Sash")
    expect(page.locator("#id_phone")).to_have_value("not yet")
    assert_accessible(page, "step saved unfinished")

    # Carrying on is when the missing answers are asked for, with focus on the summary.
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Emergency contact: name")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_add_another_medicine_puts_focus_in_the_new_row(open_page, practitioner, javascript):
    email = f"meds-{javascript}@example.com"
    intake = filled_intake(practitioner, name="Milo Rows", email=email, submit=False)
    page = open_page("phone", javascript=javascript)
    log_in(page, email, PATIENT_PASSWORD, next_path=f"/intake/{intake.pk}/step/medications/")
    page.get_by_role("group", name="Medicine 1").get_by_label("Dose (optional)").fill("2.5 mg")

    page.get_by_role("button", name="Add another medicine").click()
    second = page.get_by_role("group", name="Medicine 2")
    name = second.get_by_role("combobox", name="Name")
    expect(name).to_be_focused()
    wait_in_view(page, "#id_med-1-name")
    expect(page).to_have_url(re.compile(r"/step/medications/#id_med-1-name$"))
    # What was typed before is kept, and typing goes straight into the new row.
    page.keyboard.insert_text("omeprazole")
    expect(name).to_have_value("omeprazole")
    expect(
        page.get_by_role("group", name="Medicine 1").get_by_label("Dose (optional)")
    ).to_have_value("2.5 mg")
    if javascript:  # axe runs in the page, as a script
        assert_accessible(page, "medicine row added")

    page.get_by_role("button", name="Add another medicine").click()
    expect(
        page.get_by_role("group", name="Medicine 3").get_by_role("combobox", name="Name")
    ).to_be_focused()
    expect(
        page.get_by_role("group", name="Medicine 2").get_by_role("combobox", name="Name")
    ).to_have_value("omeprazole")
