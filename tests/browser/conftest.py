"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser).

Outside CI they skip with a clear message when /usr/bin/chromium is missing; with
CABAS_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CABAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("CABAS_SCREENSHOTS", "test-results/screenshots"))


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = (
        f"Browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium); "
        "it was not found, so they are skipped."
    )
    if os.environ.get("CABAS_REQUIRE_BROWSER") == "1":
        pytest.fail(message.replace("so they are skipped", "and CABAS_REQUIRE_BROWSER=1 requires them"))
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_or_skip()
    # Django's live server runs in a thread beside Playwright's event loop.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _page(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def phone(browser):
    """A page the size of a cheap phone (360 px wide), in French."""
    context, page = _page(browser, 360, 740)
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context, page = _page(browser, 1280, 900)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    def _take(page, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _take
