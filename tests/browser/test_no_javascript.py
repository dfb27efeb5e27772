"""Progressive enhancement: with JavaScript switched off the intake still works. The
medication rows are added and removed by the server, a step saves, and errors come back
next to the fields with what was typed kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.browser_support import PATIENT_PASSWORD, filled_intake, log_in

pytestmark = pytest.mark.browser


def test_the_intake_works_without_javascript(open_page, practitioner):
    intake = filled_intake(
        practitioner, name="Nora Noscript", email="nora@example.com", submit=False
    )
    page = open_page("desktop", javascript=False)
    log_in(page, "nora@example.com", PATIENT_PASSWORD, next_path="/intake/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")

    page.goto(f"/intake/{intake.pk}/step/medications/")
    first = page.get_by_role("group", name="Medicine 1")
    expect(first.get_by_role("combobox", name="Name")).to_have_value("Eliquis 5mg")

    # Add a row: a round trip to the server, which keeps what was typed in the first row.
    first.get_by_label("Dose (optional)").fill("2.5 mg")
    page.get_by_role("button", name="Add another medicine").click()
    second = page.get_by_role("group", name="Medicine 2")
    expect(second).to_be_visible()
    expect(
        page.get_by_role("group", name="Medicine 1").get_by_label("Dose (optional)")
    ).to_have_value("2.5 mg")
    second.get_by_role("combobox", name="Name").fill("omeprazole")
    page.get_by_role("button", name="Add another medicine").click()
    expect(page.get_by_role("group", name="Medicine 3")).to_be_visible()
    page.get_by_role("button", name="Remove medicine 3").click()
    expect(page.get_by_role("group", name="Medicine 3")).to_have_count(0)

    # Save: the answers are stored and the page says so.
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_role("status")).to_contain_text("Your answers are saved")
    intake.refresh_from_db()
    medications = intake.answers["medications"]["items"]
    assert [m["name"] for m in medications] == ["Eliquis 5mg", "omeprazole"]
    assert medications[0]["dose"] == "2.5 mg"

    # A step with a mistake: the server's message sits by the field; nothing typed is lost.
    page.goto(f"/intake/{intake.pk}/step/pain/")
    expect(page.get_by_role("checkbox", name="Lower back")).to_be_checked()
    page.get_by_role("checkbox", name="Neck").check()  # the checkboxes need no script
    page.get_by_label("Pain right now").fill("12")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is 1 answer to check")
    # With scripts on, intake-wizard.js would have moved focus here: proof they are off.
    expect(summary).not_to_be_focused()
    field = page.get_by_label("Pain right now")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("12")
    expect(page.get_by_role("checkbox", name="Neck")).to_be_checked()
    page.get_by_label("Pain right now").fill("4")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/step/conditions/$"))
    intake.refresh_from_db()
    assert intake.answers["pain"]["regions"] == ["neck", "low_back", "left_knee"]
    assert intake.answers["pain"]["intensity_now"] == 4
