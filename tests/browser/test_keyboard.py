"""Journey 4: the whole patient journey with the keyboard alone (Tab, Shift+Tab, Space,
Enter, arrow keys), from the invitation link to the submitted intake, with a break in the
middle: "Save and finish later", log out, log in again and carry on. After every Tab the
element that has focus must show it (an outline or a box-shadow that focus brings) and be
on screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from intake.models import Intake
from tests.browser.browser_support import (
    PATIENT_PASSWORD,
    RED_FLAGS_NOT_PREGNANT,
    assert_focus_visible,
    focus_ring,
    invite_patient,
)

pytestmark = pytest.mark.browser

NAME = "Kim Keyboard"
EMAIL = "kim@example.com"


class Keyboard:
    """Moves through a page the way a keyboard user does, checking the focus ring at every
    stop."""

    def __init__(self, page: Page):
        self.page = page
        self.stops = 0

    def focused(self, selector: str) -> bool:
        return self.page.evaluate("(s) => document.activeElement.matches(s)", selector)

    def start(self) -> None:
        """A new page: the skip link is its first Tab stop, and Enter on it jumps to the
        content."""
        self.page.wait_for_load_state()
        focus_in_page = self.page.evaluate("() => document.activeElement !== document.body")
        if self.page.url.endswith("#main") or focus_in_page:
            # Focus navigation does not start at the top of the page: a form posted after
            # using the skip link keeps "#main" through its redirect, and the sign-in form
            # puts focus in its first field (autofocus). The first Tab would land in the
            # content. Walk back up with Shift+Tab instead: the skip link must come first.
            self.tab_to(".skip-link", backwards=True)
            self.page.keyboard.press("Shift+Tab")
            assert self.page.evaluate("() => document.activeElement === document.body"), (
                f"on {self.page.url} {focus_ring(self.page)['label']!r} comes before the skip link"
            )
            self.page.keyboard.press("Tab")
        else:
            self.page.keyboard.press("Tab")
        assert self.focused(".skip-link"), (
            f"on {self.page.url} the first Tab reached {focus_ring(self.page)['label']!r}, "
            "not 'Skip to main content'"
        )
        assert_focus_visible(self.page)
        self.page.keyboard.press("Enter")
        expect(self.page.locator("#main")).to_be_focused()

    def tab_to(self, selector: str, *, backwards: bool = False, limit: int = 60) -> None:
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            self.stops += 1
            assert_focus_visible(self.page)
            if self.focused(selector):
                return
        raise AssertionError(f"{key} pressed {limit} times without reaching {selector}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def press_on(self, selector: str, key: str, *, backwards: bool = False) -> None:
        self.tab_to(selector, backwards=backwards)
        self.page.keyboard.press(key)

    def next_step(self, heading: str) -> None:
        self.press_on('button[name="action"][value="next"]:not(.visually-hidden)', "Enter")
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        self.start()


def test_a_patient_completes_the_intake_with_the_keyboard_alone(open_page, practitioner):
    intake, link = invite_patient(practitioner, name=NAME, email=EMAIL)
    page = open_page("desktop")
    # Scrolling then happens at once, so each focus check need not wait for Bootstrap's
    # smooth scroll to finish (the check still requires the focused element on screen).
    page.emulate_media(reduced_motion="reduce")
    keys = Keyboard(page)
    page.goto(link)  # typed or pasted into the address bar
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome")

    keys.start()
    keys.type_into("#id_password1", PATIENT_PASSWORD)
    keys.type_into("#id_password2", PATIENT_PASSWORD)
    keys.press_on("main form button[type=submit]", "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    keys.start()

    # About you. Arrow keys move between the radios; Shift+Tab goes back to correct a typo.
    keys.type_into("#id_legal_name", "Kim Keybord")
    keys.type_into("#id_date_of_birth", "02/05/1984")
    keys.press_on('input[name="sex_at_birth"]', "ArrowDown")  # Female -> Male
    expect(page.get_by_role("radio", name="Male", exact=True)).to_be_checked()
    page.keyboard.press("ArrowUp")  # ...and back to Female, so pregnancy is asked
    expect(page.get_by_role("radio", name="Female", exact=True)).to_be_checked()
    keys.type_into("#id_phone", "07700 900555")
    keys.tab_to("#id_legal_name", backwards=True)
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("ard")
    expect(page.locator("#id_legal_name")).to_have_value(NAME)
    keys.type_into("#id_emergency_name", "Lee Keyboard")
    keys.type_into("#id_emergency_phone", "07700 900556")
    keys.next_step("Your pain")

    # Your pain: the checkboxes are the keyboard's way into the body map.
    keys.type_into("#id_complaint", "Stiff neck")
    keys.press_on('input[name="regions"][value="neck"]', "Space")
    keys.press_on('input[name="regions"][value="right_shoulder"]', "Space")
    keys.tab_to("#id_started_month")
    page.keyboard.type("Mar")
    expect(page.locator("#id_started_month")).to_have_value("3")
    keys.type_into("#id_started_year", "2023")
    for field, value in [
        ("#id_intensity_now", "4"),
        ("#id_intensity_average", "5"),
        ("#id_intensity_worst", "7"),
        ("#id_peg_pain", "5"),
        ("#id_peg_enjoyment", "4"),
        ("#id_peg_activity", "6"),
    ]:
        keys.type_into(field, value)

    # A break: save, log out, log in again and carry on, all from the keyboard.
    keys.press_on('button[name="action"][value="save"]', "Enter")
    expect(page.get_by_role("status")).to_contain_text("Your answers are saved")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your pain")
    keys.start()
    keys.press_on('form[action="/accounts/logout/"] button', "Enter", backwards=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to")
    keys.start()
    keys.press_on('a[href="/accounts/login/"]', "Enter", backwards=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    keys.start()
    keys.type_into("#id_username", EMAIL)
    keys.type_into("#id_password", PATIENT_PASSWORD)
    page.keyboard.press("Enter")  # Enter in a field sends the form
    # Signing in leads a patient straight to their intake, where they left it (issue 17).
    expect(page.get_by_role("heading", level=1)).to_have_text("Health conditions")
    keys.start()

    keys.press_on('input[name="conditions"][value="epilepsy"]', "Space")
    keys.next_step("Pregnancy")

    # Pregnancy: Tab reaches the first answer; the arrow keys pick another, then come back.
    keys.press_on('input[name="status"]', "ArrowDown")
    expect(page.get_by_role("radio", name="Yes", exact=True)).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name="No", exact=True)).to_be_checked()
    keys.next_step("Medications and supplements")

    # Medications: Enter on "Add another medicine" makes a second row.
    keys.type_into("#id_med-0-name", "sertraline")
    keys.press_on('button[value="add_row"]', "Enter")
    expect(page.get_by_role("group", name="Medicine 2")).to_be_visible()
    keys.start()
    keys.type_into("#id_med-1-name", "ibuprofen")
    keys.type_into("#id_med-1-frequency", "when needed")
    keys.next_step("Allergies and past experiences")

    keys.press_on('input[name="history"][value="needle_phobia"]', "Space")
    keys.next_step("Symptoms to check")

    # Yes/No questions: Tab reaches the first radio of each group, an arrow key picks No.
    for key in RED_FLAGS_NOT_PREGNANT:
        keys.press_on(f'input[name="{key}"]', "ArrowDown")
    for radio in page.locator("#step-fields input[type=radio]:checked").all():
        expect(radio).to_have_value("no")
    keys.next_step("Consent")

    keys.type_into("#id_typed_name", NAME)
    keys.press_on("#id_agree", "Space")
    keys.next_step("Check your answers")

    expect(page.get_by_role("region", name="Medications and supplements")).to_contain_text(
        "ibuprofen"
    )
    keys.press_on("form.submit-intake button", "Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your intake has been sent")

    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.answers["about"]["sex_at_birth"] == "female"
    assert intake.answers["pregnancy"]["status"] == "no"
    assert intake.answers["pain"]["regions"] == ["neck", "right_shoulder"]
    assert intake.answers["conditions"]["conditions"] == ["epilepsy"]
    assert keys.stops > 50  # a real walk through the forms, every stop with a focus ring
