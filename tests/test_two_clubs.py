"""Many clubs on one installation: no page, export, API answer or e-mail of one club names anything of another.

Two clubs are built with everything a season makes (tests/two_clubs.py): every name of a club's objects carries
the club's marker. Then, as each club's people — its coordinator, a group coordinator, a member, the treasurer, the
solidarity referent, a producer's login, and a visitor — every named page of the site is opened with the club's own
ids (the URL resolver lists them: a page added later is walked too, and a new kind of id fails the walk until it is
given below), every CSV, PDF, XLSX and ZIP file among them, every GET of the API (its OpenAPI paths), and every
e-mail the notifications send to the club's people: the other club's marker may appear in none of them.

PDFs are checked on the HTML WeasyPrint receives (the same text, without a PDF reader): WeasyPrint is replaced by a
stand-in that returns that HTML. Categories are shared by all clubs for now (catalog.Category has no club): each
club's products are in a category of its own marker, and no page of the other club names it either."""

from __future__ import annotations

import datetime
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal

D = Decimal

import openpyxl
import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from cabas.api.api import api
from cabas.distribution.models import Distribution, ProducerSheet, ReceptionState
from cabas.distribution.services import ReceivedLine
from cabas.flows import apply_to_join, approve_membership, leave_group, record_depot_reception
from cabas.members import services as members
from cabas.members.models import Household
from cabas.notifications import tasks as notifications
from cabas.ordering.models import Offer
from cabas.volunteering.models import Shift
from cabas.web import tasks as web_tasks

from .two_clubs import ClubWorld, build_club

ROLES = ("coordinator", "group_coordinator", "member", "treasurer", "solidarity", "producer", None)  # None: a visitor
# What a URL's other keywords take (ids come from each club's objects).
CHOICES = {"fmt": ["pdf", "csv", "xlsx"], "key": ["chains", "funds", "households"], "what": ["journal", "balances"], "kind": ["fiche", "prix"]}
NOT_PAGES = {"logout", "set_language"}  # POST only: nothing to read
SKIPPED_NAMESPACES = {"admin"}  # the installation's operators' (superusers only); the API is walked apart


class FakeHTML:
    """WeasyPrint's HTML: the PDF is the HTML it would be printed from (see the module's docstring)."""

    def __init__(self, string: str, base_url: str | None = None):
        self.string = string

    def write_pdf(self) -> bytes:
        return b"%PDF-1.7 (test)\n" + self.string.encode()


@pytest.fixture
def clubs(db, monkeypatch):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    first = build_club("Alzirak", "Kestrel", slug="alzirak", latitude="48.11", longitude="-1.68")
    second = build_club("Borvanec", "Pangolin", slug="borvanec", latitude="47.22", longitude="-2.05")
    return first, second


# --- reading what an answer says ------------------------------------------------------------------------------

def readable(response) -> str:
    """Everything an answer shows: its text, a file's cells, a ZIP's files, and the name it is saved under."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    parts = [response.get("Content-Disposition", "")]
    if "spreadsheetml" in kind:
        parts.append(xlsx_text(body))
    elif "zip" in kind:
        parts.append(zip_text(body))
    else:
        parts.append(body.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def xlsx_text(body: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def zip_text(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return "\n".join(name + "\n" + archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist())


def found(marker: str, text: str) -> str | None:
    """The first place ``marker`` appears (any case), with some context; None when it does not."""
    match = re.search(re.escape(marker), text, flags=re.IGNORECASE)
    return None if match is None else text[max(0, match.start() - 80):match.end() + 80].replace("\n", " ")


# --- the pages ------------------------------------------------------------------------------------------------

def named_patterns(patterns=None, namespace: str | None = None):
    """(URL name for reverse, its keywords) of every named page, the API and the admin left out."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            space = entry.namespace
            if space in SKIPPED_NAMESPACES or (space or "").startswith("api"):
                continue
            yield from named_patterns(entry.url_patterns, f"{namespace}:{space}" if namespace and space else space or namespace)
        elif isinstance(entry, URLPattern) and entry.name and entry.name not in NOT_PAGES:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, sorted(entry.pattern.converters) if hasattr(entry.pattern, "converters") else []


def values_for(world: ClubWorld, keyword: str) -> list:
    if keyword in CHOICES:
        return CHOICES[keyword]
    if keyword == "token":
        return [*world.objects["token"], world.password_token]
    assert keyword in world.objects, (
        f"A page takes <{keyword}>: give the club's objects for it in tests/two_clubs.py (ClubWorld.objects)")
    return world.objects[keyword]


def urls_of(world: ClubWorld, *, leave_out: frozenset[str] = frozenset()) -> list[str]:
    urls = []
    for name, keywords in named_patterns():
        if leave_out & set(keywords):
            continue
        for combination in itertools.product(*(values_for(world, k) for k in keywords)):
            urls.append(reverse(name, kwargs=dict(zip(keywords, combination))))
    return urls


@dataclass
class Leak:
    who: str
    url: str
    status: int
    context: str


# Public by design: the login page offers a visitor every club of the installation to join, by its name (its
# join page and producers' directory). There, and for a visitor only, the other club's name and the addresses of
# those two pages are set aside before looking for its marker: nothing else of it may show.
PAGES_LISTING_THE_CLUBS = ("login",)


def walk(world: ClubWorld, other: ClubWorld, *, urls: list[str] | None = None) -> tuple[list[Leak], list[str], int]:
    """Every page of ``world``'s club (or ``urls``) as each of its people: where the ``other`` club's markers
    show, the pages that failed, and how many answered 200 (the walk reads real pages, not refusals only)."""
    leaks, failures, shown = [], [], 0
    markers = (other.marker, other.category_marker)
    listing_the_clubs = {reverse(name) for name in PAGES_LISTING_THE_CLUBS}
    public_names = (other.club.name, reverse("join-groups", args=[other.club.slug]),
                    reverse("directory", args=[other.club.slug]))
    urls = urls_of(world) if urls is None else urls
    for role in ROLES:
        client = Client(raise_request_exception=False)
        if role is not None:
            client.force_login(world.users[role])
        for url in urls:
            response = client.get(url)
            if response.status_code >= 500:
                failures.append(f"{role} {url}: {response.status_code}")
                continue
            shown += response.status_code == 200
            text = readable(response)
            if role is None and url in listing_the_clubs:
                for name in public_names:
                    text = text.replace(name, "")
            for marker in markers:
                where = found(marker, text)
                if where is not None:
                    leaks.append(Leak(role or "visitor", url, response.status_code, where))
    return leaks, failures, shown


def test_no_page_nor_file_of_a_club_names_the_other(clubs):
    """Names of the other club's club, groups, depots, households, people, producers, products, news, shifts…, and
    of the categories its products are in (categories are shared by the clubs: a page listing every category would
    name the other club's)."""
    first, second = clubs
    leaks, failures = [], []
    for world, other in ((first, second), (second, first)):
        found_leaks, failed, shown = walk(world, other)
        assert shown > 250, "the walk reads the club's pages, files and documents (not refusals only)"
        leaks += found_leaks
        failures += failed
    assert not failures, "pages that failed:\n" + "\n".join(failures)
    assert not leaks, "the other club named:\n" + "\n".join(f"{l.who} {l.url} ({l.status}): …{l.context}…" for l in leaks)


def test_the_walk_reads_what_the_files_say(clubs):
    """The files are read through: a ZIP's PDFs and CSVs, an XLSX's cells, a PDF's text."""
    world = clubs[0]
    m, closed, north = world.marker, world.closed, world.groups[0]
    files = [
        ("coordinator", reverse("cycle-documents-file", args=[closed.pk]), f"Foyer Le Goff-{m}"),
        ("coordinator", reverse("picking-list-file", args=[closed.pk, north.pk, "pdf"]), f"Foyer Martin-{m}"),
        ("treasurer", reverse("money-export", args=[world.club.pk, "balances", "xlsx"]), f"Foyer Bernard-{m}"),
        ("coordinator", reverse("producer-sheet-file", args=[closed.pk, world.producers[0].pk, "csv"]), f"Lait {m}"),
        ("member", reverse("invoice-pdf", args=[world.objects["invoice_id"][0]]), f"Foyer Le Goff-{m}"),
    ]
    for role, url, name in files:
        client = Client()
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.status_code == 200, url
        assert found(name, readable(response)), url


# Public by design: a club's join pages and producers' directory (by its slug), and the secret addresses of a
# calendar feed, an unsubscribe link or a password link (by their token).
PUBLIC_KEYWORDS = frozenset({"club_slug", "token"})


def test_another_clubs_ids_show_nothing_of_it(clubs):
    """A club's people opening the other club's pages (its ids in the URL) are refused without a name of it."""
    first, second = clubs
    leaks, failures = [], []
    for world, other in ((first, second), (second, first)):
        found_leaks, failed, _shown = walk(world, other, urls=urls_of(other, leave_out=PUBLIC_KEYWORDS))
        leaks += found_leaks
        failures += failed
    assert not failures, "pages that failed:\n" + "\n".join(failures)
    assert not leaks, "the other club named:\n" + "\n".join(f"{l.who} {l.url} ({l.status}): …{l.context}…" for l in leaks)


# --- the API --------------------------------------------------------------------------------------------------

def api_urls(world: ClubWorld) -> list[str]:
    urls = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        if "get" not in methods:
            continue
        keywords = re.findall(r"{(\w+)}", path)
        for combination in itertools.product(*(values_for(world, k) for k in keywords)):
            url = path
            for keyword, value in zip(keywords, combination):
                url = url.replace("{" + keyword + "}", str(value))
            urls.append(url)
    return urls


def test_no_api_answer_of_a_club_names_the_other(clubs):
    """Every GET of the API as each of a club's people, with the club's own ids and with the other club's."""
    first, second = clubs
    leaks, answered = [], 0
    for world, other in ((first, second), (second, first)):
        urls = api_urls(world)
        assert any("/cycles/" in url for url in urls) and any("/groups/" in url for url in urls)
        for role in ROLES:
            client = Client()
            if role is not None:
                client.force_login(world.users[role])
            for url in urls + api_urls(other):
                response = client.get(url)
                assert response.status_code < 500, url
                answered += response.status_code == 200
                for marker in (other.marker, other.category_marker):
                    where = found(marker, readable(response))
                    if where is not None:
                        leaks.append(f"{role} {url}: …{where}…")
    assert answered > 20
    assert not leaks, "the other club named:\n" + "\n".join(leaks)


# --- the e-mails ----------------------------------------------------------------------------------------------

def send_everything(world: ClubWorld, run_tasks) -> None:
    """Every e-mail a club's season sends, for ``world``'s club."""
    today, now = timezone.localdate(), timezone.now()
    closed_north = Distribution.objects.get(cycle=world.closed, group=world.groups[0])
    Offer.objects.filter(cycle=world.opened, product__name__startswith="Tomme").update(min_total=D("1.5"))
    notifications.send_deadline.enqueue(world.opened.pk)
    notifications.send_threshold.enqueue(world.opened.pk, today.isoformat())
    notifications.send_pickup.enqueue(closed_north.pk)
    notifications.send_unmatched.enqueue(world.objects["statement_id"][0])
    mine = Shift.objects.get(pk=world.objects["shift_id"][0])
    notifications.send_shift_reminder.enqueue(mine.pk)
    empty = Shift.objects.filter(club=world.club, signups__isnull=True, starts_at__gt=now).order_by("starts_at").first()
    notifications.send_shift_unfilled.enqueue(empty.pk)
    # a depot's delivery claim (the closing's documents are written anew), then the producers' order sheets
    offer = Offer.objects.filter(cycle=world.closed, product__name__startswith="Lait").first()
    record_depot_reception(closed_north, {offer.pk: ReceivedLine(state=ReceptionState.SHORT, received=Decimal("1"),
                                                                 note="cassé")}, by_user=world.users["group_coordinator"])
    for sheet in ProducerSheet.objects.filter(cycle=world.closed):
        web_tasks.send_producer_sheet.enqueue(sheet.pk)
    # a household joins the south group (the welcome e-mail), one leaves the north group (a place freed)
    south = world.groups[1]
    applied = apply_to_join(group=south, data={"household_name": f"Foyer Nouveau-{world.marker}",
                                               "first_name": f"Léa{world.marker}", "last_name": f"{world.marker}ec",
                                               "email": f"nouveau@{world.marker.lower()}.example.org", "phone": "",
                                               "message": ""})
    approve_membership(group=south, application_id=applied.application.pk, by_user=world.users["coordinator"])
    leaving = Household.objects.get(pk=world.households[4].pk)  # no order pending
    leave_group(household=leaving)
    # renewals a month before the memberships end; a forgotten password
    members.remind_renewals(today=today + datetime.timedelta(days=40))
    Client().post(reverse("password-reset"), {"email": world.users["member"].email})
    run_tasks()


def test_no_email_to_a_club_names_the_other(clubs, run_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first, second = clubs
    run_tasks()  # what the seasons queued: the cycles opened and closed, the applications
    for world in clubs:
        send_everything(world, run_tasks)
    by_club = {first.marker: [], second.marker: []}
    for message in mail.outbox:
        domains = {address.rsplit("@", 1)[-1] for address in message.to}
        owners = {w.marker for w in clubs if f"{w.marker.lower()}.example.org" in domains}
        assert len(owners) == 1, f"one club's people per e-mail: {message.subject} → {message.to}"
        by_club[owners.pop()].append(message)
    subjects = {marker: {m.subject for m in messages} for marker, messages in by_club.items()}
    for marker, messages in by_club.items():
        assert len(subjects[marker]) >= 19, f"every kind of e-mail is sent to {marker}'s people: {sorted(subjects[marker])}"
        assert any(m.attachments for m in messages), "the producers' order sheets, with their PDF and CSV"
    leaks = []
    for world, other in ((first, second), (second, first)):
        for message in by_club[world.marker]:
            text = "\n".join([message.subject, message.body, *(str(body) for body, _kind in getattr(message, "alternatives", [])),
                              *(name + "\n" + (content.decode("utf-8", "replace") if isinstance(content, bytes) else content)
                                for name, content, _kind in message.attachments)])
            where = found(other.marker, text)
            if where is not None:
                leaks.append(f"{message.subject} → {message.to}: …{where}…")
    assert not leaks, "the other club named:\n" + "\n".join(leaks)

