"""Catalogue import, the pure parser: the three formats from CSV and XLSX, every error case, the diff. No
database (the service, the command and the page: test_import_service.py)."""

import csv
import io
import os
import re
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from cabas.catalog.importing import MAX_ROWS, ProductRow, diff_catalogue, parse_catalogue

CABAS = (
    "reference;name;category;unit;unit_price;vat_rate;pack_size;order_step;min_total;description;available\n"
    "LAIT1;Lait cru;Lait;litre;1,35;5,5;6;1;;Bouteille consignée;oui\n"
    "CAR;Carottes;Légumes;kg;2.20;;;0,5;20;;\n"
)
CABAS_HEADER = CABAS.splitlines()[0]
FOODSOFT_HEADER = (
    "availability;order number;name;supplier order unit;custom unit;unit ratios;minimum order quantity;billing unit;"
    "group order granularity;group order unit;net price;price unit;VAT;deposit;note;category;origin;manufacturer;id"
)
FOODSOFT = FOODSOFT_HEADER + (
    "\nYes;F-12;Farine T80;sac 25 kg;;25;;kilogram;1;kilogram;1,80;kilogram;5,5;;Meule de pierre;Céréales;Bretagne;Moulin;7\n"
    "No;F-13;Jus de pomme;carton;;6 piece;;piece;1;piece;2,50;piece;5,5;0,20;;Boissons;;;8\n"
    "Yes;F-14;Crottin de chèvre;box;;10 piece;2;piece;1;piece;12,00;box;5,5;;;Fromages;;;9\n"
)
OFN_HEADER = (
    "producer,sku,name,display_name,category,description,units,unit_type,variant_unit_name,price,on_hand,available_on,"
    "on_demand,shipping_category,tax_category"
)
OFN = OFN_HEADER + (
    "\nFerme de la Prée,OFN-1,Carottes,Botte 500 g,Légumes,,500,g,,2.50,10,,,,5.5\n"
    "Ferme de la Prée,OFN-2,Oeufs,,Oeufs,Plein air,6,,,3.60,0,,true,,\n"
)


def parse(text, name="catalogue.csv", encoding="utf-8", **options):
    return parse_catalogue(text.encode(encoding), name, **options)


def cabas_line(line):
    return parse(f"{CABAS_HEADER}\nOK;Beurre;Lait;pièce;3;;;;;;\n{line}\n")


def xlsx_bytes(rows, percent=()):
    """A workbook whose number-looking cells are real numbers (int or float), as a spreadsheet stores them."""
    book = openpyxl.Workbook()
    sheet = book.active
    for cells in rows:
        sheet.append([_typed(cell) for cell in cells])
    for cell in percent:
        sheet[cell].number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed(cell):
    if isinstance(cell, str) and re.fullmatch(r"-?\d+", cell):
        return int(cell)
    if isinstance(cell, str) and re.fullmatch(r"-?\d+[.,]\d+", cell):
        return float(cell.replace(",", "."))
    return cell if cell != "" else None


def table(text, delimiter):
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


# --- Cabas' own format --------------------------------------------------------------------------


def test_cabas_format_with_decimal_commas_aliases_and_defaults():
    parsed = parse(CABAS)
    assert parsed.ok and parsed.format == "cabas" and parsed.warnings == ()
    milk, carrots = parsed.rows
    assert milk == ProductRow(2, "LAIT1", "Lait cru", "Lait", "l", D("1.35"), D("5.5"), D("6"), D("1"), None,
                              "Bouteille consignée", True)
    assert (carrots.line, carrots.unit, carrots.unit_price, carrots.vat_rate) == (3, "kg", D("2.20"), D("5.5"))
    assert (carrots.pack_size, carrots.order_step, carrots.min_total, carrots.available) == (None, D("0.5"), D("20"), True)
    assert str(carrots.unit_price) == "2.20"  # always to the cent


@pytest.mark.parametrize("written, unit", [
    ("kg", "kg"), ("KG", "kg"), ("g", "g"), ("l", "l"), ("litre", "l"), ("piece", "piece"), ("pièce", "piece"),
    ("Pièces", "piece"), ("pc", "piece"), ("unité", "piece"), ("bunch", "bunch"), ("botte", "bunch"),
    ("dozen", "dozen"), ("douzaine", "dozen"),
])
def test_cabas_units_and_their_french_aliases(written, unit):
    parsed = parse(f"{CABAS_HEADER}\nA;Lait;Lait;{written};1;;;;;;\n")
    assert parsed.ok and parsed.rows[0].unit == unit


@pytest.mark.parametrize("written, available", [
    ("", True), ("oui", True), ("Yes", True), ("1", True), ("true", True), ("non", False), ("NO", False), ("0", False),
    ("false", False),
])
def test_cabas_availability(written, available):
    parsed = parse(f"{CABAS_HEADER}\nA;Lait;Lait;l;1;;;;;;{written}\n")
    assert parsed.ok and parsed.rows[0].available is available


def test_headers_are_trimmed_and_case_insensitive_and_extra_columns_ignored():
    parsed = parse(" Reference ;NAME;Category;Unit;Unit_Price;remarque\nA;Lait;Lait;l;1;rien\n")
    assert parsed.ok and parsed.format == "cabas" and parsed.rows[0].reference == "A"


# --- Foodsoft's article list -------------------------------------------------------------------


def test_foodsoft_net_price_plus_vat_deposit_ratios_and_price_unit():
    parsed = parse(FOODSOFT, "articles.csv")
    assert parsed.ok and parsed.format == "foodsoft"
    flour, juice, cheese = parsed.rows
    assert (flour.reference, flour.unit, flour.unit_price, flour.vat_rate) == ("F-12", "kg", D("1.90"), D("5.5"))  # 1,80 × 1,055
    assert (flour.pack_size, flour.order_step, flour.min_total) == (D("25"), D("1"), None)  # a plain ratio
    assert flour.description == "Meule de pierre · Bretagne · Moulin" and flour.available
    assert (juice.unit, juice.unit_price, juice.pack_size, juice.available) == ("piece", D("2.84"), D("6"), False)  # 2,64 + 0,20
    # priced per box of 10: 12,00 / 10 × 1,055 = 1,266 → 1,27 per piece
    assert (cheese.unit_price, cheese.pack_size, cheese.min_total) == (D("1.27"), D("10"), D("2"))
    (warning,) = parsed.warnings  # 10 × 1,27 is not the box's 12,66
    assert (warning.line, warning.column) == (4, "net price") and "12,70 € par « box » au lieu de 12,66 €" in warning.message


def test_foodsoft_rounds_half_up_to_the_cent_and_warns_when_a_conversion_loses_cents():
    parsed = parse(f"{FOODSOFT_HEADER}\nYes;B1;Bonbon;;;;;;;piece;0,10;;5;;;Épicerie;;;\n")
    assert parsed.ok and parsed.rows[0].unit_price == D("0.11")  # 0,105: half-up, not half-even
    parsed = parse(f"{FOODSOFT_HEADER}\nYes;S1;Safran;sac;;10 kilogram;;;;gram;5,00;kilogram;0;;;Épices;;;\n")
    assert parsed.ok and (parsed.rows[0].unit, parsed.rows[0].unit_price, parsed.rows[0].pack_size) == ("g", D("0.01"), D("10000"))
    (warning,) = parsed.warnings
    assert warning.column == "net price" and "10,00 € par « kilogram » au lieu de 5,00 €" in warning.message


def test_foodsoft_older_files_size_in_the_unit_name_and_missing_order_number():
    text = (f"{FOODSOFT_HEADER}\n"
            "yes;;Lentilles vertes;;500 g;;;;;;4,00;kilogram;5,5;;;Légumineuses;France;;\n"
            "ja;L2;Pois chiches;sac;;beaucoup;;;;kg;3,00;;5,5;;;Légumineuses;;;\n"
            "Yes;L3;Haricots;sac;;12 piece;;;;kg;3,00;;;;;Légumineuses;;;\n")
    parsed = parse(text)
    assert parsed.ok
    lentils, chickpeas, beans = parsed.rows
    # one article is a 500 g bag: counted in pieces, priced per bag (4,00 €/kg → 2,00 HT → 2,11 TTC)
    assert (lentils.reference, lentils.unit, lentils.unit_price) == ("Lentilles vertes", "piece", D("2.11"))
    assert lentils.description == "Unité de vente : 500 g · France"
    assert (chickpeas.pack_size, chickpeas.available, beans.vat_rate) == (None, True, D("5.5"))
    assert [(w.line, w.column) for w in parsed.warnings] == [(3, "unit ratios"), (4, "vat"), (4, "unit ratios")]
    assert "illisible" in parsed.warnings[0].message and "5,5 %" in parsed.warnings[1].message


@pytest.mark.parametrize("written, available", [
    ("Yes", True), ("Oui", True), ("Ja", True), ("1", True), ("true", True), ("available", True),
    ("No", False), ("Non", False), ("0", False), ("", False), ("x", False),
])
def test_foodsoft_availability(written, available):
    parsed = parse(f"{FOODSOFT_HEADER}\n{written};A;Pain;;;;;;;piece;1;;5,5;;;Pain;;;\n")
    assert parsed.ok and parsed.rows[0].available is available


@pytest.mark.parametrize("cells, column, word", [
    ("Yes;A;Pain;;;;;;;brouette;1;;5,5;;;Pain;;;", "group order unit", "brouette"),
    ("Yes;A;Pain;;;;;;;;1;;5,5;;;Pain;;;", "group order unit", "unité manquante"),
    ("Yes;A;Pain;box;;;;;;piece;12;box;5,5;;;Pain;;;", "price unit", "colonne « Contenu »"),
    ("Yes;A;Pain;;;;;;;piece;12;;abc;;;Pain;;;", "vat", "pas un nombre"),
    ("Yes;A;Pain;box;;10;;;3;piece;1;;5,5;;;Pain;;;", "group order granularity", "diviser"),
    ("peut-être;A;Pain;;;;;;;piece;1;;5,5;;;Pain;;;", "availability", "oui ou non"),
    ("Yes;A;Pain;;;;;;;piece;1;;5,5;;;;;;", "category", "obligatoire"),
])
def test_foodsoft_errors(cells, column, word):
    parsed = parse(f"{FOODSOFT_HEADER}\n{cells}\n")
    assert [(e.line, e.column) for e in parsed.errors] == [(2, column)] and word in parsed.errors[0].message


# --- Open Food Network's template --------------------------------------------------------------


def test_open_food_network_units_become_a_price_per_kg():
    parsed = parse(OFN, "ofn.csv")
    assert parsed.ok and parsed.format == "ofn"
    carrots, eggs = parsed.rows
    assert (carrots.name, carrots.unit, carrots.unit_price) == ("Carottes – Botte 500 g", "kg", D("5.00"))
    assert (carrots.pack_size, carrots.order_step, carrots.available) == (D("0.5"), D("0.5"), True)  # 10 in stock
    assert (eggs.unit, eggs.unit_price, eggs.pack_size, eggs.order_step, eggs.available) == ("piece", D("0.60"), D("6"), None, True)
    assert carrots.producer_name == "Ferme de la Prée" and carrots.min_total is None
    assert [(w.line, w.column) for w in parsed.warnings] == [(3, "tax_category")]  # the eggs' missing VAT rate


@pytest.mark.parametrize("units, unit_type, variant, price, unit, unit_price, pack", [
    ("750", "ml", "", "6.00", "l", "8.00", "0.75"),
    ("2", "kg", "", "7", "kg", "3.50", "2"),
    ("1", "T", "", "900", "kg", "0.90", "1000"),
    ("1.5", "L", "", "3", "l", "2.00", "1.5"),
    ("1", "", "botte", "1.80", "bunch", "1.80", None),
    ("1", "", "dozen", "4.20", "dozen", "4.20", None),
    ("4", "", "bottle", "10", "piece", "2.50", "4"),
])
def test_open_food_network_conversions(units, unit_type, variant, price, unit, unit_price, pack):
    parsed = parse(f"{OFN_HEADER}\nFerme,S1,Produit,,Divers,,{units},{unit_type},{variant},{price},1,,,,20\n")
    assert parsed.ok, parsed.errors
    row = parsed.rows[0]
    assert (row.unit, row.unit_price, row.pack_size, row.vat_rate) == (unit, D(unit_price), pack and D(pack), D("20"))


def test_open_food_network_details():
    text = (f"{OFN_HEADER}\n"
            "Ferme,,Carottes,Cagette,Légumes,,3,kg,,10.00,0,,0,,TVA 5,5 %\n"
            "Ferme,S2,Miel,,Épicerie,,1,kg,,12,0,,1,,Alimentaire\n")
    parsed = parse(text.replace(",TVA 5,5 %", ',"TVA 5,5 %"'))
    assert parsed.ok
    carrots, honey = parsed.rows
    assert (carrots.reference, carrots.unit_price, carrots.vat_rate, carrots.available) == ("Carottes Cagette", D("3.33"), D("5.5"), False)
    assert (honey.vat_rate, honey.available) == (D("5.5"), True)  # on demand
    assert [(w.line, w.column) for w in parsed.warnings] == [(2, "price"), (3, "tax_category")]
    assert "arrondi à 3,33 € par kg : la variante coûtera 9,99 €" in parsed.warnings[0].message and "Alimentaire" in parsed.warnings[1].message


@pytest.mark.parametrize("cells, column, word", [
    ("Ferme,S1,Lait,,Lait,,1,oz,,1,1,,,,5.5", "unit_type", "attendu"),
    ("Ferme,S1,Oeufs,,Oeufs,,1.5,,,1,1,,,,5.5", "units", "entier"),
    ("Ferme,S1,Oeufs,,Oeufs,,0,,,1,1,,,,5.5", "units", "supérieur à zéro"),
    ("Ferme,S1,Oeufs,,Oeufs,,6,,,,1,,,,5.5", "price", "obligatoire"),
    ("Ferme,S1,Oeufs,,Oeufs,,6,,,2,1,,peut-être,,5.5", "on_demand", "oui ou non"),
    ("Ferme,S1,Oeufs,,Oeufs,,6,,,2,1,,,,150", "tax_category", "entre 0 et 100"),
])
def test_open_food_network_errors(cells, column, word):
    parsed = parse(f"{OFN_HEADER}\n{cells}\n")
    assert [(e.line, e.column) for e in parsed.errors] == [(2, column)] and word in parsed.errors[0].message


# --- XLSX ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, delimiter", [(CABAS, ";"), (FOODSOFT, ";"), (OFN, ",")])
def test_each_format_reads_the_same_from_a_workbook_with_real_numbers(text, delimiter):
    from_csv = parse(text)
    from_xlsx = parse_catalogue(xlsx_bytes(table(text, delimiter)), "Catalogue.XLSX")
    assert from_xlsx.ok and from_xlsx.format == from_csv.format and from_xlsx.rows == from_csv.rows


def test_xlsx_numbers_are_decimals_percentages_read_and_lines_counted():
    rows = [["reference", "name", "category", "unit", "unit_price", "vat_rate", "pack_size"],
            ["P1", "Pommes", "Fruits", "kg", "2.3", "0.055", ""],
            [],
            ["P2", "Jus", "Boissons", "pièce", "3.1", "0.2", "6"],
            ["P3", "Poires", "Fruits", "kg", "abc", "", ""]]
    parsed = parse_catalogue(xlsx_bytes(rows, percent=("F2", "F4")), "c.xlsx")
    assert [(r.line, r.unit_price, r.vat_rate, r.pack_size) for r in parsed.rows] == [
        (2, D("2.30"), D("5.5"), None), (4, D("3.10"), D("20"), D("6"))]
    assert all(isinstance(value, D) for value in (parsed.rows[0].unit_price, parsed.rows[1].pack_size))
    assert [(e.line, e.column) for e in parsed.errors] == [(5, "unit_price")]


# --- reading CSV ---------------------------------------------------------------------------------


def test_bom_windows_1252_and_utf_16():
    assert parse_catalogue(b"\xef\xbb\xbf" + CABAS.encode(), "a.csv").ok
    parsed = parse(CABAS, encoding="cp1252")
    assert parsed.ok and parsed.rows[1].category == "Légumes"
    parsed = parse(CABAS.replace(";", "\t"), encoding="utf-16")  # Excel's « Unicode text »
    assert parsed.ok and parsed.rows[0].description == "Bouteille consignée"


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_the_delimiter_is_found(delimiter):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(table(CABAS, ";"))
    parsed = parse(buffer.getvalue())
    assert parsed.ok and parsed.rows == parse(CABAS).rows


def test_lines_are_the_file_s_lines_despite_blank_lines_and_quoted_line_breaks():
    text = f'{CABAS_HEADER}\n\nA;Lait;Lait;l;1;;;;;"deux\nlignes";\n;;\nB;Lait;Lait;l;abc;;;;;;\n'
    parsed = parse(text)
    assert parsed.rows[0].line == 3 and parsed.rows[0].description == "deux\nlignes"
    assert [(e.line, e.column) for e in parsed.errors] == [(6, "unit_price")]


# --- format detection ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [(CABAS, "cabas"), (FOODSOFT, "foodsoft"), (OFN, "ofn")])
def test_the_format_is_recognised_from_the_header(text, expected):
    assert parse(text).format == expected


def test_an_explicit_format_is_obeyed_and_checked():
    parsed = parse(CABAS, format="ofn")
    assert parsed.format == "ofn" and {e.column for e in parsed.errors} == {"units", "unit_type", "price"}
    assert parse(CABAS, format="cabas").ok
    parsed = parse(CABAS, format="csv")
    assert (parsed.errors[0].line, "inconnu") == (0, "inconnu") and "inconnu" in parsed.errors[0].message


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, column, word", [
    ("X1;;Lait;kg;1;;;;;;", "name", "obligatoire"),
    ("X1;Lait;;kg;1;;;;;;", "category", "obligatoire"),
    ("X1;Lait;Lait;;1;;;;;;", "unit", "obligatoire"),
    ("X1;Lait;Lait;kg;;;;;;;", "unit_price", "obligatoire"),
    ("X1;Lait;Lait;kg;abc;;;;;;", "unit_price", "pas un nombre"),
    ("X1;Lait;Lait;kg;1 200,00;;;;;;", "unit_price", "sans séparateur de milliers"),
    ("X1;Lait;Lait;kg;1.200,50;;;;;;", "unit_price", "pas un nombre"),
    ("X1;Lait;Lait;kg;-1;;;;;;", "unit_price", "négatif"),
    ("X1;Lait;Lait;kg;1,234;;;;;;", "unit_price", "2 décimales"),
    ("X1;Lait;Lait;brouette;1;;;;;;", "unit", "inconnue"),
    ("X1;Lait;Lait;kg;1;150;;;;;", "vat_rate", "entre 0 et 100"),
    ("X1;Lait;Lait;kg;1;;0;;;;", "pack_size", "supérieur à zéro"),
    ("X1;Lait;Lait;kg;1;;5;2;;;", "order_step", "diviser"),
    ("X1;Lait;Lait;kg;1;;;;-3;;", "min_total", "négatif"),
    ("X1;Lait;Lait;kg;1;;;;;;peut-être", "available", "oui ou non"),
    ("X1;" + "L" * 201 + ";Lait;kg;1;;;;;;", "name", "trop long"),
])
def test_each_bad_value_is_reported_with_its_line_and_column(line, column, word):
    parsed = cabas_line(line)
    assert not parsed.ok and [r.reference for r in parsed.rows] == ["OK"]
    (error,) = parsed.errors
    assert (error.line, error.column) == (3, column) and word in error.message, error


def test_messages_name_the_column_and_the_value_in_french():
    (error,) = cabas_line("X1;Lait;Lait;kg;abc;;;;;;").errors
    assert error.message.startswith("Prix « abc » : ce n'est pas un nombre")


def test_every_error_of_every_row_is_reported():
    parsed = parse(f"{CABAS_HEADER}\nA;;Lait;brouette;abc;;;;;;\nB;Lait;Lait;kg;1;;;;;;\nC;Lait;;kg;-2;;;;;;peut-être\n")
    assert [(e.line, e.column) for e in parsed.errors] == [
        (2, "name"), (2, "unit"), (2, "unit_price"), (4, "category"), (4, "unit_price"), (4, "available")]
    assert [r.reference for r in parsed.rows] == ["B"]


def test_a_duplicate_reference_is_an_error_on_its_second_line():
    parsed = parse(f"{CABAS_HEADER}\nA;Lait;Lait;l;abc;;;;;;\nB;Beurre;Lait;l;1;;;;;;\nA;Lait 2;Lait;l;1;;;;;;\n")
    assert [(e.line, e.column) for e in parsed.errors] == [(2, "unit_price"), (4, "reference")]
    assert "déjà donnée ligne 2" in parsed.errors[1].message
    parsed = parse(f"{FOODSOFT_HEADER}\nYes;;Pain;;;;;;;piece;1;;5,5;;;Pain;;;\nYes;;Pain;;;;;;;piece;2;;5,5;;;Pain;;;\n")
    assert [(e.line, e.column) for e in parsed.errors] == [(3, "name")]


def test_a_missing_required_column_is_named():
    parsed = parse("reference;unit_price;name\nA;1;B\n")
    assert [(e.line, e.column) for e in parsed.errors] == [(1, "category"), (1, "unit")]
    assert "Colonne obligatoire absente : « category »" in parsed.errors[0].message
    # Foodsoft's file is read by position: its header's words do not matter, a row without any unit is wrong
    parsed = parse(FOODSOFT_HEADER.replace("custom unit", "x1").replace("billing unit", "x2").replace("group order unit", "x3")
                   + "\nYes;A;Pain;;;;;;;;1;;5,5;;;Pain;;;\n")
    assert [(e.line, e.column) for e in parsed.errors] == [(2, "group order unit")]


def _xlsx_corrupt():
    return xlsx_bytes([["reference"]])[:300]


@pytest.mark.parametrize("data, name, word", [
    (b"", "a.csv", "vide"),
    (b"\n  \n;;\n", "a.csv", "vide"),
    ((CABAS_HEADER + "\n").encode(), "a.csv", "en-tête"),
    (b"reference;name\n\x81\x8d\x8f", "a.csv", "ni UTF-8"),
    (b"PK\x03\x04\x00\x00 pas un classeur", "a.csv", "pas un CSV"),
    (b"PK\x03\x04 pas un classeur", "a.xlsx", "illisible"),
    (_xlsx_corrupt(), "a.xlsx", "illisible"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 ancien xls", "a.xlsx", "illisible"),
    (CABAS.encode(), "a.xlsx", "illisible"),
    (CABAS.encode(), "a.ods", "CSV"),
    (CABAS.encode(), "a", "CSV"),
    (b"a;b\n1;2\n", "a.csv", "non reconnu"),
    (b"x" * (5 * 1024 * 1024 + 1), "a.csv", "5 Mo"),
])
def test_unreadable_files_give_one_file_level_error(data, name, word):
    parsed = parse_catalogue(data, name)
    assert parsed.rows == () and len(parsed.errors) == 1
    (error,) = parsed.errors
    assert (error.line, error.column) == (0, "") and word in error.message, error


def test_more_than_5000_rows_are_refused():
    body = "".join(f"R{i};Lait;Lait;l;1;;;;;;\n" for i in range(MAX_ROWS))
    assert len(parse(f"{CABAS_HEADER}\n{body}").rows) == MAX_ROWS
    parsed = parse(f"{CABAS_HEADER}\n{body}R;Lait;Lait;l;1;;;;;;\n")
    assert parsed.rows == () and "plus de 5000" in parsed.errors[0].message


# --- the diff ------------------------------------------------------------------------------------


def test_diff_new_changed_unchanged_withdrawn_comparing_decimals_by_value():
    rows = parse(CABAS + "BEU;Beurre;Lait;pièce;3;;;;;;\n").rows
    existing = {
        "LAIT1": {"name": "Lait cru", "category": "Lait", "unit": "l", "unit_price": D("1.350"), "vat_rate": D("5.50"),
                  "pack_size": D("6.000"), "order_step": D("1"), "min_total": None, "description": "Bouteille consignée",
                  "available": True},
        "BEU": {"name": "Beurre doux", "category": "Lait", "unit": "piece", "unit_price": D("2.90"), "vat_rate": D("5.5"),
                "pack_size": None, "order_step": None, "min_total": None, "description": None, "available": True},
        "OLD": {"name": "Ancien", "available": True},
        "GONE": {"name": "Déjà retiré", "available": False},
    }
    diff = diff_catalogue(rows, existing)
    assert [r.reference for r in diff.unchanged] == ["LAIT1"] and [r.reference for r in diff.new] == ["CAR"]
    ((butter, changes),) = diff.changed
    assert butter.reference == "BEU" and changes == {"name": ("Beurre doux", "Beurre"), "unit_price": (D("2.90"), D("3.00"))}
    assert diff.withdrawn == ("OLD",)


# --- purity --------------------------------------------------------------------------------------


def test_the_parser_imports_without_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "import sys, cabas.catalog.importing; assert not any(m.startswith('django') for m in sys.modules)"
    src = Path(__file__).resolve().parents[1] / "src"
    subprocess.run([sys.executable, "-c", code], cwd=src, env=env, check=True)


# --- Foodsoft's files as Foodsoft writes them (tests/data/foodsoft/README.md) --------------------------

FOODSOFT_DATA = Path(__file__).parent / "data" / "foodsoft"


def _products(parsed):
    return [(r.reference, r.name, r.category, r.unit, r.unit_price, r.vat_rate, r.pack_size, r.available, r.description)
            for r in parsed.rows]


@pytest.mark.parametrize("language", ["en", "fr", "nl", "de"])
def test_foodsoft_files_in_four_languages_give_the_same_products(language):
    parsed = parse_catalogue((FOODSOFT_DATA / f"articles_{language}.csv").read_bytes(), f"articles_{language}.csv")
    assert parsed.ok and parsed.format == "foodsoft" and not parsed.warnings
    assert _products(parsed) == [
        # 25 kg a bag, priced per kilogram: 1,80 × 1,055
        ("F-12", "Farine T80", "Céréales", "kg", D("1.90"), D("5.5"), D("25"), True,
         "Meule de pierre · Bretagne · Moulin de la Prée"),
        # 6 a box, 2,50 × 1,055 + 0,20 deposit; Foodsoft's translated « No »
        ("J-6", "Jus de pomme", "Boissons", "piece", D("2.84"), D("5.5"), D("6"), False, ""),
        # a custom unit only: the article is one box, ten of them a lot; « Œ » survives ISO-8859-15
        ("OE-6", "Œufs plein air", "Œufs", "piece", D("3.38"), D("5.5"), D("10"), True,
         "Unité de vente : boîte de 6 · Ille-et-Vilaine"),
        ("T-500", "Tomates", "Légumes", "piece", D("1.27"), D("5.5"), D("20"), True, "Unité de vente : 500 g"),
    ]


def test_foodsoft_older_layout_of_14_columns():
    parsed = parse_catalogue((FOODSOFT_DATA / "articles_old_en.csv").read_bytes(), "articles.csv")
    assert parsed.ok and parsed.format == "foodsoft"
    flour, juice, tomatoes = parsed.rows
    assert (flour.unit, flour.unit_price, flour.pack_size, flour.available) == ("kg", D("1.90"), D("25"), True)
    # « x »: taken off the list; a unit Cabas does not know is one article, a piece
    assert (juice.unit, juice.unit_price, juice.pack_size, juice.available) == ("piece", D("2.84"), D("6"), False)
    assert juice.description == "Unité de vente : 4x250ml"
    assert (tomatoes.unit, tomatoes.pack_size, tomatoes.description) == ("piece", D("20"), "Unité de vente : 500 g")


def test_foodsoft_is_recognised_by_its_shape_whatever_the_header_says():
    header = ";".join(f"col{i}" for i in range(18))
    parsed = parse(f"{header}\nYes;A;Pain;;pièce;;;;;;1.5;;5.5;;;Pain;;\nYes;B;Brioche;;pièce;;;;;;3;;5.5;;;Pain;;\n")
    assert parsed.ok and parsed.format == "foodsoft" and [r.unit_price for r in parsed.rows] == [D("1.58"), D("3.17")]
    # the same table without numbers where Foodsoft has its prices is not taken for Foodsoft's
    parsed = parse(f"{header}\nYes;A;Pain;;pièce;;;;;;un euro;;5.5;;;Pain;;\n")
    assert parsed.errors[0].line == 0 and "Format non reconnu" in parsed.errors[0].message
    # forced: a table of another width is refused, saying why
    parsed = parse("a;b;c\n1;2;3\n", format="foodsoft")
    assert "18 colonnes" in parsed.errors[0].message and "en a 3" in parsed.errors[0].message


def test_a_malformed_foodsoft_file_reports_every_row():
    parsed = parse_catalogue((FOODSOFT_DATA / "articles_de_errors.csv").read_bytes(), "artikel.csv")
    assert parsed.format == "foodsoft"
    assert [(e.line, e.column) for e in parsed.errors] == [
        (3, "group order unit"), (4, "net price"), (5, "category"), (5, "availability")]
    assert "Schubkarre" in parsed.errors[0].message and "« drei » : ce n'est pas un nombre" in parsed.errors[1].message


def test_open_food_network_file_in_the_template_s_own_layout():
    parsed = parse_catalogue((Path(__file__).parent / "data" / "ofn" / "products.csv").read_bytes(), "products.csv")
    assert parsed.ok and parsed.format == "ofn"
    assert [(r.reference, r.name, r.unit, r.unit_price, r.vat_rate, r.pack_size, r.available, r.producer_name)
            for r in parsed.rows] == [
        ("OFN-1", "Carottes – Botte 500 g", "kg", D("5.00"), D("5.5"), D("0.5"), True, "Ferme de la Prée"),
        # items named « douzaine »: 6 dozen at 3,60; on demand (« 1 ») although the stock is OFN's « - »
        ("OFN-2", "Oeufs", "dozen", D("0.60"), D("5.5"), D("6"), True, "Ferme de la Prée"),
        ("OFN-3", "Jus de pomme", "l", D("4.00"), D("5.5"), D("0.75"), False, "Ferme de la Prée"),  # 75 cl
        ("OFN-4", "Radis", "bunch", D("1.20"), D("5.5"), None, True, "Ferme de la Prée"),
    ]
