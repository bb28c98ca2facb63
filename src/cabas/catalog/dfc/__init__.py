"""A producer's catalogue as Data Food Consortium (DFC) JSON-LD, both ways, as plain Python (no Django import).

Writing: ``catalogue_document`` gives the dfc-b:Enterprise that supplies each dfc-b:SuppliedProduct and manages
its dfc-b:CatalogItem, offered through a dfc-b:Offer with its dfc-b:Price. Reading: ``parse_catalogue`` checks
the document with PyLD against the DFC context shipped beside this file (context_1.16.0.json, see NOTICE) and
gives the same rows, errors and warnings as the file imports (catalog.importing). No context is ever fetched:
the document loader serves the shipped one for the addresses the DFC uses for it, and refuses any other.
docs/import.md has the mapping, term by term.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from importlib import resources

from pyld import jsonld

from cabas.catalog.importing import CENT, DEFAULT_VAT, LARGEST, MAX_BYTES, MAX_ROWS, ParsedCatalogue, ProductRow, RowError

FORMAT = "dfc"
CONTEXT_URL = "https://www.datafoodconsortium.org"  # what OFN's catalogues name; always the latest context
# The addresses the DFC and its connectors use for the context (datafoodconsortium/connector-ruby), without
# their scheme: all of them are served the shipped file.
CONTEXT_ADDRESSES = {
    "www.datafoodconsortium.org", "www.datafoodconsortium.org/",
    "w3id.org/dfc/ontology/context/context_1.16.0.json",
    "www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context_1.16.0.jsonld",
    "www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context.jsonld",
    "static.datafoodconsortium.org/ontologies/context.json",
    "www.datafoodconsortium.org/ontologies/context.json",
}
MEDIA_TYPE = "application/ld+json"

# Cabas' units ↔ DFC measures (dfc-m, the DFC's measures taxonomy). Reading, a quantity of another size is
# converted: 500 dfc-m:Gram at 2,50 € is 5,00 €/kg sold by 0,5 kg.
UNIT_MEASURES = {"kg": "dfc-m:Kilogram", "g": "dfc-m:Gram", "l": "dfc-m:Litre", "piece": "dfc-m:Piece",
                 "bunch": "dfc-m:Bunch", "dozen": "dfc-m:Dozen"}
CABAS_UNITS = {measure: unit for unit, measure in UNIT_MEASURES.items()}
WEIGHTS = {"dfc-m:Milligram": Decimal("0.000001"), "dfc-m:Gram": Decimal("0.001"), "dfc-m:Kilogram": Decimal(1),
           "dfc-m:Tonne": Decimal(1000)}
VOLUMES = {"dfc-m:Millilitre": Decimal("0.001"), "dfc-m:Centilitre": Decimal("0.01"),
           "dfc-m:Decilitre": Decimal("0.1"), "dfc-m:Litre": Decimal(1)}
ITEMS = {"dfc-m:Piece": ("piece", 1), "dfc-m:Unit": ("piece", 1), "dfc-m:Bunch": ("bunch", 1),
         "dfc-m:Dozen": ("dozen", 1), "dfc-m:HalfDozen": ("piece", 6), "dfc-m:Pair": ("piece", 2)}
IMPERIAL = {"dfc-m:PoundMass", "dfc-m:Gallon"}
EURO = "dfc-m:Euro"
CATEGORY = "Catalogue DFC"  # a product without a dfc-b:hasType


# --- the shipped context --------------------------------------------------------------------------


@cache
def shipped_context() -> dict:
    """The DFC context document ({"@context": …}), read once from this package."""
    return json.loads(resources.files(__package__).joinpath("context_1.16.0.json").read_text(encoding="utf-8"))


def _address(url: str) -> str:
    return url.split("://", 1)[-1].split("#", 1)[0]


def document_loader(url: str, options=None) -> dict:
    """PyLD's document loader: the shipped DFC context for the DFC's addresses, nothing else (no network)."""
    if _address(url) in CONTEXT_ADDRESSES:
        return {"contentType": MEDIA_TYPE, "contextUrl": None, "documentUrl": url, "document": shipped_context()}
    raise jsonld.JsonLdError(f"Cabas only knows the DFC context, not {url}.", "jsonld.LoadDocumentError",
                             code="loading remote context failed")


def _options() -> dict:
    return {"documentLoader": document_loader}


# --- writing a catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueProduct:
    key: str  # stable within the catalogue (the product's id): the nodes' addresses end with it
    reference: str
    name: str
    description: str
    unit: str  # a Cabas unit
    unit_price: Decimal  # incl. VAT
    vat_rate: Decimal
    available: bool


def _number(value: Decimal) -> str:
    value = value.normalize()
    return format(value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value, "f")


def catalogue_document(url: str, producer_name: str, products: Iterable[CatalogueProduct]) -> dict:
    """The producer's catalogue as DFC JSON-LD; ``url`` is the catalogue's own address (the nodes' base). Prices
    and rates are written as decimal strings, never through a float."""
    enterprise = {"@id": f"{url}#producteur", "@type": "dfc-b:Enterprise", "dfc-b:name": producer_name,
                  "dfc-b:supplies": [], "dfc-b:manages": []}
    graph = [enterprise]
    for product in products:
        supplied, item, offer = (f"{url}#{kind}-{product.key}" for kind in ("produit", "article", "offre"))
        enterprise["dfc-b:supplies"].append(supplied)
        enterprise["dfc-b:manages"].append(item)
        graph.append({
            "@id": supplied, "@type": "dfc-b:SuppliedProduct", "dfc-b:name": product.name,
            "dfc-b:description": product.description,
            "dfc-b:hasQuantity": {"@type": "dfc-b:QuantitativeValue", "dfc-b:hasUnit": UNIT_MEASURES[product.unit],
                                  "dfc-b:value": "1"},
            "dfc-b:referencedBy": item,
        })
        catalog_item = {"@id": item, "@type": "dfc-b:CatalogItem", "dfc-b:references": supplied,
                        "dfc-b:sku": product.reference, "dfc-b:offeredThrough": offer}
        if not product.available:
            catalog_item["dfc-b:stockLimitation"] = "0"
        graph.append(catalog_item)
        graph.append({
            "@id": offer, "@type": "dfc-b:Offer", "dfc-b:offeredItem": item,
            "dfc-b:hasPrice": {"@type": "dfc-b:Price", "dfc-b:value": _number(product.unit_price.quantize(CENT)),
                               "dfc-b:hasUnit": EURO, "dfc-b:VATrate": _number(product.vat_rate)},
        })
    return {"@context": CONTEXT_URL, "@graph": graph}


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


# --- reading a catalogue --------------------------------------------------------------------------


class _Refused(Exception):
    """The document cannot be read as a DFC catalogue; the message says why, in French."""


def _nodes(data: bytes) -> dict[str, dict]:
    """The document's nodes by @id, flattened and compacted with the shipped context (so every publisher's
    spelling of a term, a prefix or a full IRI, reads the same)."""
    if len(data) > MAX_BYTES:
        raise _Refused("Le fichier dépasse 5 Mo.")
    try:  # numbers stay text: read as Decimal below, never as floats
        document = json.loads(data.decode("utf-8-sig"), parse_float=str, parse_int=str)
    except (UnicodeDecodeError, ValueError) as error:
        raise _Refused(f"Ce n'est pas un document JSON lisible ({error}).") from None
    if not isinstance(document, dict | list):
        raise _Refused("Ce n'est pas un document JSON-LD : un objet ou une liste est attendu.")
    try:
        flat = jsonld.flatten(document, CONTEXT_URL, _options())
    except jsonld.JsonLdError as error:
        code, words = _cause(error)
        if code in ("loading remote context failed", "loading document failed"):
            raise _Refused("Le document se réfère à un contexte JSON-LD que Cabas ne connaît pas : seul le contexte DFC "
                           f"({CONTEXT_URL}) est lu, sans passer par le réseau.") from None
        raise _Refused(f"Ce n'est pas un JSON-LD valide pour le contexte DFC ({code or 'erreur'} : {words}).") from None
    except Exception:  # PyLD raises plain errors on some malformed shapes
        raise _Refused("Ce n'est pas un JSON-LD valide pour le contexte DFC.") from None
    return {node["@id"]: node for node in flat.get("@graph", []) if isinstance(node, dict) and "@id" in node}


def _cause(error: BaseException) -> tuple[str, str]:
    """The code and the first words of the first error PyLD met (it wraps each in the next)."""
    while isinstance(error.__cause__ or error.__context__, jsonld.JsonLdError):
        error = error.__cause__ or error.__context__
    words = str(error.args[0] if error.args else "").splitlines()[0][:200]
    return getattr(error, "code", None) or "", words


def expand(data: bytes) -> list:
    """The document expanded against the shipped context (raises jsonld.JsonLdError when it does not)."""
    return jsonld.expand(json.loads(data, parse_float=str, parse_int=str), _options())


def _types(node: dict) -> set[str]:
    types = node.get("@type", [])
    return set(types if isinstance(types, list) else [types])


def _all(node: dict, term: str) -> list:
    value = node.get(term)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _id(value) -> str | None:
    if isinstance(value, dict):
        return value.get("@id")
    return value if isinstance(value, str) else None


def _text(node: dict, term: str) -> str:
    for value in _all(node, term):
        if isinstance(value, dict):
            value = value.get("@value")
        if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
            return str(value).strip()
    return ""


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _linked(nodes: dict, node: dict, term: str, kind: str) -> dict | None:
    for value in _all(node, term):
        target = nodes.get(_id(value) or "")
        if target is not None and kind in _types(target):
            return target
    return None


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def parse_catalogue(data: bytes) -> ParsedCatalogue:
    """Every dfc-b:SuppliedProduct that a dfc-b:CatalogItem lists, checked, as rows; never raises."""
    try:
        nodes = _nodes(data)
    except _Refused as error:
        return ParsedCatalogue(FORMAT, (), (RowError(0, "", str(error)),), ())
    products = [n for n in nodes.values() if "dfc-b:SuppliedProduct" in _types(n)]
    items = [n for n in nodes.values() if "dfc-b:CatalogItem" in _types(n)]
    if not products:
        return ParsedCatalogue(FORMAT, (), (RowError(0, "", "Aucun produit DFC (dfc-b:SuppliedProduct) dans ce "
                                                              "document : est-ce bien un catalogue DFC ?"),), ())
    if len(products) > MAX_ROWS:
        return ParsedCatalogue(FORMAT, (), (RowError(0, "", f"Le catalogue a plus de {MAX_ROWS} produits."),), ())
    listed: dict[str, list[dict]] = {}  # product's @id → the catalogue items that list it
    for item in items:
        for value in _all(item, "dfc-b:references"):
            listed.setdefault(_id(value) or "", []).append(item)
    for product in products:
        for value in _all(product, "dfc-b:referencedBy"):
            item = nodes.get(_id(value) or "")
            if item is not None and "dfc-b:CatalogItem" in _types(item) and item not in listed.get(product["@id"], []):
                listed.setdefault(product["@id"], []).append(item)
    rows, errors, warnings, seen = [], [], [], {}
    for position, product in enumerate(sorted(products, key=lambda n: n["@id"]), start=1):
        if product["@id"] not in listed:
            if _all(product, "dfc-b:hasVariant"):
                continue  # a product group (OFN's product above its variants): not sold itself
            warnings.append(RowError(position, "", f"Produit « {_text(product, 'dfc-b:name') or product['@id']} » : "
                                                   "aucun article de catalogue ne le propose, il est ignoré."))
            continue
        row = _product_row(nodes, position, product, listed[product["@id"]][0], errors, warnings)
        if row is None:
            continue
        if row.reference in seen:
            errors.append(RowError(position, "dfc-b:sku", f"Produit « {row.name} » : référence « {row.reference} » "
                                                          f"déjà donnée au produit {seen[row.reference]}."))
            continue
        seen[row.reference] = position
        rows.append(row)
    return ParsedCatalogue(FORMAT, tuple(rows), tuple(errors), tuple(warnings))


def _product_row(nodes: dict, position: int, product: dict, item: dict, errors: list,
                 warnings: list) -> ProductRow | None:
    name = _text(product, "dfc-b:name")
    shown = name or _local(product["@id"])
    failed = False

    def error(term: str, text: str) -> None:
        nonlocal failed
        failed = True
        errors.append(RowError(position, term, f"Produit « {shown} » : {text}"))

    if not name:
        error("dfc-b:name", "sans nom (dfc-b:name).")
    elif len(name) > 200:
        error("dfc-b:name", f"nom trop long ({len(name)} caractères, au plus 200).")
    reference = _text(item, "dfc-b:sku") or _text(product, "dfc-b:sku") or _local(product["@id"])
    if len(reference) > 60:
        error("dfc-b:sku", f"référence trop longue ({len(reference)} caractères, au plus 60).")
    description = _text(product, "dfc-b:description")[:2000]
    product_type = _id((_all(product, "dfc-b:hasType") or [None])[0])
    category = _local(product_type).replace("-", " ").replace("_", " ").capitalize() if product_type else CATEGORY
    offer = _linked(nodes, item, "dfc-b:offeredThrough", "dfc-b:Offer")
    price_node = _linked(nodes, offer, "dfc-b:hasPrice", "dfc-b:Price") if offer else None
    price, vat = None, DEFAULT_VAT
    if offer is None:
        error("dfc-b:offeredThrough", "aucune offre (dfc-b:Offer) pour son article de catalogue.")
    elif price_node is None:
        error("dfc-b:hasPrice", "son offre n'a pas de prix (dfc-b:hasPrice).")
    else:
        currency = _id((_all(price_node, "dfc-b:hasUnit") or [None])[0])
        price = _decimal(_text(price_node, "dfc-b:value"))
        if price is None or price < 0 or price > LARGEST:
            error("dfc-b:value", f"prix « {_text(price_node, 'dfc-b:value')} » : un nombre positif est attendu.")
            price = None
        if currency and currency != EURO:
            error("dfc-b:hasUnit", f"prix en {_local(currency)} : Cabas compte en euros (dfc-m:Euro).")
            price = None
        rate = _text(price_node, "dfc-b:VATrate")
        if not rate:
            warnings.append(RowError(position, "dfc-b:VATrate", f"Produit « {shown} » : taux de TVA absent, 5,5 % "
                                                                "appliqués."))
        else:
            vat = _decimal(rate)
            if vat is None or not 0 <= vat < 100 or vat != vat.quantize(CENT):
                error("dfc-b:VATrate", f"taux de TVA « {rate} » : entre 0 et 100, à deux décimales au plus.")
                vat = DEFAULT_VAT
    unit, size = _unit(nodes, product, error)
    unit_price = pack = None
    if price is not None and unit is not None:
        unit_price = (price / size).quantize(CENT, rounding=ROUND_HALF_UP)
        pack = size.normalize() if size != 1 else None
        if pack is not None and pack != pack.quantize(Decimal("0.001")):
            error("dfc-b:hasQuantity", "une quantité de moins d'un gramme ou d'un millilitre ne se vend pas ainsi.")
        if (unit_price * size).quantize(CENT, rounding=ROUND_HALF_UP) != price:
            warnings.append(RowError(position, "dfc-b:value", f"Produit « {shown} » : prix arrondi à "
                                                              f"{format(unit_price, 'f').replace('.', ',')} € l'unité."))
    stock = _decimal(_text(item, "dfc-b:stockLimitation") or "-1")
    available = stock is None or stock < 0 or stock > 0  # none or negative: unlimited
    if failed:
        return None
    return ProductRow(position, reference, name, category, unit, unit_price, vat, pack, None, None, description,
                      available)


def _unit(nodes: dict, product: dict, error) -> tuple[str | None, Decimal]:
    """The Cabas unit and how many of it one offered item holds, from dfc-b:hasQuantity (none: one piece)."""
    quantity = _linked(nodes, product, "dfc-b:hasQuantity", "dfc-b:QuantitativeValue")
    if quantity is None:
        return "piece", Decimal(1)
    return _measure(quantity, error)


def _measure(quantity: dict, error) -> tuple[str | None, Decimal]:
    measure = _id((_all(quantity, "dfc-b:hasUnit") or [None])[0]) or ""
    value = _decimal(_text(quantity, "dfc-b:value") or "1")
    if value is None or value <= 0 or value > LARGEST:
        error("dfc-b:value", f"quantité « {_text(quantity, 'dfc-b:value')} » : un nombre positif est attendu.")
        return None, Decimal(1)
    if value == 1 and measure in CABAS_UNITS:  # one Cabas unit: as it is
        return CABAS_UNITS[measure], Decimal(1)
    if measure in WEIGHTS:
        return "kg", value * WEIGHTS[measure]
    if measure in VOLUMES:
        return "l", value * VOLUMES[measure]
    if measure in ITEMS:
        unit, per = ITEMS[measure]
        if value != value.to_integral_value():
            error("dfc-b:value", f"{_french_number(value)} {_local(measure)} : un nombre d'articles est entier.")
            return None, Decimal(1)
        return unit, value * per
    if measure in IMPERIAL:
        error("dfc-b:hasUnit", f"unité {_local(measure)} : Cabas vend au kg, au litre ou à la pièce.")
        return None, Decimal(1)
    if not measure:
        return "piece", value  # a count without its unit
    return "piece", value  # a container (dfc-m:Bottle, dfc-m:Jar…): so many articles, each a piece


def _french_number(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")
