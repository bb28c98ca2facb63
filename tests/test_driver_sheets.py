"""What a volunteer drives with: the driver's sheet (PDF) and the round's page give each stop its number, the
place's name and address, the contact and phone (tap to call), the time window, what to load or unload, and map
links (geo: and OpenStreetMap); durations read « 8 h 05 », distances « 1 234,5 km ». The rounds' diagrams number
the stops as the lists do and write nothing outside their viewBox; circles do not overlap. Queries: constant."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings as hypothesis_settings, strategies as st

from cabas.logistics import diagram
from cabas.logistics.models import Round, RoundStop, SiteKind
from cabas.core.formatting import format_distance, format_duration
from cabas.logistics.sheets import geo_uri, osm_url, tel_uri
from cabas.members.models import Depot
from tests.test_logistics import closed_cycle, place_world, plan
from tests.test_query_counts import measure, show

SVG = "{http://www.w3.org/2000/svg}"
# session, user, roles, cycle+club, round+plan, stops (with their sites, producers, groups and depots), the drivers'
# rota turns; and one more, the groups' coordinators, when the round calls at a depot without a contact of its own
ROUND_PAGE_QUERIES = 7


# --- formatting and links ---------------------------------------------------------------------------


def test_durations_distances_and_links_read_as_a_driver_expects():
    with translation.override("fr"):
        assert format_duration(minutes=485) == "8\u00a0h\u00a005"
        assert format_duration(minutes=45) == "45\u00a0min"
        assert format_duration(minutes=-90) == "-1\u00a0h\u00a030"
        assert format_duration(D("8.08")) == "8\u00a0h\u00a005"
        distance = format_distance(D("1234.56"))
        assert re.fullmatch(r"1[\u00a0\u202f ]234,6\u00a0km", distance), distance
        assert format_distance(D("352")) == "352\u00a0km"  # the shared formatter: a whole number keeps no decimal
    assert tel_uri("02 99 00 10 01") == "tel:0299001001"
    assert tel_uri("+33 6 00.00.40.01") == "tel:+33600004001"
    assert tel_uri("—") == ""
    assert geo_uri(D("48.113900"), D("-1.668200")) == "geo:48.1139,-1.6682"
    assert osm_url(D("48.113900"), D("-1.668200")) == \
        "https://www.openstreetmap.org/?mlat=48.1139&mlon=-1.6682#map=16/48.1139/-1.6682"


# --- the diagram ------------------------------------------------------------------------------------


def _inside(svg: str):
    """Every text and circle of ``svg`` within its viewBox, from the positions and sizes it states."""
    root = ET.fromstring(svg)
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    texts = root.iter(f"{SVG}text")
    for text in texts:
        content = text.text or ""
        size = float(text.get("font-size") or diagram.FONT_SIZE)
        x, y, extent = float(text.get("x")), float(text.get("y")), diagram.text_width(content, size)
        left = x - extent / 2 if text.get("text-anchor") == "middle" else x
        assert 0 <= left and left + extent <= width, (content, left, extent, width)
        assert size <= y <= height, (content, y, height)
    for circle in root.iter(f"{SVG}circle"):
        cx, cy, r = (float(circle.get(k)) for k in ("cx", "cy", "r"))
        assert r <= cx <= width - r and r <= cy <= height - r, (cx, cy, r)
    return root


def _numbered(root) -> list[tuple[str, float, float, float]]:
    """(number, cx, cy, r) of each place's numbered circle."""
    places = []
    for group in root.iter(f"{SVG}g"):
        circle, text = group.find(f"{SVG}circle"), group.find(f"{SVG}text")
        places.append((text.text, float(circle.get("cx")), float(circle.get("cy")), float(circle.get("r"))))
    return places


def test_the_diagram_numbers_places_keeps_long_names_inside_and_parts_close_places():
    long = "Groupement agricole d'exploitation en commun du Chêne Vert et des Landes de Lanvaux, quai de chargement nord"
    sites = [
        diagram.SitePoint("producer", long, D("47.9712"), D("-1.5136"), "1"),
        diagram.SitePoint("producer", "Voisin immédiat", D("47.9713"), D("-1.5137"), "2"),  # a few metres away
        diagram.SitePoint("hub", "MIL", D("48.0875"), D("-1.628"), "3, 9"),
        diagram.SitePoint("depot", "Maison de quartier du Thabor", D("48.1139"), D("-1.6682"), "4"),
        diagram.SitePoint("depot", "Vitré", D("48.1197"), D("-1.2065"), "5"),
    ]
    routes = [diagram.RouteLine("1. " + long, [(s.latitude, s.longitude) for s in sites])]
    for legend, width in (("right", 820), ("below", 420)):
        svg = diagram.render(sites, routes, title="Tournées", description="1. A; 2. B", legend=legend, width=width,
                             kind_labels={"producer": "producteur", "hub": "plateforme", "depot": "lieu de dépôt"})
        root = _inside(svg)
        assert root.get("role") == "img" and root.get("aria-label") == "Tournées"
        assert root.find(f"{SVG}title").text == "Tournées" and root.find(f"{SVG}desc").text == "1. A; 2. B"
        places = _numbered(root)
        assert [p[0] for p in places] == ["1", "2", "3, 9", "4", "5"]
        for i, (_n, x1, y1, r1) in enumerate(places):
            for _m, x2, y2, r2 in places[i + 1:]:
                assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= r1 + r2 - 0.5
        legend_texts = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") != "bold"]
        assert any(t.startswith("Groupement agricole") and t.endswith("…") for t in legend_texts)  # cut to fit
        assert "Vitré" in legend_texts


@hypothesis_settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(47.5, 48.5), st.floats(-2.5, -1.0), st.text(min_size=0, max_size=80)),
                min_size=1, max_size=14))
def test_whatever_the_places_nothing_is_written_outside_the_diagram(points):
    sites = [diagram.SitePoint("depot" if i % 2 else "producer", name, D(str(lat)), D(str(lon)), str(i + 1))
             for i, (lat, lon, name) in enumerate(points)]
    routes = [diagram.RouteLine("1. Fourgon", [(s.latitude, s.longitude) for s in sites])]
    for legend in ("right", "below"):
        _inside(diagram.render(sites, routes, title="T", legend=legend, width=820 if legend == "right" else 420))


# --- the sheet and the page -------------------------------------------------------------------------


@pytest.fixture
def planned(world):
    """The hub scheme's plan of a closed cycle; the farms and the hub say their address, contact and phone."""
    place_world(world)
    world.farm.address, world.farm.contact_name, world.farm.phone = "La Bouëxière, 35150 Janzé", "Yann", "02 99 00 10 01"
    world.farm.save()
    world.bakery.address, world.bakery.phone = "Le Bourg, 35380 Paimpont", "02 99 00 10 07"
    world.bakery.save()
    world.hub.address, world.hub.contact_name, world.hub.phone = "12 rue de la Frébardière, 35135 Chantepie", \
        "Accueil fret", "+33 2 99 00 30 00"
    world.hub.access_notes = "Quai 3"
    world.hub.save()
    world.home.address, world.home.phone = "5 rue de Maurepas, 35700 Rennes", "06 00 00 40 01"
    world.home.save()
    world.cycle = closed_cycle(world)
    world.plan = plan(world.cycle, "hub")
    return world


def _expected(world, stop: RoundStop) -> tuple[str, str]:
    """The address and phone the stop's sheet must show."""
    if stop.kind == SiteKind.PRODUCER:
        producer = world.farm if stop.producer_id == world.farm.pk else world.bakery
        return producer.address, producer.phone
    if stop.kind == SiteKind.DEPOT:
        return Depot.objects.get(group_id=stop.group_id).address, ""
    site = world.hub if stop.site_id == world.hub.pk else world.home
    return site.address, site.phone


def test_the_round_page_gives_each_stop_its_address_phone_window_and_map_links(planned, client):
    client.force_login(planned.coordinator)
    rounds = list(Round.objects.filter(plan=planned.plan).order_by("position"))
    assert rounds
    transport = client.get(reverse("transport", args=[planned.cycle.pk])).content.decode()
    seen_depot = False
    for row in rounds:
        page_url = reverse("transport-round", args=[planned.cycle.pk, row.pk])
        assert page_url in transport
        page = html.unescape(client.get(page_url).content.decode())
        stops = list(RoundStop.objects.filter(round=row).order_by("sequence"))
        assert "Durée" in page and f"{row.minutes // 60}\u00a0h\u00a0{row.minutes % 60:02d}" in page \
            or f"{row.minutes}\u00a0min" in page
        for stop in stops:
            address, phone = _expected(planned, stop)
            block = page[page.index(f'id="stop-{stop.sequence}"'):]
            block = block[:block.index("</ol>")]
            block = block[:block.index('id="stop-', 5)] if 'id="stop-' in block[5:] else block
            assert stop.name in block and address in block, (stop.name, address)
            assert stop.arrival.strftime("%H:%M") in block
            if phone:
                assert f'href="{tel_uri(phone)}"' in block and phone in block
            assert f'href="{geo_uri(stop.latitude, stop.longitude)}"' in block
            assert f'href="{osm_url(stop.latitude, stop.longitude)}"' in block
            if stop.kind == SiteKind.DEPOT:  # no site of its own: its group's coordinators receive
                seen_depot = True
                coordinator = planned.group_coordinator_a if stop.group_id == planned.group_a.pk else None
                if coordinator is not None:
                    assert (coordinator.get_full_name() or coordinator.email) in block
            for line in stop.lines:
                assert line["producer_name"] in block and line["group_name"] in block
            if stop.site_id == planned.hub.pk:
                assert "Accueil fret" in block and "Quai 3" in block and "05:00–20:00" in block
        root = ET.fromstring(page[page.index("<svg"):page.index("</svg>") + 6])
        numbers = sorted(int(n) for text, *_rest in _numbered(root) for n in text.split(", "))
        assert numbers == [stop.sequence for stop in stops]
    assert seen_depot


def test_the_drivers_sheet_has_every_stops_address_phone_and_links(planned, client, monkeypatch):
    rendered = []

    class FakeHTML:  # the HTML WeasyPrint would print (no PDF text extractor here)
        def __init__(self, string, base_url):
            rendered.append(string)

        def write_pdf(self):
            return b"%PDF-1.7 fake"

    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    client.force_login(planned.coordinator)
    for row in Round.objects.filter(plan=planned.plan).order_by("position"):
        response = client.get(reverse("driver-sheet", args=[planned.cycle.pk, row.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        sheet = html.unescape(rendered.pop())
        for stop in RoundStop.objects.filter(round=row).order_by("sequence"):
            address, phone = _expected(planned, stop)
            assert address in sheet and stop.name in sheet
            if phone:
                assert phone in sheet and tel_uri(phone) in sheet
            assert geo_uri(stop.latitude, stop.longitude) in sheet and osm_url(stop.latitude, stop.longitude) in sheet
        assert "km" in sheet and ("\u00a0h\u00a0" in sheet or "\u00a0min" in sheet)
        _inside(sheet[sheet.index("<svg"):sheet.index("</svg>") + 6])


def test_the_real_pdf_is_made(planned, client):
    client.force_login(planned.coordinator)
    row = Round.objects.filter(plan=planned.plan).order_by("-position").first()
    response = client.get(reverse("driver-sheet", args=[planned.cycle.pk, row.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_round_page_is_for_the_clubs_coordinators_and_its_queries_do_not_grow_with_its_stops(planned, client):
    rounds = list(Round.objects.filter(plan=planned.plan).order_by("position"))
    page_url = reverse("transport-round", args=[planned.cycle.pk, rounds[0].pk])
    client.force_login(planned.member_a1)
    assert client.get(page_url).status_code == 403
    client.force_login(planned.group_coordinator_a)
    assert client.get(page_url).status_code == 403
    _other, group, *_rest = planned.other_club()
    client.force_login(planned.coordinator)
    other_cycle = planned.open_cycle()
    assert client.get(reverse("transport-round", args=[other_cycle.pk, rounds[0].pk])).status_code == 404

    def check(row):
        count, ctx, response = measure(lambda: client.get(reverse("transport-round", args=[planned.cycle.pk, row.pk])))
        assert response.status_code == 200
        stops = list(RoundStop.objects.filter(round=row))
        expected = ROUND_PAGE_QUERIES + any(stop.kind == SiteKind.DEPOT for stop in stops)  # no depot has a site here
        assert count == expected, f"{count} queries, pinned {expected}\n{show(ctx)}"

    for row in rounds:
        check(row)
    row = rounds[0]  # three times as many stops: the same queries
    stops = list(RoundStop.objects.filter(round=row).order_by("sequence"))
    RoundStop.objects.bulk_create(
        RoundStop(round=row, sequence=len(stops) + i + 1, action=s.action, site_id=s.site_id, producer_id=s.producer_id,
                  group_id=s.group_id, kind=s.kind, name=s.name, latitude=s.latitude, longitude=s.longitude,
                  arrival=s.arrival, departure=s.departure, lines=s.lines)
        for i, s in enumerate(stops * 2))
    check(row)
