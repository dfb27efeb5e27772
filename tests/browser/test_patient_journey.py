"""Journey 1, on a 390x844 phone: a patient follows the invitation link, chooses a password,
fills in every intake step (tapping the body map, picking a medication suggestion), saves,
logs out, comes back and carries on, and submits. Every page is checked with axe-core and
photographed (the filled-in steps are photographed by tests/browser/test_patient_pages.py). Also:
an invalid step announces its errors at the fields."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from intake.models import Intake
from tests.browser.browser_support import (
    PATIENT_PASSWORD,
    RED_FLAGS_NOT_PREGNANT,
    check_page,
    invite_patient,
    log_in,
)

pytestmark = pytest.mark.browser

NAME = "Harriet Quill-Nguyễn"
EMAIL = "harriet@example.com"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def log_out(page: Page) -> None:
    menu = page.get_by_role("button", name="Show menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Log out").click()


def test_a_patient_completes_the_intake_on_a_phone(open_page, practitioner):
    intake, link = invite_patient(practitioner, name=NAME, email=EMAIL)
    page = open_page("phone")

    # The invitation link leads to choosing a password.
    page.goto(link)
    expect(heading(page)).to_have_text("Welcome")
    expect(page.get_by_text(EMAIL)).to_be_visible()
    check_page(page, "invitation-password")
    page.get_by_label("Choose a password").fill(PATIENT_PASSWORD)
    page.get_by_label("Type the same password again").fill(PATIENT_PASSWORD)
    page.get_by_role("button", name="Save password and start").click()

    # 1. About you.
    expect(heading(page)).to_have_text("About you")
    expect(page.get_by_text("Step 1 of 9")).to_be_visible()
    check_page(page, "step-about", shoot=False)
    page.get_by_label("Full legal name").fill(NAME)
    page.get_by_label("Date of birth").fill("14/03/1961")
    page.get_by_role("radio", name="Female").check()
    page.get_by_role("textbox", name=re.compile(r"^Phone number")).fill("07700 900123")
    page.get_by_label("Emergency contact: name").fill("Sam Quill")
    page.get_by_label("Emergency contact: phone number").fill("07700 900124")
    save_and_continue(page)

    # 2. Your pain, with the body map: a tap on the picture ticks the real checkbox.
    expect(heading(page)).to_have_text("Your pain")
    check_page(page, "step-pain", shoot=False)
    page.get_by_label("What is the main pain or problem").fill("Aching lower back, two years")
    low_back = page.get_by_role("checkbox", name="Lower back")
    left_knee = page.get_by_role("checkbox", name="Left knee")
    back_shape = page.locator('.body-map [data-region="low_back"]')
    back_shape.first.tap()  # a finger on a touch screen, not a mouse
    expect(low_back).to_be_checked()
    expect(back_shape.first).to_have_class(re.compile("is-selected"))
    page.locator('.body-map [data-region="left_knee"]').first.tap()
    expect(left_knee).to_be_checked()
    page.locator('.body-map [data-region="left_knee"]').last.tap()  # the back view
    expect(left_knee).not_to_be_checked()
    left_knee.check()  # ...and the checkbox paints the picture
    for shape in page.locator('.body-map [data-region="left_knee"]').all():
        expect(shape).to_have_class(re.compile("is-selected"))
    page.get_by_role("combobox", name="Month").select_option(label="January")
    page.get_by_role("spinbutton", name="Year").fill("2024")
    page.get_by_label("Pain right now").fill("5")
    page.get_by_label("Average pain over the last week").fill("6")
    page.get_by_label("Worst pain over the last week").fill("8")
    page.get_by_label("What number best describes your pain").fill("7")
    page.get_by_label("enjoyment of life").fill("6")
    page.get_by_label("general activity").fill("8")

    # Save, log out, and come back later: the intake carries on where it was left.
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_role("status")).to_contain_text("Your answers are saved")
    expect(heading(page)).to_have_text("Your pain")
    log_out(page)
    expect(heading(page)).to_contain_text("Welcome to")

    page = open_page("phone")  # another day, another browser
    log_in(page, EMAIL, PATIENT_PASSWORD, next_path="/intake/")
    expect(heading(page)).to_have_text("Health conditions")
    expect(page.get_by_text("Step 3 of 9")).to_be_visible()
    page.get_by_text("Show all steps").click()
    progress = page.get_by_role("navigation", name="Intake progress")
    expect(progress.get_by_role("listitem").filter(has_text="Your pain")).to_contain_text("(done)")
    progress.get_by_role("link", name="Your pain").click()
    expect(page.get_by_role("checkbox", name="Lower back")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Left knee")).to_be_checked()
    expect(page.locator('.body-map [data-region="low_back"]').first).to_have_class(
        re.compile("is-selected")
    )
    save_and_continue(page)

    # 3. Health conditions.
    expect(heading(page)).to_have_text("Health conditions")
    check_page(page, "step-conditions", shoot=False)
    page.get_by_role("checkbox", name="diabetes").check()
    page.get_by_label("Any other health conditions").fill("asthma")
    save_and_continue(page)

    # 4. Pregnancy.
    expect(heading(page)).to_have_text("Pregnancy")
    check_page(page, "step-pregnancy", shoot=False)
    page.get_by_role("radio", name="No", exact=True).check()
    save_and_continue(page)

    # 5. Medications, with suggestions from the reference as the patient types.
    expect(heading(page)).to_have_text("Medications and supplements")
    check_page(page, "step-medications", shoot=False)
    first = page.get_by_role("group", name="Medicine 1")
    name_box = first.get_by_role("combobox", name="Name")
    # The box offers the clinic's medication list (a <datalist>) as the patient types.
    list_id = name_box.get_attribute("list")
    assert list_id, "the medication name box has no list of suggestions"
    name_box.press_sequentially("Eliq")
    # Headless Chromium draws no popup for a <datalist> (tried: ArrowDown then Enter leaves
    # "Eliq", and Enter would send the step), so the test picks the way the popup would:
    # the browser offers the list's options that start with what was typed, and choosing
    # one puts its text in the box.
    offered = page.locator(f"datalist#{list_id} option").evaluate_all(
        "(options, typed) => options.map((o) => o.value)"
        "  .filter((v) => v.toLowerCase().startsWith(typed.toLowerCase()))",
        name_box.input_value(),
    )
    medicine = next((v for v in offered if v.lower().startswith("eliquis")), None)
    assert medicine, f"typing 'Eliq' offers no Eliquis: {offered}"
    name_box.fill(medicine)
    first.get_by_label("Dose (optional)").fill("5 mg")
    first.get_by_label("How often (optional)").fill("twice daily")
    page.get_by_role("button", name="Add another medicine").click()
    second = page.get_by_role("group", name="Medicine 2")
    expect(second).to_be_visible()
    expect(
        page.get_by_role("group", name="Medicine 1").get_by_label("Dose (optional)")
    ).to_have_value("5 mg")
    second.get_by_role("combobox", name="Name").fill("metformin")
    save_and_continue(page)

    # 6. Allergies.
    expect(heading(page)).to_have_text("Allergies and past experiences")
    check_page(page, "step-allergies", shoot=False)
    page.get_by_role("checkbox", name=re.compile("^Latex")).check()
    page.get_by_role("checkbox", name="This will be my first acupuncture treatment").check()
    save_and_continue(page)

    # 7. Symptoms to check: a yes or no for every question.
    expect(heading(page)).to_have_text("Symptoms to check")
    check_page(page, "step-red-flags", shoot=False)
    questions = page.locator("#step-fields fieldset")
    expect(questions).to_have_count(len(RED_FLAGS_NOT_PREGNANT))
    for question in questions.all():
        answer = "Yes" if "Severe pain at night" in question.inner_text() else "No"
        question.get_by_role("radio", name=answer, exact=True).check()
    save_and_continue(page)

    # 8. Consent.
    expect(heading(page)).to_have_text("Consent")
    expect(page.get_by_role("region", name=re.compile("Consent to acupuncture"))).to_be_visible()
    check_page(page, "step-consent", shoot=False)
    page.get_by_label("Type your full name as your signature").fill(NAME)
    page.get_by_role("checkbox", name=re.compile("I have read the consent")).check()
    save_and_continue(page)

    # 9. Check and submit.
    expect(heading(page)).to_have_text("Check your answers")
    check_page(page, "review-answers", shoot=False)
    medicines = page.get_by_role("region", name="Medications and supplements")
    expect(medicines).to_contain_text("Eliquis")
    expect(medicines).to_contain_text("metformin")
    expect(page.get_by_role("region", name="Your pain")).to_contain_text("Lower back; Left knee")

    # An impatient second press (intake-wizard.js's data-once): the button is disabled as
    # soon as the form goes, and a second press sends nothing. Rehearsed with the sending
    # cancelled in the page, by a listener that runs after intake-wizard.js's: a page with a
    # navigation under way makes Playwright wait for it before answering anything, so the
    # real submission is left until the presses have been counted.
    page.evaluate(
        """() => {
             window.submitsSeen = 0;
             document.querySelector('form.submit-intake').addEventListener('submit', (event) => {
               window.submitsSeen += 1;
               event.preventDefault();
             });
           }"""
    )
    submit = page.get_by_role("button", name="Submit my intake")
    submit.click()
    expect(submit).to_be_disabled()
    submit.click(force=True)  # a raw press at the disabled button, which ignores it
    assert page.evaluate("() => window.submitsSeen") == 1
    posted: list[str] = []
    page.on(
        "request",
        lambda request: posted.append(request.method) if "/submit/" in request.url else None,
    )
    page.evaluate("() => document.querySelector('form.submit-intake').submit()")

    expect(heading(page)).to_have_text("Your intake has been sent")
    # Said once, by the page itself (not again in a message above it).
    expect(page.get_by_text("Thank you", exact=False)).to_have_count(1)
    check_page(page, "submitted", shoot=False)
    intake.refresh_from_db()
    assert intake.status == Intake.Status.SUBMITTED
    assert intake.answers["pain"]["regions"] == ["low_back", "left_knee"]
    assert posted == ["POST"]

    # The suggested name is one the screening knows: the practitioner sees the medicine's
    # own flag (a blood thinner), not "medication not recognised".
    flags = list(intake.current_run().flags.all())
    unrecognised = [f for f in flags if f.rule == "MR01"]
    assert not any(medicine in " ".join(f.because) for f in unrecognised), unrecognised
    assert any(f.rule != "MR01" and medicine in " ".join(f.because) for f in flags), [
        (f.rule, f.because) for f in flags
    ]

    # The submitted intake is locked: the wizard's pages lead back to it.
    page.goto(f"/intake/{intake.pk}/step/about/")
    expect(heading(page)).to_have_text("Your intake has been sent")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_it_announces_each_error_at_its_field(open_page, practitioner, viewport):
    _, link = invite_patient(practitioner, name=NAME, email=EMAIL)
    page = open_page(viewport)
    page.goto(link)
    page.get_by_label("Choose a password").fill(PATIENT_PASSWORD)
    page.get_by_label("Type the same password again").fill(PATIENT_PASSWORD)
    page.get_by_role("button", name="Save password and start").click()

    page.get_by_label("Full legal name").fill("")
    page.get_by_label("Date of birth").fill("31/02/1961")
    page.get_by_role("radio", name="Female").check()
    save_and_continue(page)

    # The summary gets focus (screen readers read it out) and says what to do.
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your full name")
    check_page(page, "step-about-errors")

    # At each field: aria-invalid, and aria-describedby naming the error's text.
    for label, message in [
        ("Full legal name", "Enter your full name as it appears on official documents."),
        ("Date of birth", "Enter a real date, for example 14/03/1961."),
        ("Phone number", "Enter a phone number we can reach you on."),
    ]:
        field = page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\*?$"))
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = field.get_attribute("aria-describedby") or ""
        texts = [page.locator(f"[id='{ref}']").inner_text() for ref in described_by.split() if ref]
        assert any(message in text for text in texts), (
            f"{label}: aria-describedby={described_by!r} points at {texts!r}, not the error"
        )
    # What was typed is still there, and the summary's links lead to the fields.
    expect(page.get_by_label("Date of birth")).to_have_value("31/02/1961")
    expect(page.get_by_role("radio", name="Female")).to_be_checked()
    summary.get_by_role("link", name=re.compile("Date of birth")).click()
    expect(page.get_by_label("Date of birth")).to_be_focused()
