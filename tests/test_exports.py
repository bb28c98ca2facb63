"""The closing's documents as files: CSV for spreadsheets (French habits) and PDF for printing.

CSV (src/cabas/web/exports.py): UTF-8 with a byte-order mark, `;` between fields, CRLF line ends,
decimal comma, no thousands separator, offered as an attachment named <document>-<who>-<cycle>.csv.
Headers are translated at runtime, so they are compared with gettext() in French (the site's
language), which holds whether or not the French catalogue is compiled yet.

PDF rendering (WeasyPrint) is slow: each document is rendered once, in the one test below.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cabas.catalog.models import Unit
from cabas.ordering.models import Offer
from cabas.flows import close_cycle, save_order
from cabas.web.exports import csv_money, csv_number, document_filename

D = Decimal
BOM = "\ufeff".encode()
NUMBER = re.compile(r"^\d+(,\d+)?$")  # decimal comma, no thousands separator, no dot


def french(*messages):
    with translation.override("fr"):
        return [gettext(m) for m in messages]


def unit_label(unit):
    with translation.override("fr"):
        return str(Unit(unit).label)


@pytest.fixture
def closed(world):
    """A closed cycle: a1 takes milk 2,5 l and a bread, a2 carrots 1,5 kg, b1 two brioches and 1 l of milk, b2 3 breads."""
    cycle = world.open_cycle(name="Semaine 46")
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    for household, wanted in [
        (world.household_a1, {world.milk: "2,5", world.bread: "1"}),
        (world.household_a2, {world.carrots: "1,5"}),
        (world.household_b1, {world.brioche: "2", world.milk: "1"}),
        (world.household_b2, {world.bread: "3"}),
    ]:
        save_order(cycle=cycle, household=household, quantities={offers[p.pk]: q for p, q in wanted.items()})
    close_cycle(cycle.pk)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def coordinator(world, login):
    return login(world.coordinator)


def picking_url(cycle, group, fmt):
    return reverse("picking-list-file", args=[cycle.pk, group.pk, fmt])


def sheet_url(cycle, producer, fmt):
    return reverse("producer-sheet-file", args=[cycle.pk, producer.pk, fmt])


def read_csv(response):
    """Check the CSV conventions and return the rows."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = response.content
    assert content.startswith(BOM)
    assert not content[len(BOM):].startswith(BOM)  # one BOM only
    text = content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert len({len(r) for r in rows}) == 1, rows  # every row has as many fields as the header
    return rows


def assert_attachment(response, name):
    assert response["Content-Disposition"] == f'attachment; filename="{name}.csv"'


# --- picking list -----------------------------------------------------------------------------------


class TestPickingListCsv:
    def test_header_rows_and_numbers(self, world, closed, coordinator):
        response = coordinator.get(picking_url(closed, world.group_a, "csv"))
        rows = read_csv(response)
        header = french("Household", "Producer", "Product", "Quantity", "Unit", "Amount incl. VAT", "Pickup place",
                        "Signature")
        assert rows[0] == header
        assert header[-1] == gettext("Signature")  # the column the household signs on distribution day
        litre, piece, kg = unit_label(Unit.LITRE), unit_label(Unit.PIECE), unit_label(Unit.KILOGRAM)
        depot = "Dépôt GAC de Rennes"  # where each household collects (the depot, or another place of the group)
        assert rows[1:] == [
            # households by name, then producer and product by name; the signature column is left blank
            ["Foyer Le Goff", "Ferme de la Prée", "Lait cru", "2,5", litre, "3,25", depot, ""],
            ["Foyer Le Goff", "Fournil du Bourg", "Pain de campagne", "1", piece, "5,20", depot, ""],
            ["Foyer Martin", "Ferme de la Prée", "Carottes", "1,5", kg, "3,15", depot, ""],
        ]
        for row in rows[1:]:
            assert NUMBER.match(row[3]) and NUMBER.match(row[5])

    def test_only_the_groups_households(self, world, closed, coordinator):
        text = coordinator.get(picking_url(closed, world.group_b, "csv")).content.decode("utf-8-sig")
        assert "Foyer Bernard" in text and "Foyer Petit" in text
        assert "Foyer Le Goff" not in text and "Foyer Martin" not in text
        assert "Brioche" in text and "Carottes" not in text

    def test_filename(self, world, closed, coordinator):
        response = coordinator.get(picking_url(closed, world.group_b, "csv"))
        expected = document_filename(french("picking-list")[0], "GAC de Vitré", "Semaine 46")
        assert expected.endswith("-gac-de-vitre-semaine-46")  # ASCII, no space, no accent
        assert_attachment(response, expected)

    def test_group_without_orders_has_only_the_header(self, world, coordinator):
        cycle = world.open_cycle(name="Semaine 48")
        offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
        save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "1"})
        close_cycle(cycle.pk)
        rows = read_csv(coordinator.get(picking_url(cycle, world.group_b, "csv")))
        assert len(rows) == 1 and rows[0][-1] == gettext("Signature")

    def test_separator_and_quotes_in_names_are_quoted(self, world, coordinator):
        world.household_a1.name = 'Foyer "Dupont; Durand"'
        world.household_a1.save()
        world.milk.name, world.milk.unit_price = "Lait cru; entier", D("1.31")
        world.milk.save()
        cycle = world.open_cycle(name="Semaine 49")  # offers copy the product's name now
        offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
        save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "12.5"})  # steps of 0,5 l
        close_cycle(cycle.pk)
        response = coordinator.get(picking_url(cycle, world.group_a, "csv"))
        rows = read_csv(response)
        assert rows[1][:4] == ['Foyer "Dupont; Durand"', "Ferme de la Prée", "Lait cru; entier", "12,5"]
        assert rows[1][5] == "16,38"  # 12,5 × 1,31 = 16,375 → 16,38

    def test_formula_like_names_are_neutralised(self, world, coordinator):
        world.household_a1.name = "=HYPERLINK(\"http://example.org\";\"Foyer\")"
        world.household_a1.save()
        cycle = world.open_cycle(name="Semaine 50")
        offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
        save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "1"})
        close_cycle(cycle.pk)
        rows = read_csv(coordinator.get(picking_url(cycle, world.group_a, "csv")))
        assert not rows[1][0].startswith(("=", "+", "-", "@"))


# --- producer sheet ---------------------------------------------------------------------------------


class TestProducerSheetCsv:
    def test_header_rows_and_totals(self, world, closed, coordinator):
        rows = read_csv(coordinator.get(sheet_url(closed, world.farm, "csv")))
        category, product, unit, price, quantity, amount, total = french(
            "Category", "Product", "Unit", "Unit price incl. VAT", "Total quantity", "Amount incl. VAT", "Total",
        )
        # one column per group, by group name
        assert rows[0] == [category, product, unit, price, "GAC de Rennes", "GAC de Vitré", quantity, amount]
        litre, kg = unit_label(Unit.LITRE), unit_label(Unit.KILOGRAM)
        assert rows[1:] == [
            # by category position: Lait (1) before Légumes (5)
            ["Lait", "Lait cru", litre, "1,30", "2,5", "1", "3,5", "4,55"],
            ["Légumes", "Carottes", kg, "2,10", "1,5", "0", "1,5", "3,15"],
            # amounts per group column, then the sheet's total
            [total, "", "", "", "6,40", "1,30", "", "7,70"],
        ]
        for row in rows[1:-1]:
            assert all(NUMBER.match(cell) for cell in row[3:])

    def test_the_other_producer(self, world, closed, coordinator):
        rows = read_csv(coordinator.get(sheet_url(closed, world.bakery, "csv")))
        assert [r[1] for r in rows[1:-1]] == ["Brioche", "Pain de campagne"]
        assert rows[1][4:8] == ["0", "2", "2", "12,00"]
        assert rows[2][4:8] == ["1", "3", "4", "20,80"]
        assert rows[-1][-1] == "32,80"

    def test_filename(self, world, closed, coordinator):
        response = coordinator.get(sheet_url(closed, world.farm, "csv"))
        expected = document_filename(french("order-sheet")[0], "Ferme de la Prée", "Semaine 46")
        assert expected.endswith("-ferme-de-la-pree-semaine-46")
        assert_attachment(response, expected)


# --- PDF and formats --------------------------------------------------------------------------------


def test_pdfs(world, closed, coordinator):
    """Each document rendered once (WeasyPrint is slow)."""
    for url, who in [(picking_url(closed, world.group_a, "pdf"), "gac-de-rennes"),
                     (sheet_url(closed, world.bakery, "pdf"), "fournil-du-bourg")]:
        response = coordinator.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert response.content.rstrip().endswith(b"%%EOF")
        disposition = response["Content-Disposition"]
        assert disposition.startswith('inline; filename="') and disposition.endswith(f'{who}-semaine-46.pdf"')


_FOOTER = re.compile(r'<div class="page-footer">(.*?)</div>', re.S)


def pdf_footer(html: str) -> str:
    """The text WeasyPrint prints in the bottom-left page margin: the running footer element's text."""
    return unescape(_FOOTER.search(html).group(1).strip())


def pdf_footers(world, name_of_group, name_of_cycle):
    """The footers of both PDF templates (rendered as HTML only: no WeasyPrint, fast)."""
    from cabas.distribution.documents import picking_list, producer_sheet
    from cabas.distribution.models import Distribution, ProducerSheet

    world.group_a.name = name_of_group
    world.group_a.save()
    cycle = world.open_cycle(name=name_of_cycle)
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "1"})
    close_cycle(cycle.pk)
    cycle = type(cycle).objects.select_related("club").get(pk=cycle.pk)
    distribution = Distribution.objects.select_related("group__depot", "cycle").get(cycle=cycle, group=world.group_a)
    sheet = ProducerSheet.objects.select_related("producer").get(cycle=cycle, producer=world.farm)
    picking = render_to_string("web/distribution/pdf/picking_list.html", {"doc": picking_list(distribution), "cycle": cycle})
    sheet_html = render_to_string("web/distribution/pdf/producer_sheet.html", {"doc": producer_sheet(cycle, sheet), "cycle": cycle})
    return pdf_footer(picking), pdf_footer(sheet_html)


def test_pdf_footer_plain_names(world):
    picking, sheet = pdf_footers(world, "GAC de Rennes", "Semaine 46")
    assert picking == "GAC de Rennes — Semaine 46"
    assert sheet == "Club du Pays de Test — Semaine 46"


def test_pdf_footer_names_with_apostrophe_and_hyphen(world):
    picking, sheet = pdf_footers(world, "GAC d'Acigné", "Semaine 46 - Noël")
    assert picking == "GAC d'Acigné — Semaine 46 - Noël"
    assert sheet == "Club du Pays de Test — Semaine 46 - Noël"


@pytest.mark.parametrize("fmt", ["xlsx", "txt", "CSV", "Pdf", "json", "csv.exe", "html.csv"])
def test_unknown_format_is_not_found(world, closed, coordinator, fmt):
    for url in (picking_url(closed, world.group_a, fmt), sheet_url(closed, world.farm, fmt)):
        response = coordinator.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("text/html")


def test_html_format_is_the_page(world, closed, coordinator):
    for url, name in [(picking_url(closed, world.group_a, "html"), reverse("picking-list", args=[closed.pk, world.group_a.pk])),
                      (sheet_url(closed, world.farm, "html"), reverse("producer-sheet", args=[closed.pk, world.farm.pk]))]:
        response, page = coordinator.get(url), coordinator.get(name)
        assert response.status_code == page.status_code == 200
        assert response["Content-Type"] == page["Content-Type"] == "text/html; charset=utf-8"
        assert [t.name for t in response.templates] == [t.name for t in page.templates]


def test_picking_list_page_has_signature_lines(world, closed, coordinator):
    html = coordinator.get(reverse("picking-list", args=[closed.pk, world.group_a.pk])).content.decode()
    assert html.count(gettext("Signature")) == 2  # one per household of group A
    assert "Foyer Le Goff" in html and "Foyer Martin" in html and "Foyer Bernard" not in html
    assert "2,5" in html and "3,25" in html


# --- the number helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (D("2.5"), "2,5"), (D("2.500"), "2,5"), (D("3.000"), "3"), (D("10"), "10"), (D("10.000"), "10"),
    (D("100"), "100"), (D("10000.000"), "10000"), (D("0.125"), "0,125"), (D("0"), "0"), (D("1234.5"), "1234,5"),
    (None, ""),
])
def test_csv_number(value, text):
    assert csv_number(value) == text


@pytest.mark.parametrize("value, text", [
    (D("3.25"), "3,25"), (D("5.2"), "5,20"), (D("12"), "12,00"), (D("1234.5"), "1234,50"), (D("0"), "0,00"),
])
def test_csv_money(value, text):
    assert csv_money(value) == text
