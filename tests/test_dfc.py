"""Data Food Consortium catalogues: the published JSON-LD, its expansion against the shipped context (no network),
the import through the same preview and all-or-nothing apply as the files, a round trip between two producers."""

import json
from decimal import Decimal as D
from importlib import resources
from pathlib import Path

import pytest
from django.urls import reverse
from pyld import jsonld

from cabas.catalog import dfc
from cabas.catalog.models import Product
from cabas.catalog.services import apply_import, preview_import
from cabas.core.errors import ActionError

DFC_B = "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#"


def sample() -> bytes:
    return resources.files("cabas.catalog.dfc").joinpath("sample_catalogue.jsonld").read_bytes()


def products(producer):
    return sorted((p.reference, p.name, p.unit, p.unit_price, p.vat_rate, p.is_active)
                  for p in Product.objects.filter(producer=producer))


def test_the_catalogue_round_trips_from_one_producer_to_another(world, client):
    Product.objects.filter(pk=world.milk.pk).update(reference="LAIT1")
    Product.objects.filter(pk=world.carrots.pk).update(reference="CAR", is_active=False, description="Sable")
    url = reverse("producer-catalogue", args=[world.club.slug, world.farm.pk])
    response = client.get(url)  # public, as the producer's page
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    assert document["@context"] == "https://www.datafoodconsortium.org"
    (enterprise,) = [n for n in document["@graph"] if n["@type"] == "dfc-b:Enterprise"]
    assert enterprise["dfc-b:name"] == "Ferme de la Prée" and len(enterprise["dfc-b:supplies"]) == 2
    assert all(node["@id"].startswith("http://testserver" + url) for node in document["@graph"])
    # it expands against the shipped context: the DFC's own IRIs
    expanded = dfc.expand(response.content)
    types = {t for node in expanded for t in node.get("@type", [])}
    assert {DFC_B + "Enterprise", DFC_B + "SuppliedProduct", DFC_B + "CatalogItem", DFC_B + "Offer"} <= types
    # imported as another producer: the same products, units, prices, rates and availability
    Product.objects.filter(producer=world.bakery).update(reference="")  # its own products are left alone
    preview = apply_import(world.bakery, response.content, "catalogue.jsonld")
    assert preview.parsed.format == "dfc" and len(preview.diff.new) == 2
    assert [p for p in products(world.bakery) if p[0]] == products(world.farm)
    assert Product.objects.get(producer=world.bakery, reference="CAR").description == "Sable"
    # imported again: nothing changes
    again = preview_import(world.bakery, response.content, "catalogue.jsonld")
    assert again.ok and not again.diff.new and not again.diff.changed and not again.diff.withdrawn


def test_the_sample_catalogue_as_an_ofn_hub_publishes_it():
    expanded = dfc.expand(sample())
    assert any(DFC_B + "CatalogItem" in node.get("@type", []) for node in expanded)
    parsed = dfc.parse_catalogue(sample())
    assert parsed.ok and parsed.format == "dfc"
    rows = {r.reference: r for r in parsed.rows}
    assert sorted(rows) == ["JUS-75", "OEUFS-6", "POM-500"]  # the product group is not a product
    apples, juice, eggs = rows["POM-500"], rows["JUS-75"], rows["OEUFS-6"]
    # 500 g at 1,60 €: 3,20 €/kg in 0,5 kg packs; its product type becomes its category
    assert (apples.unit, apples.unit_price, apples.pack_size, apples.category, apples.available) == \
        ("kg", D("3.20"), D("0.5"), "Fruit", True)
    # 75 cl at 3,00 €: 4,00 €/l; out of stock
    assert (juice.unit, juice.unit_price, juice.pack_size, juice.available) == ("l", D("4.00"), D("0.75"), False)
    # half a dozen at 2,10 €: 0,35 € an egg, 6 a box; no stock limit; linked from the product's side
    assert (eggs.unit, eggs.unit_price, eggs.pack_size, eggs.available, eggs.category) == \
        ("piece", D("0.35"), D("6"), True, "Catalogue DFC")


def test_no_context_is_fetched_from_the_network():
    with pytest.raises(jsonld.JsonLdError):
        dfc.document_loader("https://example.org/context.json")
    assert dfc.document_loader("http://static.datafoodconsortium.org/ontologies/context.json")["document"] == \
        dfc.shipped_context()
    parsed = dfc.parse_catalogue(sample().replace(b'"https://www.datafoodconsortium.org"',
                                                   b'"https://example.org/context.json"'))
    assert not parsed.ok and "contexte JSON-LD que Cabas ne connaît pas" in parsed.errors[0].message


@pytest.mark.parametrize("data, words", [
    (b"{pas du json", "pas un document JSON lisible"),
    (b'{"@context": {"@version": 3}, "@id": "x"}', "pas un JSON-LD valide pour le contexte DFC"),
    (b'{"@context": "https://www.datafoodconsortium.org", "@type": "dfc-b:Enterprise", "dfc-b:name": "X"}',
     "Aucun produit DFC"),
])
def test_a_malformed_document_is_refused_with_a_french_message(world, data, words):
    preview = preview_import(world.farm, data, "catalogue.jsonld")
    assert not preview.ok and preview.parsed.errors[0].line == 0 and words in preview.parsed.errors[0].message
    with pytest.raises(ActionError):
        apply_import(world.farm, data, "catalogue.jsonld")
    assert Product.objects.filter(producer=world.farm).count() == 2


def test_a_wrong_product_refuses_the_whole_catalogue_naming_it(world):
    bad = sample().replace(b'"dfc-b:value": "3.00"', b'"dfc-b:value": "trois"') \
                  .replace(b'"dfc-b:value": 2.1, "dfc-b:hasUnit": "dfc-m:Euro"', b'"dfc-b:value": 2.1, "dfc-b:hasUnit": "dfc-m:PoundSterling"')
    preview = preview_import(world.farm, bad, "catalogue.jsonld")
    messages = [e.message for e in preview.parsed.errors]
    assert len(messages) == 2 and "Produit « Jus de pomme » : prix « trois »" in messages[0]
    assert "prix en PoundSterling : Cabas compte en euros" in messages[1]
    with pytest.raises(ActionError):
        apply_import(world.farm, bad, "catalogue.jsonld")
    assert not Product.objects.filter(reference="POM-500").exists()


def test_a_malformed_foodsoft_file_is_refused_whole(world):
    data = (Path(__file__).parent / "data" / "foodsoft" / "articles_de_errors.csv").read_bytes()
    with pytest.raises(ActionError) as error:
        apply_import(world.farm, data, "artikel.csv")
    assert "Ligne 3" in str(error.value) and not Product.objects.filter(reference="F-12").exists()


def test_the_import_page_takes_a_dfc_catalogue(world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = login(world.coordinator).post(reverse("import-upload", args=[world.farm.pk]),
                                             {"file": SimpleUploadedFile("catalogue.jsonld", sample())})
    assert response.status_code == 200 and "Format dfc" in response.content.decode()
