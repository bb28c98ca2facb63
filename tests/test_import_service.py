"""Catalogue import through the service, the command and the page: preview, all or nothing, price history."""

import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

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


def test_an_imported_product_gets_a_step_people_can_hand_out(world):
    Product.objects.filter(pk=world.carrots.pk).update(reference="CAR", order_step=D("0.05"))
    text = (
        "reference;name;category;unit;unit_price;vat_rate;pack_size;order_step;min_total;description;available\n"
        "CAR;Carottes;Légumes;kg;2.10;5,5;;;;;\n"  # no step: the product keeps its own (50 g)
        "POI;Poireaux;Légumes;kg;3.20;;;;;;\n"  # a new one: its unit's, 100 g
        "HUI;Huile;Épicerie;l;7.50;;6;;;;\n"  # bottles of a litre, by 6
    )
    apply_import(world.farm, csv_bytes(text), "a.csv")
    steps = dict(Product.objects.filter(producer=world.farm).exclude(reference="").values_list("reference", "order_step"))
    assert steps == {"CAR": D("0.05"), "POI": D("0.1"), "HUI": D(1)}
    preview = preview_import(world.farm, csv_bytes(text.replace("POI;Poireaux;Légumes;kg;3.20;;;;", "POI;Poireaux;Légumes;kg;3.20;;;0,001;")),
                             "a.csv")
    assert not preview.ok and [e.line for e in preview.parsed.errors] == [3]
    assert "au moins 10 g" in preview.parsed.errors[0].message
