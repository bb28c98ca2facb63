"""Reading a producer's catalogue file, as plain Python (no Django import).

Three formats, told apart by their header row: Cabas' own, Foodsoft's article list and Open Food
Network's product import template (docs/import.md has the mapping). CSV (UTF-8 with or without BOM,
else Windows-1252; separated by ``;``, ``,`` or tabs) or XLSX (the first sheet). Every row is checked
and every problem reported with its line, its column and a message in French; the caller imports
nothing unless the whole file is valid.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from cabas.core.numbers import parse_decimal  # a decimal comma or point; no thousands separators here

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
CENT = Decimal("0.01")
FORMATS = ("cabas", "foodsoft", "ofn")

UNIT_ALIASES = {
    "kg": "kg", "kilo": "kg", "kilogramme": "kg", "kilogram": "kg",
    "g": "g", "gr": "g", "gramme": "g", "gram": "g",
    "l": "l", "litre": "l", "liter": "l", "lt": "l",
    "piece": "piece", "pièce": "piece", "pc": "piece", "pce": "piece", "unité": "piece", "unite": "piece", "unit": "piece",
    "st": "piece", "stk": "piece", "bouteille": "piece", "bottle": "piece", "pot": "piece", "item": "piece", "items": "piece",
    "bunch": "bunch", "botte": "bunch", "bouquet": "bunch",
    "dozen": "dozen", "douzaine": "dozen", "dz": "dozen",
}
YES = {"yes", "oui", "1", "true", "vrai", "x", "available", "disponible"}
NO = {"no", "non", "0", "false", "faux", "", "unavailable", "indisponible"}

CABAS_COLUMNS = ("reference", "name", "category", "unit", "unit_price", "vat_rate", "pack_size", "order_step", "min_total",
                 "description", "available")
CABAS_REQUIRED = ("reference", "name", "category", "unit", "unit_price")
FOODSOFT_COLUMNS = ("availability", "order number", "name", "supplier order unit", "custom unit", "unit ratios",
                    "minimum order quantity", "billing unit", "group order granularity", "group order unit", "net price",
                    "price unit", "vat", "deposit", "note", "category", "origin", "manufacturer", "id")
FOODSOFT_REQUIRED = ("name", "net price", "vat", "category")
OFN_COLUMNS = ("producer", "sku", "name", "display_name", "category", "description", "units", "unit_type",
               "variant_unit_name", "price", "on_hand", "available_on", "on_demand", "shipping_category", "tax_category")
OFN_REQUIRED = ("name", "category", "units", "price")
OFN_WEIGHT = {"g": ("kg", Decimal("0.001")), "kg": ("kg", Decimal(1)), "t": ("kg", Decimal(1000))}
OFN_VOLUME = {"ml": ("l", Decimal("0.001")), "l": ("l", Decimal(1)), "kl": ("l", Decimal(1000))}


@dataclass(frozen=True)
class ProductRow:
    line: int  # the line in the file (the header is line 1)
    reference: str
    name: str
    category: str
    unit: str  # kg, g, l, piece, bunch or dozen
    unit_price: Decimal  # incl. VAT, to the cent
    vat_rate: Decimal
    pack_size: Decimal | None
    order_step: Decimal | None
    min_total: Decimal | None
    description: str
    available: bool
    producer_name: str = ""  # only Open Food Network's files name it


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # the file's column, or "" for the whole row or file
    message: str


@dataclass(frozen=True)
class ParsedCatalogue:
    format: str
    rows: tuple[ProductRow, ...]
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class _Row:
    """One line of the file, its cells by lower-case header, collecting its own errors."""

    def __init__(self, line: int, cells: Mapping[str, str], errors: list, warnings: list):
        self.line, self.cells, self.errors, self.warnings = line, cells, errors, warnings

    def text(self, column: str, *, required: bool = False, limit: int = 200) -> str:
        value = (self.cells.get(column) or "").strip()
        if required and not value:
            self.error(column, "valeur obligatoire manquante.")
        if len(value) > limit:
            self.error(column, f"trop long ({len(value)} caractères, au plus {limit}).")
            value = value[:limit]
        return value

    def number(self, column: str, *, required: bool = False, positive: bool = False) -> Decimal | None:
        raw = (self.cells.get(column) or "").strip()
        if not raw:
            if required:
                self.error(column, "valeur obligatoire manquante.")
            return None
        value = parse_decimal(raw)
        if value is None:
            self.error(column, f"« {raw[:30]} » n'est pas un nombre (exemple : 2,50).")
            return None
        if value < 0 or (positive and value == 0):
            self.error(column, f"« {raw[:30]} » doit être {'positif' if positive else 'positif ou nul'}.")
            return None
        if value > Decimal("1000000"):
            self.error(column, f"« {raw[:30]} » est trop grand.")
            return None
        return value

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, f"{column.capitalize() if column else 'Ligne'} : {message}"))

    def warn(self, column: str, message: str) -> None:
        self.warnings.append(RowError(self.line, column, f"{column.capitalize() if column else 'Ligne'} : {message}"))


def unit_of(raw: str) -> str | None:
    """A unit word (kg, pièce, botte…), possibly after a quantity ("500 g", "1 kg")."""
    words = raw.strip().lower().split()
    if not words:
        return None
    if len(words) > 1 and parse_decimal(words[0]) is not None:
        words = words[1:]
    return UNIT_ALIASES.get(" ".join(words))


def _cells_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="strict")
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _cells_from_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else _cell_text(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _cell_text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")  # the float's shortest form, never its binary expansion
    return str(value)


def detect_format(headers: set[str]) -> str | None:
    if {"net price", "group order unit"} <= headers or {"net price", "order number"} <= headers:
        return "foodsoft"
    if {"unit_type", "variant_unit_name"} & headers and "price" in headers:
        return "ofn"
    if {"reference", "unit_price"} <= headers:
        return "cabas"
    return None


def parse_catalogue(data: bytes, filename: str, *, format: str | None = None) -> ParsedCatalogue:
    name = (filename or "").lower()
    fail = lambda message: ParsedCatalogue(format or "", (), (RowError(0, "", message),))  # noqa: E731
    if len(data) > MAX_BYTES:
        return fail("Le fichier dépasse 5 Mo.")
    try:
        if name.endswith(".csv") or name.endswith(".txt"):
            table = _cells_from_csv(data)
        elif name.endswith(".xlsx"):
            table = _cells_from_xlsx(data)
        else:
            return fail("Le fichier doit être un CSV (.csv) ou un classeur Excel (.xlsx).")
    except UnicodeDecodeError:
        return fail("Le fichier n'est pas un texte lisible (ni UTF-8 ni Windows-1252).")
    except csv.Error as error:
        return fail(f"Le CSV est mal formé : {error}.")
    except Exception:  # openpyxl raises many kinds of errors on a damaged or disguised file
        return fail("Le classeur Excel est illisible ou endommagé.")
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        return fail("Le fichier est vide.")
    headers = [h.strip().lower() for h in table[0]]
    chosen = format or detect_format(set(headers))
    if chosen not in FORMATS:
        return fail("Format non reconnu : la première ligne doit porter les noms de colonnes du format Cabas, "
                    "de la liste d'articles Foodsoft ou du modèle d'import Open Food Network.")
    if len(table) == 1:
        return fail("Le fichier ne contient que la ligne d'en-tête : aucun produit.")
    if len(table) - 1 > MAX_ROWS:
        return fail(f"Le fichier contient {len(table) - 1} lignes : au plus {MAX_ROWS} par import.")
    required = {"cabas": CABAS_REQUIRED, "foodsoft": FOODSOFT_REQUIRED, "ofn": OFN_REQUIRED}[chosen]
    missing = [c for c in required if c not in headers]
    if missing:
        return ParsedCatalogue(chosen, (), tuple(RowError(1, c, f"Colonne obligatoire absente : « {c} ».") for c in missing))
    reader = {"cabas": _cabas_row, "foodsoft": _foodsoft_row, "ofn": _ofn_row}[chosen]
    rows, errors, warnings = [], [], []
    seen: dict[str, int] = {}
    for index, cells in enumerate(table[1:], start=2):
        row = _Row(index, dict(zip(headers, cells)), errors, warnings)
        before = len(errors)
        product = reader(row)
        if product is None or len(errors) > before:
            continue
        if product.reference in seen:
            row.error("reference" if chosen == "cabas" else ("order number" if chosen == "foodsoft" else "sku"),
                      f"référence « {product.reference} » déjà donnée ligne {seen[product.reference]}.")
            continue
        seen[product.reference] = index
        rows.append(product)
    return ParsedCatalogue(chosen, tuple(rows), tuple(errors), tuple(warnings))


def _check_step(row: _Row, pack: Decimal | None, step: Decimal | None, column: str) -> None:
    if pack is not None and step is not None and pack % step:
        row.error(column, "le pas de commande doit diviser la taille du colis.")


def _available(row: _Row, column: str, *, blank: bool = True) -> bool:
    """Available unless the column says otherwise; ``blank`` is what an empty cell means."""
    raw = (row.cells.get(column) or "").strip().lower()
    if column not in row.cells:
        return True
    if raw == "":
        return blank
    if raw in YES:
        return True
    if raw in NO:
        return False
    row.error(column, f"« {raw[:20]} » : répondez oui ou non.")
    return blank


def _vat(row: _Row, column: str) -> Decimal:
    vat = row.number(column)
    if vat is None:
        if not (row.cells.get(column) or "").strip():
            return Decimal("5.5")
        return Decimal(0)
    if vat > 100:
        row.error(column, "un taux de TVA est compris entre 0 et 100.")
    return vat


def _cabas_row(row: _Row) -> ProductRow | None:
    unit_text = row.text("unit", required=True)
    unit = unit_of(unit_text) if unit_text else None
    if unit_text and unit is None:
        row.error("unit", f"unité « {unit_text[:20]} » inconnue (kg, g, l, pièce, botte, douzaine).")
    price = row.number("unit_price", required=True)
    pack, step = row.number("pack_size", positive=True), row.number("order_step", positive=True)
    _check_step(row, pack, step, "order_step")
    product = ProductRow(
        line=row.line, reference=row.text("reference", required=True, limit=60), name=row.text("name", required=True),
        category=row.text("category", required=True, limit=100), unit=unit or "", unit_price=(price or Decimal(0)).quantize(CENT),
        vat_rate=_vat(row, "vat_rate"), pack_size=pack, order_step=step, min_total=row.number("min_total"),
        description=row.text("description", limit=2000), available=_available(row, "available"),
    )
    if price is not None and price != price.quantize(CENT):
        row.error("unit_price", "un prix a au plus deux décimales.")
    return product


def _foodsoft_row(row: _Row) -> ProductRow | None:
    name = row.text("name", required=True)
    unit_text = row.text("group order unit") or row.text("custom unit") or row.text("billing unit")
    unit = unit_of(unit_text) if unit_text else None
    if unit is None:
        row.error("group order unit", f"unité « {unit_text[:20]} » inconnue (kg, g, l, pièce, botte, douzaine)."
                  if unit_text else "unité manquante (group order unit, custom unit ou billing unit).")
    net = row.number("net price", required=True)
    vat = _vat(row, "vat")
    deposit = row.number("deposit") or Decimal(0)
    price = None
    if net is not None:
        price = (net * (100 + vat) / 100 + deposit).quantize(CENT, rounding=ROUND_HALF_UP)
    pack = None
    ratios = (row.cells.get("unit ratios") or "").strip()
    if ratios:
        ratio = parse_decimal(ratios)
        if ratio is not None and ratio > 1:
            pack = ratio
        elif ratio is None:
            row.warn("unit ratios", f"« {ratios[:30]} » n'est pas lisible : le produit est importé sans colis.")
    step = row.number("group order granularity", positive=True)
    _check_step(row, pack, step, "group order granularity")
    minimum = row.number("minimum order quantity")
    description = " · ".join(v for v in (row.text("note", limit=1000), row.text("origin"), row.text("manufacturer")) if v)
    return ProductRow(
        line=row.line, reference=row.text("order number", limit=60) or name[:60], name=name,
        category=row.text("category", required=True, limit=100), unit=unit or "", unit_price=price or Decimal(0),
        vat_rate=vat, pack_size=pack, order_step=step, min_total=minimum if minimum else None,
        description=description, available=_available(row, "availability", blank=False),  # Foodsoft marks "x"
    )


def _ofn_row(row: _Row) -> ProductRow | None:
    name, display = row.text("name", required=True), row.text("display_name")
    units = row.number("units", required=True, positive=True)
    price = row.number("price", required=True)
    unit_type = row.text("unit_type").lower()
    if units is None or price is None:
        return None
    if unit_type in OFN_WEIGHT or unit_type in OFN_VOLUME:
        unit, factor = (OFN_WEIGHT | OFN_VOLUME)[unit_type]
        size = units * factor  # the variant's size in kg or l
        unit_price = (price / size).quantize(CENT, rounding=ROUND_HALF_UP)
        pack, step = None, size.normalize()  # sold by the variant's size, loose
    elif unit_type == "":
        unit = unit_of(row.text("variant_unit_name") or "piece") or "piece"
        unit_price = (price / units).quantize(CENT, rounding=ROUND_HALF_UP)
        pack = units if units > 1 else None
        step = None
        if units != units.to_integral_value():
            row.error("units", "un nombre d'articles est entier.")
    else:
        row.error("unit_type", f"« {unit_type[:10]} » : attendu g, kg, t, ml, l, kl ou vide (à l'unité).")
        return None
    tax = (row.cells.get("tax_category") or "").strip()
    vat = parse_decimal(tax.rstrip("%").strip()) if tax else None
    if vat is None:
        row.warn("tax_category", f"« {tax[:20]} » n'est pas un taux : TVA à 5,5 %." if tax else "TVA absente : 5,5 %.")
        vat = Decimal("5.5")
    on_demand = (row.cells.get("on_demand") or "").strip().lower() in YES
    on_hand = row.number("on_hand") or Decimal(0)
    reference = row.text("sku", limit=60) or f"{name} {display}".strip()[:60]
    return ProductRow(
        line=row.line, reference=reference, name=f"{name} – {display}" if display else name,
        category=row.text("category", required=True, limit=100), unit=unit, unit_price=unit_price, vat_rate=vat,
        pack_size=pack, order_step=step, min_total=None, description=row.text("description", limit=2000),
        available=on_demand or on_hand > 0, producer_name=row.text("producer"),
    )


# --- what an import would change ---------------------------------------------------------------------

COMPARED = ("name", "category", "unit", "unit_price", "vat_rate", "pack_size", "order_step", "min_total", "description", "available")


@dataclass(frozen=True)
class CatalogueDiff:
    new: tuple[ProductRow, ...]
    changed: tuple[tuple[ProductRow, dict], ...]  # the row and {field: (old, new)} of what differs
    unchanged: tuple[ProductRow, ...]
    withdrawn: tuple[str, ...]  # references in the catalogue, absent from the file


def diff_catalogue(rows, existing: Mapping[str, Mapping[str, object]]) -> CatalogueDiff:
    new, changed, unchanged = [], [], []
    for row in rows:
        current = existing.get(row.reference)
        if current is None:
            new.append(row)
            continue
        differences = {}
        for name in COMPARED:
            old, value = current.get(name), getattr(row, name)
            if isinstance(old, Decimal) and isinstance(value, Decimal):
                same = old == value
            else:
                same = old == value or (old in (None, "") and value in (None, ""))
            if not same:
                differences[name] = (old, value)
        (changed.append((row, differences)) if differences else unchanged.append(row))
    in_file = {row.reference for row in rows}
    withdrawn = tuple(sorted(ref for ref, current in existing.items() if ref not in in_file and current.get("available", True)))
    return CatalogueDiff(tuple(new), tuple(changed), tuple(unchanged), withdrawn)
