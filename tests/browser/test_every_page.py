"""Every page of every role of the demo club, on a phone (360 px): no horizontal scroll of the page, and no axe-core
violation of impact critical or serious.

The demo (`cabas seed-demo`) is seeded once for the module and served by a live server of the module's own (the
`live_server` fixture would empty the database after each test). Each role logs in in its own browser context
and crawls the site as a person would: from the home page it follows every same-origin link (GET only), skipping
logging out, downloads, /admin/, /api/ (but its docs page), the language switch and unsubscribe links, and visits at
most two pages of each URL pattern. Every failure of every page is collected and reported together at the end; the
count of pages each role visited is printed.
"""

from __future__ import annotations

import time
from collections import deque
from io import StringIO
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test.utils import override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from cabas.members.models import User
from cabas.ordering.models import Allocation, Order, OrderCycle

from .conftest import axe_source, axe_violations

# The tests run in a transaction rolled back after each (what logging in writes); the live server shares the test
# database's one connection (SQLite in memory), so it sees the demo seeded before and what the test writes.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PASSWORD = "cabas-demo"
CLUB_SLUG = "pays-de-rennes"
# role -> the demo login (None: an anonymous visitor)
ROLES = {
    "anonymous": None,
    "member": None,  # a household's member with no role: found in the demo (its "membre." logins are referents)
    "group_coordinator": "coordination.rennes@example.org",
    "club_coordinator": "coordination@example.org",
    "treasurer": "tresorerie@example.org",
    "solidarity_referent": "solidarite@example.org",
    "producer_referent": "membre.rennes@example.org",
    "producer_account": "producteur@example.org",
}
PER_PATTERN = 2
WIDTH = 360
# URL names never visited: they log out, change something or answer with a file
SKIPPED_NAMES = {"logout", "set_language", "unsubscribe", "personal-data-download", "money-fec"}
FILE_SUFFIXES = (".pdf", ".csv", ".xlsx", ".ics", ".zip", ".svg", ".json", ".txt", ".xml")
API_DOCS = "/api/docs"

WIDEST = """width => Array.from(document.querySelectorAll('body *'))
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.right > width + 0.5 && r.width > 0)
  .filter(([e]) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 0.5
                   || e.parentElement === document.body)
  .slice(0, 5)
  .map(([e, r]) => {
    const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + (e.classList.length ? '.' + Array.from(e.classList).join('.') : '');
    return `${name} (right ${Math.round(r.right)} px): ${(e.innerText || '').trim().slice(0, 40)}`;
  })"""
LINKS = "() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"

LOGINS: dict[str, str | None] = {}  # role -> login, once the demo is seeded
# Filled by the tests, printed at the end of the module: role -> pages visited, seconds taken.
VISITED: dict[str, tuple[int, float]] = {}


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo club, seeded once, and a live server of its own; the database is emptied afterwards
    (what the module's tests write is rolled back after each)."""
    from pytest_django.live_server_helper import LiveServer

    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        started = time.monotonic()
        call_command("seed-demo", "--force", stdout=StringIO())
        seeded = time.monotonic() - started
        LOGINS.update(ROLES, member=plain_member())
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
    total = sum(seconds for _, seconds in VISITED.values())
    print(f"\nDemo seeded in {seeded:.1f} s; pages visited at {WIDTH} px:")
    for role, (count, seconds) in VISITED.items():
        print(f"  {role}: {count} pages in {seconds:.1f} s")
    print(f"  crawl: {sum(c for c, _ in VISITED.values())} pages in {total:.1f} s")


def plain_member() -> str:
    """A member with no role, of a household that ordered in the open cycle and in a closed one."""
    open_cycle = OrderCycle.objects.open_at(timezone.now()).get(club__slug=CLUB_SLUG)
    closed = OrderCycle.objects.filter(club__slug=CLUB_SLUG, closed_at__isnull=False).latest("closes_at")
    return (
        User.objects.filter(household__orders__cycle=open_cycle).filter(household__orders__cycle=closed)
        .exclude(roles__isnull=False).exclude(referent_for__isnull=False).exclude(producer_account__isnull=False)
        .order_by("pk").values_list("email", flat=True).first()
    )


def pattern_of(path: str) -> str | None:
    """The URL pattern a path resolves to (its route), or None for a path to leave alone."""
    if path.startswith("/admin/") or path.startswith("/static/") or path.startswith("/media/"):
        return None
    if path.startswith("/api/"):
        return API_DOCS if path.rstrip("/") == API_DOCS else None
    if path.endswith(FILE_SUFFIXES):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return f"404 {path}"
    if match.url_name in SKIPPED_NAMES or match.url_name is None and "i18n" in path:
        return None
    return match.route


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert "/connexion/" not in page.url, f"{email} could not log in"


def crawl(page, base: str, source: str, *, starts: list[str], anonymous: bool, spent: dict[str, float]
          ) -> tuple[list[str], list[str]]:
    """Visits the site from ``starts`` (paths); returns the pages visited and the failures found, and adds the
    seconds spent loading pages, measuring them and running axe to ``spent``."""
    origin = urlsplit(base).netloc
    seen_urls: set[str] = set()
    per_pattern: dict[str, int] = {}
    queue = deque((base + start, "") for start in starts)  # (address, the page that links to it)
    visited: list[str] = []
    failures: list[str] = []
    while queue:
        url, source_page = queue.popleft()
        url = urldefrag(url)[0]
        if url in seen_urls:
            continue
        seen_urls.add(url)
        parts = urlsplit(url)
        if parts.netloc != origin:
            continue
        pattern = pattern_of(parts.path)
        if pattern is None or per_pattern.get(pattern, 0) >= PER_PATTERN:
            continue
        per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
        where = parts.path + (f"?{parts.query}" if parts.query else "")
        linked = f" (linked from {source_page})" if source_page else ""
        started = time.monotonic()
        try:
            response = page.goto(url)
            if parts.path.rstrip("/") == API_DOCS:  # Swagger UI draws the page from the API's schema
                page.wait_for_selector(".swagger-ui .opblock")
        except Exception as error:  # a download starting, or a page that never loads
            if "Download is starting" not in str(error):
                failures.append(f"{where}: did not load{linked} ({str(error).splitlines()[0]})")
            continue
        finally:
            spent["load"] += time.monotonic() - started
        if response is None:
            continue
        if response.status >= 400:
            failures.append(f"{where}: answers {response.status}{linked}")
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        landed = urlsplit(page.url)
        if landed.path != parts.path:  # redirected: the page shown is the one visited
            if "/connexion/" in landed.path and not anonymous:
                failures.append(f"{where}: sends to the login page{linked}")
                continue
            if page.url in seen_urls:
                continue
            seen_urls.add(page.url)
            where = landed.path + (f"?{landed.query}" if landed.query else "")
        visited.append(where)
        started = time.monotonic()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            widest = page.evaluate(WIDEST, WIDTH)
            failures.append(f"{where}: {width} px wide at {WIDTH} px; " + " | ".join(widest))
        links = page.evaluate(LINKS)
        spent["measure"] += time.monotonic() - started
        started = time.monotonic()
        for problem in axe_violations(page, source, impacts=("critical", "serious")):
            failures.append(f"{where}: axe {problem}")
        spent["axe"] += time.monotonic() - started
        queue.extend((link, where) for link in links if urldefrag(link)[0] not in seen_urls)
    return visited, failures


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_a_role_fits_a_phone_and_passes_axe(role, demo_site, phone):
    source = axe_source()
    phone.context.add_init_script(script=source)  # in every page from its start: not sent again page after page
    started = time.monotonic()
    base = demo_site.url
    if LOGINS[role]:
        log_in(phone, base, LOGINS[role])
    # an anonymous visitor also arrives on the club's pages to join a group and meet its producers (from the
    # club's own site, a leaflet)
    # club's own site, a leaflet); the API's docs page (docs/api.md) is linked from no page: the anonymous visitor
    # and the club's coordinator open it
    starts = ["/"] if LOGINS[role] else ["/", reverse("join-groups", args=[CLUB_SLUG]), reverse("directory", args=[CLUB_SLUG])]
    if role in ("anonymous", "club_coordinator"):
        starts.append(API_DOCS)
    spent = {"load": 0.0, "measure": 0.0, "axe": 0.0}
    visited, failures = crawl(phone, base, source, starts=starts, anonymous=not LOGINS[role], spent=spent)
    VISITED[role] = (len(visited), time.monotonic() - started)
    print(f"\n{role} ({LOGINS[role] or 'not logged in'}): {len(visited)} pages visited in {VISITED[role][1]:.1f} s "
          f"(" + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in spent.items()) + ")", flush=True)
    print("\n".join(f"  {path}" for path in visited))
    assert visited, f"{role} visited no page"
    assert not failures, f"{role}: {len(failures)} problems on {len(visited)} pages:\n" + "\n".join(failures)


def test_every_order_adjusted_at_closing_fits_a_phone(demo_site, phone):
    """The crawl sees two orders at most; the orders whose lines the closing cut (rationed, below a threshold, a
    pack not filled) carry a reason and the quantity asked under each such line: all of them fit 360 px."""
    log_in(phone, demo_site.url, "coordination@example.org")
    adjusted = set(Allocation.objects.exclude(quantity=F("quantity_ordered")).values_list("cycle_id", "household_id"))
    orders = [pk for pk, cycle, household in Order.objects.values_list("pk", "cycle_id", "household_id")
              if (cycle, household) in adjusted]
    assert orders, "the demo has no order adjusted at closing"
    too_wide = []
    for pk in orders:
        phone.goto(f"{demo_site.url}{reverse('order-detail', args=[pk])}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            too_wide.append(f"order {pk}: {width} px; " + " | ".join(phone.evaluate(WIDEST, WIDTH)))
    print(f"\n{len(orders)} orders adjusted at closing visited")
    assert not too_wide, "\n".join(too_wide)
