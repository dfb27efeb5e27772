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
    log_in_staff,
)
from tests.helpers import PASSWORD

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


def clear_red_flags(page: Page) -> None:
    """The red-flag page as a patient first meets it: no question answered."""
    page.evaluate(
        "() => document.querySelectorAll('#step-fields input[type=radio]')"
        ".forEach((radio) => { radio.checked = false; })"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_none_of_these_answers_no_to_every_red_flag(open_page, practitioner, javascript):
    email = f"flags-{javascript}@example.com"
    intake = filled_intake(practitioner, name="Nell Nonesuch", email=email, submit=False)
    page = open_page("phone", javascript=javascript)
    log_in(page, email, PATIENT_PASSWORD, next_path=f"/intake/{intake.pk}/step/red_flags/")
    expect(page.get_by_role("group", name=re.compile("If pregnant"))).to_have_count(0)
    clear_red_flags(page)
    night = page.get_by_role("group", name=re.compile("Severe pain at night"))
    none = page.get_by_role("checkbox", name="I have had none of these")

    if javascript:
        # Ticked: every question says No on the page at once, each still its own answer.
        none.check()
        for group in page.locator("#step-fields fieldset").all():
            expect(group.get_by_role("radio", name="No")).to_be_checked()
        night.get_by_role("radio", name="Yes").check()
        expect(none).not_to_be_checked()  # a yes makes "none of these" untrue
        assert_accessible(page, "red flags, none of these")
        none.check()
        expect(night.get_by_role("radio", name="Yes")).to_be_checked()  # a yes stays
    else:
        none.check()
        night.get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Consent")
    intake.refresh_from_db()
    flags = intake.answers["red_flags"]
    assert flags.pop("night_pain") == "yes"
    assert set(flags.values()) == {"no"} and "pregnancy_bleeding" not in flags


def test_a_sign_up_form_with_errors_moves_focus_to_its_summary(open_page, settings):
    settings.SELF_REGISTRATION = True
    page = open_page("phone")
    page.goto("/intake/register/")
    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Email me the link").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Your full name: Enter your full name.")
    expect(page.get_by_label("Email address")).to_have_value("not-an-address")
    assert_accessible(page, "sign-up with errors")
    # Each item leads to its field.
    summary.get_by_role("link", name=re.compile("Your full name")).click()
    expect(page.get_by_label("Your full name")).to_be_focused()


def test_the_about_step_starts_with_the_name_on_the_invitation(open_page, practitioner):
    from tests.browser.browser_support import invite_patient

    intake, path = invite_patient(practitioner, name="Iris Invited", email="iris@example.com")
    page = open_page("phone")
    page.goto(path)
    page.get_by_label("Choose a password").fill(PATIENT_PASSWORD)
    page.get_by_label("Type the same password again").fill("not the same at all")
    page.get_by_role("button", name="Save password and start").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page, "invitation password with errors")

    page.get_by_label("Choose a password").fill(PATIENT_PASSWORD)
    page.get_by_label("Type the same password again").fill(PATIENT_PASSWORD)
    page.get_by_role("button", name="Save password and start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    expect(page.get_by_label("Full legal name")).to_have_value("Iris Invited")


# Staff side --------------------------------------------------------------------------------


def test_the_review_form_shows_each_flag_once_and_says_which_needs_what(open_page, practitioner):
    from intake.models import Flag

    intake = filled_intake(practitioner, name="Rhian Review", email="rr@example.com")
    page = open_page("desktop")
    log_in_staff(page, practitioner, PASSWORD, next_path=f"/practice/intakes/{intake.pk}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Rhian Review")

    flags = list(Flag.objects.filter(run__intake=intake))
    blocks = page.locator("li.review-flag")
    expect(blocks).to_have_count(len(flags))
    for flag in flags:  # once each: one block, one box
        expect(page.get_by_text(f"{flag.rule} {flag.title}", exact=True)).to_have_count(1)
        expect(page.get_by_role("checkbox", name=f"I have read {flag.rule}")).to_have_count(1)

    page.get_by_role("button", name="Sign and save review").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The review was not saved")
    needed = next(f for f in flags if f.needs_acknowledgement)
    message = f"{needed.rule} “{needed.title}”"
    expect(summary).to_contain_text(message)
    # Beside the box, too.
    block = blocks.filter(has=page.get_by_role("checkbox", name=f"I have read {needed.rule}"))
    expect(block.locator(".invalid-feedback")).to_contain_text("needs acknowledging")
    assert_accessible(page, "review form with errors")
    summary.get_by_role("link", name=re.compile(re.escape(message))).click()
    expect(page.get_by_role("checkbox", name=f"I have read {needed.rule}")).to_be_focused()


def test_a_flags_source_codes_lead_to_the_source_list(open_page, practitioner):
    intake = filled_intake(practitioner, name="Sol Sources", email="ss@example.com")
    page = open_page("desktop")
    log_in_staff(page, practitioner, PASSWORD, next_path=f"/practice/intakes/{intake.pk}/")
    link = page.locator("li.flag").first.get_by_role("link", name=re.compile(r"^Source S\d+$"))
    code = link.first.inner_text().strip()
    link.first.click()

    expect(page).to_have_url(re.compile(rf"/practice/sources/#{code}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sources of the screening rules")
    row = page.locator(f"tr#{code}")
    expect(row).to_be_in_viewport()
    expect(row.get_by_role("rowheader")).to_have_text(code)
    assert_accessible(page, "source list")


def test_the_remembered_search_shows_as_a_filter_with_a_clear_button(open_page, practitioner):
    filled_intake(practitioner, name="Cora Chip", email="cc@example.com")
    filled_intake(practitioner, name="Olwen Other", email="oo@example.com")
    page = open_page("desktop")
    log_in_staff(page, practitioner, PASSWORD)
    page.get_by_label("Patient name").fill("Cora")
    page.get_by_role("button", name="Show intakes").click()

    page.goto("/practice/")  # later, from the menu: the search is still applied, and shown
    chips = page.get_by_role("form", name="Active filters")
    expect(chips).to_contain_text("Patient name: “Cora”")
    expect(page.locator("table.intake-list tbody tr")).to_have_count(1)
    assert_accessible(page, "dashboard with a remembered search")

    chips.get_by_role("button", name="Clear name search").click()
    expect(page.get_by_role("form", name="Active filters")).to_have_count(0)
    expect(page.locator("table.intake-list tbody tr")).to_have_count(2)
    expect(page.get_by_label("Patient name")).to_have_value("")


def test_a_password_change_with_errors_moves_focus_to_its_summary(open_page, practitioner):
    filled_intake(practitioner, name="Pat Password", email="pp@example.com", submit=False)
    page = open_page("phone")
    log_in(page, "pp@example.com", PATIENT_PASSWORD, next_path="/accounts/password/")
    page.get_by_label("Current password").fill("not my password")
    page.locator("#id_new_password1").fill("a-new-quiet-lantern-55")
    page.locator("#id_new_password2").fill("a-new-quiet-lantern-55")
    page.get_by_role("button", name="Change password").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(1)
    assert_accessible(page, "password change with errors")
