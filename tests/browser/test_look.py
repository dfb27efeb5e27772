"""What the walk-through of the screenshots fixed, measured in the browser so that it stays
fixed: the footer at the window's foot on a short page, phone numbers on one line, what a
patient types at 17 px or more, a question's legend never smaller than its answers, answers
grouped on a panel, and the urgent help's heading above its text."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from intake import steps
from tests.browser.browser_support import PATIENT_PASSWORD, filled_intake, log_in
from tests.browser.test_urgent_help import answer_red_flags

pytestmark = pytest.mark.browser

EMAIL = "hq@example.com"


def px(page: Page, selector: str, prop: str) -> list[float]:
    return page.eval_on_selector_all(
        selector, f"(els) => els.map((el) => parseFloat(getComputedStyle(el)['{prop}']))"
    )


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_footer_sits_at_the_foot_of_a_short_page(open_page, viewport):
    page = open_page(viewport)
    page.goto("/no-such-page/")
    bottom = page.locator("footer").evaluate("(el) => el.getBoundingClientRect().bottom")
    assert bottom == pytest.approx(page.evaluate("() => innerHeight"), abs=1)


def test_a_phone_number_never_breaks_across_lines(open_page):
    page = open_page("small-phone")
    page.goto("/accounts/login/")
    for link in page.locator("a[href^='tel:']").all():
        lines = link.evaluate("(el) => el.getClientRects().length")
        assert lines == 1, f"{link.inner_text()} is drawn on {lines} lines"


def test_patients_type_at_17px_and_read_questions_above_their_answers(open_page, practitioner):
    intake = filled_intake(practitioner, email=EMAIL, submit=False)
    page = open_page("phone")
    log_in(page, EMAIL, PATIENT_PASSWORD, next_path=steps.BY_ID["about"].url(intake))
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")

    typed = px(page, "#step-fields :is(input.form-control, select.form-select)", "fontSize")
    assert typed and min(typed) >= 17, typed
    legends = px(page, "#step-fields fieldset legend", "fontSize")
    labels = px(page, "#step-fields .form-check-label, #step-fields label.form-label", "fontSize")
    assert legends and min(legends) >= max(labels), (legends, labels)
    # The answers of a question share a panel with a background of its own.
    panel = page.locator("#div_id_sex_at_birth fieldset > div").first
    colour = panel.evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour


def test_the_urgent_help_heading_is_its_largest_text(open_page, practitioner):
    intake = filled_intake(practitioner, email=EMAIL, submit=False)
    page = open_page("phone")
    log_in(page, EMAIL, PATIENT_PASSWORD, reverse("intake:step", args=[intake.pk, "red_flags"]))
    answer_red_flags(page, ("Numbness or a strange feeling",))
    expect(page.get_by_role("alert")).to_be_focused()

    body = px(page, "body", "fontSize")[0]
    [heading] = px(page, "#urgent-help h2", "fontSize")
    text = px(page, "#urgent-help p", "fontSize")
    assert heading > max(text), (heading, text)
    assert min(text) >= body, (text, body)
