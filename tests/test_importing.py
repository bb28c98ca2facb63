"""Catalogue import: the three formats (pure parser), the preview and the all-or-nothing import."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from cabas.catalog.importing import diff_catalogue, parse_catalogue
from cabas.catalog.models import Category, PriceChange, Product
from cabas.catalog.services import apply_import, preview_import
from cabas.core.errors import ActionError

CABAS = (
    "reference;name;category;unit;unit_price;vat_rate;pack_size;order_step;min_total;description;available\n"
    "LAIT1;Lait cru;Lait;litre;1,35;5,5;6;1;;Bouteille consignée;oui\n"
    "CAR;Carottes;Légumes;kg;2.20;;;0,5;20;;\n"
)
FOODSOFT = (
    "availability;order number;name;supplier order unit;custom unit;unit ratios;minimum order quantity;billing unit;"
    "group order granularity;group order unit;net price;price unit;VAT;deposit;note;category;origin;manufacturer;id\n"
    "x;F-12;Farine T80;sac 25 kg;;25;;kg;1;kg;1,80;kg;5,5;;Meule de pierre;Céréales;Bretagne;Moulin;7\n"
    ";F-13;Jus de pomme;carton;;6;;pièce;1;pièce;2,50;pièce;5,5;0,20;;Boissons;;;8\n"
)
OFN = (
    "producer,sku,name,display_name,category,description,units,unit_type,variant_unit_name,price,on_hand,available_on,"
    "on_demand,shipping_category,tax_category\n"
    "Ferme de la Prée,OFN-1,Carottes,Botte 500 g,Légumes,,500,g,,2.50,10,,,,5.5\n"
    "Ferme de la Prée,OFN-2,Oeufs,,Oeufs,Plein air,6,,,3.60,0,,true,,\n"
)


def csv_bytes(text, encoding="utf-8"):
    return text.encode(encoding)


def test_cabas_format_with_decimal_commas():
    parsed = parse_catalogue(csv_bytes(CABAS), "catalogue.csv")
    assert parsed.ok and parsed.format == "cabas"
    milk, carrots = parsed.rows
    assert (milk.unit, milk.unit_price, milk.pack_size, milk.order_step, milk.available) == ("l", D("1.35"), D("6"), D("1"), True)
    assert (carrots.vat_rate, carrots.order_step, carrots.min_total, carrots.line) == (D("5.5"), D("0.5"), D("20"), 3)


def test_foodsoft_net_price_plus_vat_and_deposit():
    parsed = parse_catalogue(csv_bytes(FOODSOFT), "articles.csv")
    assert parsed.ok and parsed.format == "foodsoft"
    flour, juice = parsed.rows
    assert (flour.reference, flour.unit, flour.unit_price, flour.pack_size) == ("F-12", "kg", D("1.90"), D("25"))
    assert flour.description == "Meule de pierre · Bretagne · Moulin" and flour.available
    assert (juice.unit, juice.unit_price, juice.pack_size, juice.available) == ("piece", D("2.84"), D("6"), False)  # 2.50 × 1.055 + 0.20


def test_open_food_network_units_become_a_price_per_kg():
    parsed = parse_catalogue(csv_bytes(OFN), "ofn.csv")
    assert parsed.ok and parsed.format == "ofn"
    carrots, eggs = parsed.rows
    assert (carrots.name, carrots.unit, carrots.unit_price, carrots.order_step) == ("Carottes – Botte 500 g", "kg", D("5.00"), D("0.5"))
    assert (eggs.unit, eggs.unit_price, eggs.pack_size, eggs.available) == ("piece", D("0.60"), D("6"), True)  # on demand
    assert carrots.producer_name == "Ferme de la Prée"
    assert [w.column for w in parsed.warnings] == ["tax_category"]  # the eggs' missing VAT rate


def test_xlsx_numbers_are_read_as_decimals_never_floats():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["reference", "name", "category", "unit", "unit_price", "pack_size"])
    sheet.append(["P1", "Pommes", "Fruits", "kg", 2.3, None])
    sheet.append(["P2", "Jus", "Boissons", "pièce", 3.1, 6])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_catalogue(buffer.getvalue(), "Catalogue.XLSX")
    assert parsed.ok
    assert [(r.unit_price, r.pack_size) for r in parsed.rows] == [(D("2.30"), None), (D("3.10"), D("6"))]


def test_bom_and_windows_1252():
    assert parse_catalogue(b"\xef\xbb\xbf" + csv_bytes(CABAS), "a.csv").ok
    parsed = parse_catalogue(csv_bytes(CABAS, "cp1252"), "a.csv")
    assert parsed.ok and parsed.rows[1].category == "Légumes"


@pytest.mark.parametrize("line, column, word", [
    ("X1;;Lait;kg;1;;;;;;", "name", "obligatoire"),
    ("X1;Lait;Lait;kg;abc;;;;;;", "unit_price", "pas un nombre"),
    ("X1;Lait;Lait;kg;1 200,00;;;;;;", "unit_price", "pas un nombre"),
    ("X1;Lait;Lait;kg;-1;;;;;;", "unit_price", "positif"),
    ("X1;Lait;Lait;brouette;1;;;;;;", "unit", "inconnue"),
    ("X1;Lait;Lait;kg;1;150;;;;;", "vat_rate", "entre 0 et 100"),
    ("X1;Lait;Lait;kg;1;;5;2;;;", "order_step", "diviser"),
    ("X1;Lait;Lait;kg;1;;;;;;peut-être", "available", "oui ou non"),
    ("X1;Lait;Lait;kg;1,234;;;;;;", "unit_price", "deux décimales"),
])
def test_each_bad_value_is_reported_with_its_line_and_column(line, column, word):
    header = CABAS.splitlines()[0]
    parsed = parse_catalogue(csv_bytes(f"{header}\nOK;Beurre;Lait;pièce;3;;;;;;\n{line}\n"), "a.csv")
    assert not parsed.ok
    (error,) = parsed.errors
    assert (error.line, error.column) == (3, column) and word in error.message


def test_duplicates_missing_columns_and_unreadable_files():
    header = CABAS.splitlines()[0]
    parsed = parse_catalogue(csv_bytes(f"{header}\nA;Lait;Lait;l;1;;;;;;\nA;Lait 2;Lait;l;1;;;;;;\n"), "a.csv")
    assert [(e.line, "déjà donnée ligne 2" in e.message) for e in parsed.errors] == [(3, True)]
    parsed = parse_catalogue(b"reference;unit_price;name\nA;1;B\n", "a.csv")
    assert {e.column for e in parsed.errors} == {"category", "unit"}
    for data, name, word in [(b"", "a.csv", "vide"), (csv_bytes(CABAS.splitlines()[0] + "\n"), "a.csv", "en-tête"),
                             (b"PK\x03\x04 pas un classeur", "a.xlsx", "illisible"), (b"a;b\n1;2\n", "a.csv", "non reconnu"),
                             (b"x", "a.pdf", "CSV")]:
        parsed = parse_catalogue(data, name)
        assert not parsed.ok and word in parsed.errors[0].message, (name, parsed.errors)


def test_diff_compares_decimals_by_value():
    rows = parse_catalogue(csv_bytes(CABAS), "a.csv").rows
    existing = {
        "LAIT1": {"name": "Lait cru", "category": "Lait", "unit": "l", "unit_price": D("1.350"), "vat_rate": D("5.50"),
                  "pack_size": D("6.000"), "order_step": D("1"), "min_total": None, "description": "Bouteille consignée",
                  "available": True},
        "OLD": {"name": "Ancien", "available": True},
        "GONE": {"name": "Déjà retiré", "available": False},
    }
    diff = diff_catalogue(rows, existing)
    assert [r.reference for r in diff.unchanged] == ["LAIT1"] and [r.reference for r in diff.new] == ["CAR"]
    assert diff.withdrawn == ("OLD",)


def test_importing_is_all_or_nothing_and_keeps_the_price_history(world):
    Product.objects.filter(pk=world.milk.pk).update(reference="LAIT1")
    Product.objects.filter(pk=world.carrots.pk).update(reference="OLD")
    bad = CABAS + "X;;Lait;kg;1;;;;;;\n"
    assert not preview_import(world.farm, csv_bytes(bad), "a.csv").ok
    with pytest.raises(ActionError) as error:
        apply_import(world.farm, csv_bytes(bad), "a.csv")
    assert "Ligne 4" in str(error.value)
    assert Product.objects.filter(producer=world.farm).count() == 2 and not PriceChange.objects.exists()
    preview = preview_import(world.farm, csv_bytes(CABAS), "a.csv")
    assert [r.reference for r in preview.diff.new] == ["CAR"] and preview.diff.withdrawn == ("OLD",)
    assert preview.diff.changed[0][1]["unit_price"] == (D("1.30"), D("1.35"))
    apply_import(world.farm, csv_bytes(CABAS), "a.csv")
    world.milk.refresh_from_db(), world.carrots.refresh_from_db()
    assert world.milk.unit_price == D("1.35") and world.milk.pack_size == D("6") and not world.carrots.is_active
    new = Product.objects.get(producer=world.farm, reference="CAR")
    assert new.category == Category.objects.get(name="Légumes") and new.min_total == D("20")
    assert set(PriceChange.objects.values_list("product_id", "unit_price")) == {(world.milk.pk, D("1.35")), (new.pk, D("2.20"))}


def test_the_producer_column_must_name_this_producer(world):
    preview = preview_import(world.bakery, csv_bytes(OFN), "ofn.csv")
    assert not preview.ok and all("n'est pas Fournil du Bourg" in e.message for e in preview.parsed.errors)


def test_the_command_prints_the_preview_and_refuses_a_bad_file(world, tmp_path):
    good, bad = tmp_path / "ok.csv", tmp_path / "ko.csv"
    good.write_bytes(csv_bytes(CABAS))
    bad.write_bytes(csv_bytes(CABAS + "X;Lait;Lait;kg;abc;;;;;;\n"))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import-products", "--producer", str(world.farm.pk), str(bad), stdout=out, stderr=err)
    assert "Ligne 4" in err.getvalue() and not Product.objects.filter(reference="CAR").exists()
    call_command("import-products", "--producer", str(world.farm.pk), "--dry-run", str(good), stdout=out)
    assert "2 nouveaux" in out.getvalue() and not Product.objects.filter(reference="CAR").exists()
    call_command("import-products", "--producer", str(world.farm.pk), str(good), stdout=out)
    assert Product.objects.filter(producer=world.farm, reference="CAR").exists()
    with pytest.raises(CommandError, match="Aucun producteur"):
        call_command("import-products", "--producer", "99999999999999999999", str(good), stdout=out)


def test_the_import_page_previews_then_applies_once(world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from cabas.catalog.models import CatalogueImport

    url = reverse("import-upload", args=[world.farm.pk])
    assert login(world.group_coordinator_a).get(url).status_code == 403
    client = login(world.coordinator)
    response = client.post(url, {"file": SimpleUploadedFile("ko.csv", csv_bytes(CABAS + "X;Lait;Lait;kg;abc;;;;;;\n"))})
    assert response.status_code == 400 and "rien ne sera importé" in response.content.decode()
    assert not CatalogueImport.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("ok.csv", csv_bytes(CABAS))})
    assert response.status_code == 200 and "2 nouveaux" in response.content.decode()
    assert not Product.objects.filter(reference="CAR").exists()  # a preview writes no product
    pending = CatalogueImport.objects.get()
    client.post(reverse("import-apply", args=[pending.pk]))
    client.post(reverse("import-apply", args=[pending.pk]))  # twice: imported once
    assert Product.objects.filter(producer=world.farm, reference="CAR").count() == 1
    assert CatalogueImport.objects.get().applied_at is not None
