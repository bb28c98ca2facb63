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
# axe-core from the npm registry (package.json; `make test` installs it)
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA rules; a violation of any of them fails the test
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


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


AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(result => result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                               targets: v.nodes.map(n => n.target)})))"""


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make install` or `npm ci`")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, source: str, *, impacts: tuple[str, ...] | None = None) -> list[str]:
    """Runs axe-core (``source``, from ``axe_source()``) on the page as it stands and returns its WCAG 2.1 A/AA
    violations, one line each (rule, impact, the first elements concerned); with ``impacts``, only those of these
    impacts (e.g. ``("critical", "serious")``)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    # only the violations come back, and only what is reported of them (a page's passes weigh megabytes)
    violations = page.evaluate(AXE_RUN, AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(", ".join(map(str, target)) for target in v["targets"][:5])
        + (f" (+{len(v['targets']) - 5})" if len(v["targets"]) > 5 else "")
        for v in violations
        if impacts is None or v["impact"] in impacts
    ]


@pytest.fixture
def axe():
    """``axe(page)`` runs axe-core on the page as it stands and fails the test on any WCAG 2.1 A/AA violation,
    listing each rule, its impact and the elements concerned; it returns the violations (none, when it returns)."""
    source = axe_source()

    def _check(page, *, name: str = ""):
        problems = axe_violations(page, source)
        assert not problems, f"accessibility of {name or page.url}:\n" + "\n".join(problems)
        return []

    return _check


def log_in(page, base_url, user, password):
    """Log ``user`` in through the login page, as a person would."""
    from django.urls import reverse

    page.goto(base_url + reverse("login"))
    page.fill("#id_username", user.email)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def open_menu(page):
    """Open the header's menu (a <details> disclosure), as a person taps « Menu », unless it is open already."""
    menu = page.locator("header.site details.menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
