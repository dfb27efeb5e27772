"""Real-browser fixtures: one Debian Chromium for all the browser tests, one context per
test, at the two sizes the portal is designed for (a 390x844 phone and a 1280x800 desktop).

Every page a fixture opens is watched: a Content Security Policy violation or an uncaught
JavaScript error reported by the browser fails the test that caused it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.browser_support import Watch, screenshot_folder

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS: dict[str, dict[str, int]] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
    # The narrowest phones in common use: only checked for sideways scrolling.
    "small-phone": {"width": 360, "height": 740},
}
PHONES = ("phone", "small-phone")
# Generous for a loaded CI machine, short enough that a broken page fails quickly.
TIMEOUT_MS = 10_000
# Playwright's sync API keeps an asyncio loop running in the main thread, and Django's ORM
# refuses to run there while it does (the tests create users, intakes and devices).
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


class _Chromium:
    """One browser for the whole run, started by the first browser test and stopped after
    the last one (see pytest_runtest_teardown below). The ORM override lives exactly as
    long as Playwright's loop: later tests' subprocesses, such as `manage.py check
    --deploy`, must not inherit it (Django warns about it in deployment)."""

    playwright: Playwright | None = None
    browser: Browser | None = None

    def get(self) -> Browser:
        if self.browser is None:
            if not Path(CHROMIUM).exists():
                pytest.fail(
                    f"Chromium is not installed at {CHROMIUM}. The browser tests need Debian's "
                    "chromium package: run `make browser-deps` (as root) or "
                    "`apt-get install chromium`.",
                    pytrace=False,
                )
            os.environ[ASYNC_UNSAFE] = "true"
            screenshot_folder()  # emptied now, at the start of the browser tests
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        return self.browser

    def stop(self) -> None:
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()
        self.browser = self.playwright = None
        os.environ.pop(ASYNC_UNSAFE, None)


_chromium = _Chromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After the last browser test (pytest-django runs live-server tests together), once
    its fixtures are torn down, close the browser and Playwright."""
    result = yield
    if nextitem is None or Path(nextitem.path).resolve().parent != HERE:
        _chromium.stop()
    return result


@pytest.fixture(scope="session", autouse=True)
def _close_chromium_at_the_end() -> Iterator[None]:
    # In case the run ends early (say, -x or Ctrl+C) before the hook above fires.
    yield
    _chromium.stop()


@pytest.fixture
def browser() -> Browser:
    return _chromium.get()


@pytest.fixture
def open_page(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """open_page(viewport="desktop", javascript=True) -> a new page in its own context.

    Each call is a fresh browser profile (separate cookies), so one test can have a patient
    and a practitioner signed in side by side."""
    contexts: list[BrowserContext] = []
    watches: list[Watch] = []

    def _open(viewport: str = "desktop", *, javascript: bool = True) -> Page:
        context = browser.new_context(
            viewport=VIEWPORTS[viewport],
            base_url=live_server.url,
            java_script_enabled=javascript,
            locale="en-GB",
            timezone_id="Europe/London",
            is_mobile=viewport in PHONES,
            has_touch=viewport in PHONES,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watches.append(Watch(page, viewport))
        return page

    yield _open
    problems = [problem for watch in watches for problem in watch.problems]
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("The browser reported:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(open_page) -> Page:
    """A desktop page (1280x800)."""
    return open_page("desktop")


@pytest.fixture
def phone_page(open_page) -> Page:
    """A phone page (390x844)."""
    return open_page("phone")


@pytest.fixture(params=["phone", "desktop"])
def any_page(request, open_page) -> Page:
    """The same test at both sizes: phone, then desktop."""
    return open_page(request.param)
