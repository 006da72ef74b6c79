"""Browser journeys: Playwright drives Debian's Chromium (never a downloaded browser)
against pytest-django's live server. Screenshots of each step go to screenshots/ (git-ignored)."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KARCIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# Playwright's sync API runs an event loop in the test's thread; the test code's own ORM calls
# are still plain synchronous calls, so tell Django they are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)  # CI installs it: a journey skipped there would hide a break
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _csp_violation(message) -> bool:
    return "Content Security Policy" in message.text or "Content-Security-Policy" in message.text


@pytest.fixture
def new_page(chromium):
    """new_page(locale="id-ID", width=1280) → a page in a fresh browser context.

    Every journey also proves the pages it walks through break no rule of the
    Content-Security-Policy: the browser reports each refused script, style or handler in
    the console, and the test fails at its end if there was one."""
    contexts = []
    violations: list[str] = []

    def make(locale="id-ID", width=1280, height=900):
        context = chromium.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            extra_http_headers={"Accept-Language": locale},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}")
                if _csp_violation(message)
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert violations == [], "the Content-Security-Policy refused something"


@pytest.fixture
def shoot():
    """shoot(page, "01-portal-submit") saves a full-page PNG under screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
