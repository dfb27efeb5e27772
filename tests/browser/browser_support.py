"""Helpers shared by the browser tests: accessibility checks with axe-core, screenshots,
signing in (with the staff second factor), and watching pages for CSP violations."""

from __future__ import annotations

import re
import shutil
import time
import weakref
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import ConsoleMessage, Error, Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / ".cache" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")
# For pages held to "no violation of any impact" (the guide's and consent wording's admin).
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
# axe-core reports what it could not decide (say, text over a gradient) as "incomplete".
# These are printed with the test's output rather than failing it: most need a human eye.
REVIEW_RULES = ("color-contrast", "link-in-text-block")


# Watching pages -------------------------------------------------------------------------


class Watch:
    """Collects what the browser reports that a test should never see: CSP violations
    (the console message Chromium writes for each one) and uncaught script errors."""

    def __init__(self, page: Page, viewport: str):
        self.viewport = viewport
        self.problems: list[str] = []
        self.paused = False
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        _watches[page] = self

    def _console(self, message: ConsoleMessage) -> None:
        if self.paused:
            return
        if "Content Security Policy" in message.text:
            where = message.location
            self.problems.append(
                f"[{self.viewport}] CSP violation on {message.page.url if message.page else '?'}"
                f" ({where.get('url')}:{where.get('lineNumber')}): {message.text}"
            )

    def _page_error(self, error: Error) -> None:
        if not self.paused:
            self.problems.append(f"[{self.viewport}] JavaScript error: {error}")


_watches: weakref.WeakKeyDictionary[Page, Watch] = weakref.WeakKeyDictionary()


@contextmanager
def unwatched(page: Page):
    """For the test's own tools: axe-core copies stylesheets into <style> elements to read
    them, which the portal's CSP rightly refuses. That is not the page's doing."""
    watch = _watches.get(page)
    if watch is not None:
        watch.paused = True
    try:
        yield
    finally:
        # One more round trip, so that console events raised by the tool have arrived.
        page.evaluate("() => 0")
        if watch is not None:
            watch.paused = False


def viewport_name(page: Page) -> str:
    size = page.viewport_size or {"width": 1280}
    return "phone" if size["width"] < 600 else "desktop"


# Accessibility ----------------------------------------------------------------------------


@cache
def axe_source() -> str:
    if not AXE_SOURCE.exists():
        pytest.fail(
            f"axe-core is missing at {AXE_SOURCE.relative_to(ROOT)}: run `make browser-deps`.",
            pytrace=False,
        )
    return AXE_SOURCE.read_text(encoding="utf-8")


def axe_results(page: Page) -> dict[str, list[dict]]:
    """axe-core's violations and incomplete ("needs review") results on the page as it is."""
    # A script tag would be refused by the CSP; evaluating through the DevTools protocol is not.
    with unwatched(page):
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source())
        return page.evaluate(
            """async () => {
              const r = await axe.run(document, {resultTypes: ['violations', 'incomplete']});
              return {violations: r.violations, incomplete: r.incomplete};
            }"""
        )


def needs_review(results: dict[str, list[dict]]) -> list[dict]:
    """Serious or critical contrast results axe-core could not decide by itself."""
    return [
        r
        for r in results["incomplete"]
        if r["id"] in REVIEW_RULES and r.get("impact") in BLOCKING_IMPACTS
    ]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def _tolerated(page: Page, node: dict, containers: tuple[str, ...]) -> bool:
    """Whether the flagged element is (inside) one of the containers."""
    if not containers or len(node["target"]) != 1:
        return False
    return page.evaluate(
        """([target, containers]) => {
          const el = document.querySelector(target);
          return Boolean(el) && containers.some((c) => el.closest(c));
        }""",
        [node["target"][0], list(containers)],
    )


def assert_accessible(
    page: Page,
    name: str,
    *,
    known: dict[str, tuple[str, ...]] | None = None,
    impacts: tuple[str, ...] = BLOCKING_IMPACTS,
) -> None:
    """Zero violations of the given impacts (serious or critical unless told). `known`
    tolerates named findings (rule id -> CSS selectors of the elements, or of containers
    around them) in markup the portal does not write, such as Django's admin; every other
    finding still fails. Contrast that axe could not judge is printed (pytest shows it with
    the test's output) for a human check."""
    known = known or {}
    results = axe_results(page)
    violations = []
    for violation in results["violations"]:
        if violation.get("impact") not in impacts:
            continue
        containers = known.get(violation["id"], ())
        nodes = [n for n in violation["nodes"] if not _tolerated(page, n, containers)]
        if nodes:
            violations.append({**violation, "nodes": nodes})
    review = needs_review(results)
    if review:
        print(
            f"axe-core could not decide on {name} ({viewport_name(page)}, {page.url}); "
            f"check by eye:\n{describe_violations(review)}"
        )
    assert not violations, (
        f"axe-core found {'/'.join(impacts)} problems on {name} "
        f"({viewport_name(page)}, {page.url}):\n{describe_violations(violations)}"
    )


@cache
def screenshot_folder() -> Path:
    """test-artifacts/screenshots/<database vendor>/ (sqlite or postgresql), emptied once per
    run when the browser starts, so that it holds exactly this run's pictures and a run on
    one database never overwrites the other's."""
    folder = SCREENSHOTS / connection.vendor
    shutil.rmtree(folder, ignore_errors=True)
    # Pictures from before the per-database folders would otherwise look current.
    for stray in SCREENSHOTS.glob("*.png"):
        stray.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-artifacts/screenshots/<vendor>/<name>-<viewport>.png."""
    path = screenshot_folder() / f"{name}-{viewport_name(page)}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path


def assert_no_sideways_scrolling(page: Page, name: str) -> None:
    """Content reflows to the phone's width (WCAG 1.4.10): nothing makes the page scroll
    sideways. Wide tables may scroll inside their own box, not the page."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] <= widths[1]:
        return
    # The outermost elements that reach past the window's right edge, to say where to look.
    culprits = page.evaluate(
        """(width) => [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > width + 1
            && !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1))
          .slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
            + ` (right edge ${Math.round(el.getBoundingClientRect().right)}px)`)""",
        widths[1],
    )
    pytest.fail(
        f"{name} is {widths[0]}px wide in a {widths[1]}px viewport: it scrolls sideways"
        f" ({', '.join(culprits) or 'no element found'})",
        pytrace=False,
    )


def check_page(
    page: Page,
    name: str,
    *,
    shoot: bool = True,
    known: dict[str, tuple[str, ...]] | None = None,
    impacts: tuple[str, ...] = BLOCKING_IMPACTS,
) -> None:
    """The checks every page type gets: a screenshot, content that fits a phone's width,
    and zero axe-core violations of the given impacts (serious or critical unless told)."""
    if shoot:
        screenshot(page, name)
    if viewport_name(page) == "phone":
        assert_no_sideways_scrolling(page, name)
    assert_accessible(page, name, known=known, impacts=impacts)


def focus_ring(page: Page) -> dict:
    """How the focused element shows its focus. The element is blurred for a moment to
    compare: an indicator counts only if focus brings it (an outline with a colour that is
    not transparent, or a box-shadow that can be seen), and the element must be on screen."""
    return page.evaluate(
        r"""async () => {
          const el = document.activeElement;
          if (!el || el === document.body || el === document.documentElement) {
            return {tag: 'BODY', label: 'BODY', visible: false, onScreen: false};
          }
          const pick = (s) => ({
            outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
            outlineColor: s.outlineColor, boxShadow: s.boxShadow,
          });
          const alpha = (colour) => {
            if (!colour || colour === 'transparent') return 0;
            const m = colour.match(/rgba?\(([^)]*)\)/);
            if (!m) return 1;
            const parts = m[1].split(/[\s,\/]+/).filter(Boolean);
            return parts.length > 3 ? parseFloat(parts[3]) : 1;
          };
          const shadowSeen = (shadow) => {
            if (!shadow || shadow === 'none') return false;
            const colours = shadow.match(/rgba?\([^)]*\)/g) || [];
            const lengths = shadow.replace(/rgba?\([^)]*\)/g, '').match(/-?[\d.]+px/g) || [];
            return colours.some((c) => alpha(c) > 0) && lengths.some((l) => parseFloat(l) !== 0);
          };
          const outlineSeen = (s) => s.outlineStyle !== 'none'
            && parseFloat(s.outlineWidth) > 0 && alpha(s.outlineColor) > 0;

          // Bootstrap scrolls smoothly (unless the user prefers reduced motion), and the
          // scroll that focus starts may begin a few frames late: wait until the element
          // has stayed put for 150 ms.
          if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') {
            const start = performance.now();
            let changed = start;
            let prev = el.getBoundingClientRect();
            const moved = () => { changed = performance.now(); };
            addEventListener('scroll', moved, true);
            while (performance.now() - start < 2000 && performance.now() - changed < 150) {
              await new Promise((resolve) => requestAnimationFrame(resolve));
              const now = el.getBoundingClientRect();
              if (now.top !== prev.top || now.left !== prev.left) changed = performance.now();
              prev = now;
            }
            removeEventListener('scroll', moved, true);
          }
          const box = el.getBoundingClientRect();
          const focused = pick(getComputedStyle(el));
          el.blur();
          const blurred = pick(getComputedStyle(el));
          el.focus({preventScroll: true});
          const restored = document.activeElement === el;

          const outline = outlineSeen(focused) && (
            !outlineSeen(blurred) || focused.outlineColor !== blurred.outlineColor
            || focused.outlineWidth !== blurred.outlineWidth
            || focused.outlineStyle !== blurred.outlineStyle);
          const shadow = shadowSeen(focused.boxShadow) && focused.boxShadow !== blurred.boxShadow;
          const w = window.innerWidth, h = window.innerHeight;
          const fits = box.width <= w && box.height <= h;
          // A pixel of slack for sub-pixel layout.
          const inside = box.left >= -1 && box.top >= -1
            && box.right <= w + 1 && box.bottom <= h + 1;
          const overlaps = box.right > 0 && box.bottom > 0 && box.left < w && box.top < h;
          const onScreen = box.width > 0 && box.height > 0 && (fits ? inside : overlaps);
          const label = el.id || el.name || el.textContent.trim().slice(0, 40) || el.tagName;
          return {
            visible: Boolean(outline || shadow), onScreen: onScreen, restored: restored,
            tag: el.tagName, label: label, focused: focused, blurred: blurred,
            box: {left: box.left, top: box.top, right: box.right, bottom: box.bottom},
          };
        }"""
    )


def assert_focus_visible(page: Page) -> dict:
    ring = focus_ring(page)
    assert ring["tag"] != "BODY", "focus was lost (it is on <body>)"
    assert ring["restored"], f"the focus check could not put focus back: {ring}"
    assert ring["visible"], f"focused element has no visible focus indicator: {ring}"
    assert ring["onScreen"], f"focused element is not within the viewport: {ring}"
    return ring


# Signing in --------------------------------------------------------------------------------


def link_in(body: str, marker: str) -> str:
    """The path of the first link in an email's body that contains `marker`."""
    found = re.search(rf"https?://\S*{re.escape(marker)}\S*", body)
    assert found, f"no {marker} link in the email"
    return urlsplit(found.group(0)).path


def log_in(page: Page, email: str, password: str, next_path: str = "") -> None:
    page.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def current_code(device: TOTPDevice) -> str:
    """The code the staff member's authenticator app would show right now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(code).zfill(device.digits)


def authenticator_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def enter_second_factor(page: Page, device: TOTPDevice) -> None:
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    # A code is accepted once per 30-second window; avoid the last second of a window.
    if device.step - (time.time() % device.step) < 1.5:
        time.sleep(1.5)
    page.get_by_label("6-digit code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()


def log_in_staff(page: Page, user, password: str, next_path: str = "") -> TOTPDevice:
    """Password, then the TOTP code computed from a device made for this user."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or authenticator_for(user)
    log_in(page, user.email, password, next_path)
    enter_second_factor(page, device)
    return device


# Filling in steps in the browser ---------------------------------------------------------


def fill_about_step(page: Page, about: dict[str, str]) -> None:
    """The "About you" step typed in from answers in `answers_for`'s shape (a female
    patient), then saved."""
    page.get_by_label("Full legal name").fill(about["legal_name"])
    page.get_by_label("Date of birth").fill(about["date_of_birth"])
    page.get_by_role("radio", name="Female").check()
    page.get_by_role("textbox", name=re.compile(r"^Phone number")).fill(about["phone"])
    page.get_by_label("Emergency contact: name").fill(about["emergency_name"])
    page.get_by_label("Emergency contact: phone number").fill(about["emergency_phone"])
    page.get_by_role("button", name="Save and continue").click()


# Intakes made without the browser -------------------------------------------------------

PATIENT_PASSWORD = "quiet-river-lantern-morning-9"
RED_FLAG_KEYS = (
    "saddle_numbness",
    "bladder_change",
    "bowel_incontinence",
    "leg_weakness",
    "unexplained_weight_loss",
    "fever_or_infection",
    "significant_trauma",
    "night_pain",
    "thunderclap_headache",
    "new_neuro_symptoms",
    "chest_pain_breathless",
    "calf_pain_swelling",
    "hot_swollen_joint",
    "self_harm_thoughts",
    "pregnancy_bleeding",
)
# The questions asked of a patient who is not pregnant: the one about bleeding in pregnancy
# is asked only of a patient who is, or may be (intake/steps.py, RedFlagsStep).
RED_FLAGS_NOT_PREGNANT = tuple(key for key in RED_FLAG_KEYS if key != "pregnancy_bleeding")


def answers_for(name: str) -> dict[str, dict]:
    """A complete set of answers, as the wizard's forms post them. An anticoagulant and
    night pain make sure the screening raises a bleeding flag and a red flag."""
    return {
        "about": {
            "legal_name": name,
            "date_of_birth": "14/03/1961",
            "sex_at_birth": "female",
            "phone": "07700 900123",
            "emergency_name": "Sam Quill",
            "emergency_phone": "07700 900124",
            "language": "English",
        },
        "pain": {
            "complaint": "Aching lower back for over a year",
            "regions": ["low_back", "left_knee"],
            "started_month": "1",
            "started_year": "2020",
            "intensity_now": "5",
            "intensity_average": "6",
            "intensity_worst": "8",
            "peg_pain": "7",
            "peg_enjoyment": "6",
            "peg_activity": "8",
        },
        "conditions": {"conditions": ["diabetes"]},
        "pregnancy": {"status": "no"},
        "medications": {
            "med-TOTAL_FORMS": "1",
            "med-INITIAL_FORMS": "0",
            "med-MIN_NUM_FORMS": "0",
            "med-MAX_NUM_FORMS": "30",
            "med-0-name": "Eliquis 5mg",
            "med-0-dose": "5 mg",
            "med-0-frequency": "twice daily",
        },
        "allergies": {"allergies": ["latex"], "history": ["first_acupuncture"]},
        "red_flags": {key: "yes" if key == "night_pain" else "no" for key in RED_FLAG_KEYS},
        "consent": {"typed_name": name, "agree": "on"},
    }


def invite_patient(practitioner, *, name: str, email: str, days_ahead: int = 3):
    """An invitation as a practitioner would send it; returns the intake and the link's path
    on the live server."""
    from datetime import timedelta

    from django.utils import timezone

    from intake.services import invitation_create

    _, intake, link = invitation_create(
        patient_name=name,
        email=email,
        appointment_at=timezone.now() + timedelta(days=days_ahead),
        practitioner=practitioner,
        created_by=practitioner,
    )
    return intake, urlsplit(link).path


def filled_intake(
    practitioner,
    *,
    name: str = "Harriet Quill",
    email: str = "hq@example.com",
    submit: bool = True,
):
    """An intake a patient has filled in (every step complete) and, unless submit=False,
    submitted. Made through the real views with Django's test client, which is much faster
    than the browser, for tests whose subject is a later page."""
    from django.test import Client
    from django.urls import reverse

    from intake import steps

    intake, path = invite_patient(practitioner, name=name, email=email)
    client = Client()
    client.get(path)
    client.post(
        reverse("intake:register"),
        {"password1": PATIENT_PASSWORD, "password2": PATIENT_PASSWORD},
    )
    for step, data in answers_for(name).items():
        response = client.post(steps.BY_ID[step].url(intake), {**data, "action": "next"})
        assert response.status_code == 302, f"step {step} was not accepted"
    if submit:
        response = client.post(reverse("intake:submit", args=[intake.pk]))
        assert response.status_code == 302
    intake.refresh_from_db()
    expected = intake.Status.SUBMITTED if submit else intake.Status.IN_PROGRESS
    assert intake.status == expected, intake.status
    return intake
