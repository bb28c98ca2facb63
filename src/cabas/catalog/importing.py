"""Reading a producer's catalogue file, as plain Python (no Django import: this module is importable
without settings).

Three formats: Cabas' own and Open Food Network's product import template, told by their header row, and
Foodsoft's article list, told by its shape (it is read by position, its header in any language). CSV (UTF-8
with or without BOM, UTF-16 with BOM, else Windows-1252; separated by ``;``, ``,`` or tabs) or XLSX (the first sheet). Every row is checked and every problem
reported with its line, its column and a message in French for the coordinator; the caller imports
nothing unless the whole file is valid. docs/import.md has the column-by-column mapping.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings as _warnings
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from cabas.core.numbers import parse_decimal  # a decimal comma or point; no thousands separators, no exponent

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 100  # of an XLSX sheet; the formats have at most 19
FORMATS = ("cabas", "foodsoft", "ofn")
UNITS = ("kg", "g", "l", "piece", "bunch", "dozen")
CENT = Decimal("0.01")
DEFAULT_VAT = Decimal("5.5")
LARGEST = Decimal(1_000_000)  # above it, a price or a quantity is a typing error

# --- the result -----------------------------------------------------------------------------------


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
    line: int  # 0 for the whole file
    column: str  # the file's column (lower case), or "" for the whole row or file
    message: str  # in French, for a coordinator


@dataclass(frozen=True)
class ParsedCatalogue:
    format: str  # "cabas", "foodsoft" or "ofn"; "" when the file could not be read or recognised
    rows: tuple[ProductRow, ...]  # the rows without any error
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- units ----------------------------------------------------------------------------------------

UNIT_ALIASES = {
    "kg": "kg", "kilo": "kg", "kilogramme": "kg", "kilogram": "kg", "kilogramm": "kg",
    "g": "g", "gr": "g", "gramme": "g", "gram": "g", "gramm": "g",
    "l": "l", "lt": "l", "litre": "l", "liter": "l",
    "piece": "piece", "pièce": "piece", "pc": "piece", "pcs": "piece", "pce": "piece", "unité": "piece",
    "unite": "piece", "unit": "piece", "item": "piece", "st": "piece", "stk": "piece", "stück": "piece",
    "stuk": "piece", "eenheid": "piece", "einheit": "piece",
    "bunch": "bunch", "botte": "bunch", "bouquet": "bunch", "bund": "bunch", "bos": "bunch",
    # Foodsoft's French name for the UN/ECE unit « bunch » (XBH) is « Confédération »
    "confédération": "bunch",
    "dozen": "dozen", "douzaine": "dozen", "dz": "dozen", "dutzend": "dozen",
}
# Only to convert a price or a ratio between units; none of them is a Cabas unit.
MEASURES = {
    "kg": ("masse", Decimal(1000)), "g": ("masse", Decimal(1)), "t": ("masse", Decimal(1_000_000)),
    "tonne": ("masse", Decimal(1_000_000)), "l": ("volume", Decimal(1000)), "ml": ("volume", Decimal(1)),
    "millilitre": ("volume", Decimal(1)), "milliliter": ("volume", Decimal(1)), "cl": ("volume", Decimal(10)),
    "centilitre": ("volume", Decimal(10)), "centiliter": ("volume", Decimal(10)), "zentiliter": ("volume", Decimal(10)),
    "hectogram": ("masse", Decimal(100)), "hectogramme": ("masse", Decimal(100)), "hektogramm": ("masse", Decimal(100)),
}
UNIT_NAMES = "kg, g, l, pièce, botte ou douzaine"
UNIT_LABELS = {"kg": "kg", "g": "g", "l": "litre", "piece": "pièce", "bunch": "botte", "dozen": "douzaine"}
_QUANTITY = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(\D.*)$")


def unit_word(text: str) -> str | None:
    """The Cabas unit a word names (« Pièces » → piece, « litre » → l), or None."""
    word = " ".join(text.lower().split()).rstrip(".")
    for candidate in (word, word[:-1] if word.endswith("s") else None, word[:-2] if word.endswith("es") else None):
        if candidate and candidate in UNIT_ALIASES:
            return UNIT_ALIASES[candidate]
    return None


def split_quantity(text: str) -> tuple[Decimal | None, str]:
    """« 500 g » → (500, "g"); « kg » → (None, "kg")."""
    text = " ".join(text.split())
    match = _QUANTITY.match(text)
    if match is None:
        return None, text
    return parse_decimal(match.group(1)), match.group(2).strip()


def _measure(text: str) -> tuple[str, Decimal] | None:
    """The dimension and the size, in g or ml, of « 500 g », « kilogram », « 75 cl »; None for items."""
    quantity, word = split_quantity(text)
    word = " ".join(word.lower().split()).rstrip(".")
    base = unit_word(word)
    found = MEASURES.get(base or "") or MEASURES.get(word) or (MEASURES.get(word[:-1]) if word.endswith("s") else None)
    if found is None:
        return None
    return found[0], found[1] * (quantity if quantity is not None else 1)


def _unit_key(text: str) -> str:
    """A unit's name made comparable: « Kilogram » and « kg » are both "kg"; « 500 g » is "500 g"."""
    quantity, word = split_quantity(text)
    name = unit_word(word) or " ".join(word.lower().split()).rstrip(".")
    return name if quantity is None or quantity == 1 else f"{_plain(quantity)} {name}"


def _plain(value: Decimal) -> Decimal:
    """0.500 → 0.5 and 1000 stays 1000 (never 1E+3)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def _french(value: Decimal) -> str:
    return format(_plain(value), "f").replace(".", ",")


def _euros(value: Decimal) -> str:
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f").replace(".", ",")


# --- reading the file -----------------------------------------------------------------------------


class _Unreadable(Exception):
    """The file cannot be read as a table; the message says why, in French."""


def _decode(data: bytes, single_byte: str = "cp1252") -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise _Unreadable("Le fichier n'est pas un texte lisible (UTF-16 endommagé).") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(single_byte)
    except UnicodeDecodeError:
        raise _Unreadable("Le fichier n'est pas un texte lisible : ni UTF-8, ni Windows-1252.") from None


def _single_byte(data: bytes) -> bool:
    """Whether the text is neither UTF-8 nor UTF-16 (then it was read as Windows-1252)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return True
    return False


def _csv_rows(data: bytes, single_byte: str = "cp1252") -> Generator[tuple[int, list[str]], None, None]:
    text = _decode(data, single_byte)
    if "\x00" in text:
        raise _Unreadable("Le fichier n'est pas un CSV (est-ce un classeur Excel ? Il doit alors finir par .xlsx).")
    header = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";\t,", key=header.count)  # the one the header uses most; ";" when it has none
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            yield previous + 1, cells  # the line the record starts on (a quoted cell may span lines)
            previous = reader.line_num
    except csv.Error:
        raise _Unreadable(f"Le CSV est mal formé vers la ligne {reader.line_num} (une case démesurée ou des "
                          "guillemets mal fermés ?).") from None


def _xlsx_rows(data: bytes) -> Generator[tuple[int, list[str]], None, None]:
    import openpyxl  # only for XLSX files

    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged file, an old .xls, a CSV renamed: openpyxl raises many kinds of errors
        raise _Unreadable("Le classeur Excel est illisible ou endommagé (un ancien .xls ? Enregistrez-le en .xlsx "
                          "ou en CSV).") from None
    try:
        if not book.worksheets:
            return
        for counter, cells in enumerate(book.worksheets[0].iter_rows(max_col=MAX_COLUMNS), start=1):
            if counter > 10 * MAX_ROWS:  # styled but empty rows by the hundred thousand
                raise _Unreadable(f"La feuille a plus de {10 * MAX_ROWS} lignes, même vides : copiez les produits "
                                  "dans un nouveau classeur.")
            line = next((c.row for c in cells if getattr(c, "row", None)), counter)
            yield line, [_cell_text(c.value, getattr(c, "number_format", None)) for c in cells]
    except _Unreadable:
        raise
    except Exception:
        raise _Unreadable("Le classeur Excel est illisible ou endommagé.") from None
    finally:
        book.close()


def _cell_text(value, number_format) -> str:
    """An XLSX cell as the text a person would have typed; numbers through Decimal(str(…)), never float."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if not number.is_finite():
            return str(value)
        if number_format and "%" in number_format:  # 5,5 % is stored as 0.055
            number *= 100
        return format(_plain(number), "f")
    return str(value)


def _table(data: bytes, filename: str, single_byte: str = "cp1252") -> list[tuple[int, list[str]]]:
    """The file's non-empty rows with their line numbers; at most the header and MAX_ROWS + 1 rows."""
    name = (filename or "").lower().strip()
    if name.endswith(".csv"):
        rows = _csv_rows(data, single_byte)
    elif name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        raise _Unreadable("Le fichier doit être un CSV (.csv) ou un classeur Excel (.xlsx).")
    table = []
    try:
        for line, cells in rows:
            if any(cell.strip() for cell in cells):
                table.append((line, cells))
                if len(table) > MAX_ROWS + 1:  # the header and one row too many: enough to refuse
                    break
    finally:
        rows.close()  # closes the workbook now, even when the file is refused halfway
    return table


# --- formats --------------------------------------------------------------------------------------

REQUIRED = {
    "cabas": ("reference", "name", "category", "unit", "unit_price"),
    "ofn": ("name", "category", "units", "unit_type", "price"),
}
# The columns only one format has: the header's format is the one it shares the most of them with. Foodsoft's
# files are not told by their header (it is in the exporting coop's language) but by their shape: see
# foodsoft_layout.
SIGNATURES = {
    "cabas": {"reference", "unit", "unit_price", "vat_rate", "pack_size", "order_step", "min_total", "available"},
    "ofn": {"producer", "sku", "display_name", "units", "unit_type", "variant_unit_name", "price", "on_hand",
            "available_on", "on_demand", "shipping_category", "tax_category"},
}
# Foodsoft reads and writes its article file by position (lib/foodsoft_file.rb, lib/articles_csv.rb); the names
# here are Cabas' own, for its messages. Since 2024 (« extended units »): 18 columns, then Foodsoft's id under its
# address. Before: 14 columns, two of them reserved (always empty).
FOODSOFT_COLUMNS = (
    "availability", "order number", "name", "supplier order unit", "custom unit", "unit ratios",
    "minimum order quantity", "billing unit", "group order granularity", "group order unit", "net price", "price unit",
    "vat", "deposit", "note", "category", "origin", "manufacturer",
)
FOODSOFT_OLD_COLUMNS = (
    "status", "order number", "name", "note", "manufacturer", "origin", "custom unit", "net price", "vat", "deposit",
    "unit quantity", "", "", "category",
)
FOODSOFT_UNITS = ("group order unit", "custom unit", "billing unit")
# Foodsoft's own headers for its net price and VAT columns (activerecord.attributes.article.price and .tax in its
# en, fr, nl and de locales; « prijs ex btw » and « btw (%) » in older files): with them, a file is Foodsoft's even
# when its first rows are wrong.
FOODSOFT_PRICE_HEADERS = {"price (net)", "prix ht", "nettoprijs", "nettopreis", "prijs ex btw", "net price"}
FOODSOFT_VAT_HEADERS = {"vat", "tva", "btw", "mwst", "btw (%)"}
LABELS = {  # how messages name a column
    "reference": "Référence", "name": "Nom", "category": "Catégorie", "unit": "Unité", "unit_price": "Prix",
    "vat_rate": "TVA", "pack_size": "Colis", "order_step": "Pas de commande", "min_total": "Seuil",
    "description": "Description", "available": "Disponible",
    "availability": "Disponibilité", "status": "Statut", "order number": "Référence",
    "supplier order unit": "Unité fournisseur", "custom unit": "Unité", "unit ratios": "Contenu",
    "unit quantity": "Unités par lot", "minimum order quantity": "Quantité minimale",
    "billing unit": "Unité de facturation", "group order granularity": "Pas de commande",
    "group order unit": "Unité de commande", "net price": "Prix HT", "price unit": "Unité de prix", "vat": "TVA",
    "deposit": "Consigne", "note": "Note", "origin": "Origine", "manufacturer": "Fabricant",
    "producer": "Producteur", "sku": "Référence", "display_name": "Nom affiché", "units": "Quantité",
    "unit_type": "Type d'unité", "variant_unit_name": "Nom de l'unité", "price": "Prix", "on_hand": "Stock",
    "on_demand": "Sur commande", "tax_category": "TVA",
}
YES = {"yes", "oui", "1", "true", "vrai", "x", "available", "disponible"}
NO = {"no", "non", "0", "false", "faux", "unavailable", "indisponible"}
# Foodsoft writes its translated « Yes » / « No »; its own upload reads "x" as « skip this article ».
FOODSOFT_YES = {"yes", "oui", "ja", "si", "sí", "1", "true", "vrai", "available", "disponible"}
FOODSOFT_NO = {"no", "non", "nein", "nee", "0", "false", "faux", "x", "unavailable", "indisponible"}
# Open Food Network's unit types (app/models/product_import/unit_converter.rb): its imperial ones (oz, lb, gal) are
# refused, as is mg (no variant of Cabas weighs less than a gram).
OFN_MEASURES = {"g": ("kg", Decimal("0.001")), "kg": ("kg", Decimal(1)), "t": ("kg", Decimal(1000)),
                "ml": ("l", Decimal("0.001")), "cl": ("l", Decimal("0.01")), "dl": ("l", Decimal("0.1")),
                "l": ("l", Decimal(1)), "kl": ("l", Decimal(1000))}
OFN_ITEMS = {"", "items", "item"}


def detect_format(headers: Iterable[str]) -> str | None:
    """The named format (Cabas', Open Food Network's) whose own columns the header has most of (at least two),
    or None."""
    headers = set(headers)
    scores = sorted(((len(headers & columns), name) for name, columns in SIGNATURES.items()), reverse=True)
    (best, name), (second, _) = scores[0], scores[1]
    return name if best >= 2 and best > second else None


def _width(cells: list[str]) -> int:
    """How many columns a row has, not counting empty cells at its end."""
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _is_number(text: str) -> bool:
    return parse_decimal(text.removesuffix("%").strip()) is not None


def foodsoft_layout(table: list[tuple[int, list[str]]], *, forced: bool = False) -> tuple[str, ...] | None:
    """Foodsoft's columns when the table has the shape of one of its article files, whatever the header's
    language: 18 columns (19 with Foodsoft's id) or 14, a header of words where the prices are, and at least half
    of the first 20 rows with a number for the net price and a number or nothing for the VAT (the old layout: its
    two reserved columns empty). ``forced``: only the column count is checked."""
    header = table[0][1]
    width = _width(header)
    if width in (18, 19):
        columns, price, vat, empty = FOODSOFT_COLUMNS, 10, 12, ()
    elif width == 14:
        columns, price, vat, empty = FOODSOFT_OLD_COLUMNS, 7, 8, (11, 12)
    else:
        return None
    if forced:
        return columns
    if _is_number(_cell(header, price)) or not _cell(header, 2) or _is_number(_cell(header, 2)):
        return None
    if _header(_cell(header, price)) in FOODSOFT_PRICE_HEADERS and _header(_cell(header, vat)) in FOODSOFT_VAT_HEADERS:
        return columns
    sample = [cells for _, cells in table[1:21]]
    fitting = sum(1 for cells in sample if _is_number(_cell(cells, price))
                  and (not _cell(cells, vat) or _is_number(_cell(cells, vat)))
                  and not any(_cell(cells, index) for index in empty))
    return columns if sample and 2 * fitting >= len(sample) else None


def _header(cell: str) -> str:
    return " ".join(cell.split()).lower()


class _Row:
    """One line of the file: its cells by column, reporting its own errors and warnings."""

    def __init__(self, line: int, cells: Mapping[str, str], errors: list, warnings: list):
        self.line, self.cells, self._errors, self._warnings = line, cells, errors, warnings
        self.failed = False
        self.reference, self.reference_column = "", ""

    def raw(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def _message(self, column: str, value: str | None, text: str) -> str:
        label = LABELS.get(column, column.capitalize()) if column else "Ligne"
        if value:
            shown = value if len(value) <= 40 else value[:39] + "…"
            return f"{label} « {shown} » : {text}"
        return f"{label} : {text}"

    def error(self, column: str, value: str | None, text: str) -> None:
        self.failed = True
        self._errors.append(RowError(self.line, column, self._message(column, value, text)))

    def warn(self, column: str, value: str | None, text: str) -> None:
        self._warnings.append(RowError(self.line, column, self._message(column, value, text)))

    def text(self, column: str, *, required: bool = False, limit: int = 200) -> str:
        value = self.raw(column)
        if required and not value:
            self.error(column, None, "obligatoire, la case est vide.")
        elif len(value) > limit:
            self.error(column, None, f"trop long ({len(value)} caractères, au plus {limit}).")
        return value

    def number(self, column: str, *, required: bool = False, positive: bool = False, places: int | None = None,
               percent: bool = False) -> Decimal | None:
        """The cell's number (decimal comma or point), or None when empty or wrong (then reported)."""
        raw = self.raw(column)
        if not raw:
            if required:
                self.error(column, None, "obligatoire, la case est vide.")
            return None
        value = parse_decimal(raw.removesuffix("%").strip() if percent else raw)
        if value is None:
            self.error(column, raw, "ce n'est pas un nombre (écrivez par exemple 2,50 : une virgule ou un point "
                                    "décimal, sans séparateur de milliers).")
        elif value < 0 or (positive and value == 0):
            self.error(column, raw, "doit être supérieur à zéro." if positive else "ne peut pas être négatif.")
        elif value > LARGEST:
            self.error(column, raw, "trop grand.")
        elif places is not None and value != value.quantize(Decimal(1).scaleb(-places)):
            self.error(column, raw, f"au plus {places} décimale{'s' if places > 1 else ''}.")
        else:
            return value
        return None

    def boolean(self, column: str, *, blank: bool, yes=YES, no=NO) -> bool:
        """Yes or no; ``blank`` is what an empty cell (or a missing column) means."""
        raw = self.raw(column)
        if raw.lower() in yes:
            return True
        if raw.lower() in no:
            return False
        if raw:
            self.error(column, raw, "répondez oui ou non.")
        return blank

    def vat(self, column: str, *, warn_when_blank: bool) -> Decimal:
        value = self.number(column, places=2, percent=True)
        if value is None:  # empty, or wrong and already reported
            if warn_when_blank and not self.raw(column):
                self.warn(column, None, "taux absent : 5,5 % appliqués.")
            return DEFAULT_VAT
        if value >= 100:
            self.error(column, self.raw(column), "un taux de TVA est compris entre 0 et 100.")
        return value

    def check_step(self, column: str, pack: Decimal | None, step: Decimal | None) -> None:
        if pack is not None and step is not None and pack % step:
            self.error(column, _french(step), f"le pas de commande doit diviser la taille du colis ({_french(pack)}).")

    def price_rounding(self, column: str, price: Decimal, unit_price: Decimal, size: Decimal, unit: str) -> None:
        """A warning when the unit price, rounded to the cent, no longer gives the file's price exactly."""
        back = (unit_price * size).quantize(CENT, rounding=ROUND_HALF_UP)
        if back != price:
            self.warn(column, _french(price), f"arrondi à {_euros(unit_price)} € par {UNIT_LABELS[unit]} : "
                                             f"la variante coûtera {_euros(back)} €.")


# --- the three formats ----------------------------------------------------------------------------


def _cabas_row(row: _Row) -> ProductRow | None:
    row.reference, row.reference_column = row.text("reference", required=True, limit=60), "reference"
    name = row.text("name", required=True)
    category = row.text("category", required=True, limit=100)
    unit_text, unit = row.raw("unit"), None
    if not unit_text:
        row.error("unit", None, "obligatoire, la case est vide.")
    else:
        unit = unit_word(unit_text)
        if unit is None:
            row.error("unit", unit_text, f"unité inconnue ({UNIT_NAMES}).")
    price = row.number("unit_price", required=True, places=2)
    vat = row.vat("vat_rate", warn_when_blank=False)
    pack = row.number("pack_size", positive=True, places=3)
    step = row.number("order_step", positive=True, places=3)
    row.check_step("order_step", pack, step)
    minimum = row.number("min_total", places=3)
    description = row.text("description", limit=2000)
    available = row.boolean("available", blank=True)
    if row.failed:
        return None
    return ProductRow(row.line, row.reference, name, category, unit, price.quantize(CENT), vat, pack, step, minimum,
                      description, available)


def _foodsoft_ratios(row: _Row, supplier_unit: str, group_unit: str,
                    column: str = "unit ratios") -> tuple[dict[str, Decimal], bool, Decimal | None]:
    """How many of each unit one supplier order unit holds, by unit key ("kg", "500 g"…), whether « unit ratios »
    could be read (when not, a warning says so), and the first ratio's quantity (Foodsoft's « unit quantity »: the
    lot's size when the article has only a custom unit)."""
    table = {_unit_key(supplier_unit): Decimal(1)} if supplier_unit else {}
    raw = row.raw(column)
    if not raw:
        return table, True, None
    plain = parse_decimal(raw)
    if plain is not None:  # a plain number: how many group order units the supplier order unit holds
        if plain > 0 and group_unit:
            table.setdefault(_unit_key(group_unit), plain)
        return table, True, plain if plain > 0 else None
    parsed, previous = {}, Decimal(1)
    # « 10 kilogram, 20 Piece »: each relative to the one before; a comma inside a unit's name is written « \, »
    for part in re.split(r"(?<!\\),\s*", raw):
        match = re.match(r"^\s*(\d+(?:[.,]\d+)?)\s+(.+?)\s*$", part.replace("\\,", ","))
        quantity = parse_decimal(match.group(1)) if match else None
        if not quantity:
            row.warn(column, raw, "illisible : le produit est importé sans taille de colis.")
            return table, False, None
        previous *= quantity
        parsed.setdefault(_unit_key(match.group(2)), previous)
    return {**parsed, **table}, True, next(iter(parsed.values()))


def _per_supplier_unit(table: Mapping[str, Decimal], unit: str) -> Decimal | None:
    """How many ``unit`` one supplier order unit holds, from the ratios or by converting a weight or volume."""
    key = _unit_key(unit)
    if key in table:
        return table[key]
    measure = _measure(unit)
    if measure is None:
        return None
    for other, quantity in table.items():
        known = _measure(other)
        if known is not None and known[0] == measure[0]:
            return quantity * known[1] / measure[1]
    return None


def _foodsoft_price(row: _Row, net: Decimal, vat: Decimal, deposit: Decimal, table: Mapping[str, Decimal],
                    group_unit: str) -> Decimal | None:
    """The price incl. VAT per group order unit: the net price, converted from « price unit » when it differs,
    plus VAT (rounded half-up to the cent), plus the deposit."""
    price_unit, factor = row.raw("price unit"), Decimal(1)
    if price_unit and _unit_key(price_unit) != _unit_key(group_unit):
        per_price_unit, per_group_unit = _per_supplier_unit(table, price_unit), _per_supplier_unit(table, group_unit)
        by_price, by_group = _measure(price_unit), _measure(group_unit)
        if per_price_unit and per_group_unit:
            factor = per_price_unit / per_group_unit
        elif by_price and by_group and by_price[0] == by_group[0]:
            factor = by_group[1] / by_price[1]
        else:
            row.error("price unit", price_unit, f"le prix est donné par « {price_unit} » et rien ne dit combien cela "
                                                f"fait de « {group_unit} » (voir la colonne « Contenu »).")
            return None
    taxed = (net * factor * (100 + vat) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    if factor != 1:  # converted: say so when the rounded price no longer gives the file's price to the cent
        expected = (net * (100 + vat) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        back = (taxed / factor).quantize(CENT, rounding=ROUND_HALF_UP)
        if back != expected:
            row.warn("net price", row.raw("net price"), f"ramené à « {group_unit} » et arrondi au centime : "
                                                        f"{_euros(taxed)} € TTC, soit {_euros(back)} € par "
                                                        f"« {price_unit} » au lieu de {_euros(expected)} €.")
    price = (taxed + deposit).quantize(CENT, rounding=ROUND_HALF_UP)
    if price > LARGEST:
        row.error("net price", row.raw("net price"), "trop grand.")
    return price


def _foodsoft_row(row: _Row) -> ProductRow | None:
    """One article of either Foodsoft layout (the old one has « status », « unit quantity » and a custom unit only)."""
    name = row.text("name", required=True)
    number = row.text("order number", limit=60)
    row.reference, row.reference_column = (number, "order number") if number else (name[:60], "name")
    category = row.text("category", required=True, limit=100)
    unit_column = next((c for c in FOODSOFT_UNITS if row.raw(c)), "")
    group_unit = " ".join(row.raw(unit_column).split()) if unit_column else ""
    unit, unit_note = None, ""
    if not unit_column:
        row.error("group order unit" if "group order unit" in row.cells else "custom unit", None,
                  "unité manquante : ni unité de commande, ni unité, ni unité de facturation.")
    else:
        quantity, word = split_quantity(group_unit)
        unit = unit_word(word)
        if unit is None and unit_column == "custom unit":  # free text (« 4x250ml », « bocal »): one article, a piece
            unit, unit_note = "piece", f"Unité de vente : {group_unit}"
        elif unit is None:
            row.error(unit_column, group_unit, f"unité inconnue ({UNIT_NAMES}).")
        elif quantity is not None and quantity != 1:  # « 500 g »: one article is a 500 g pack, counted in pieces
            unit, unit_note = "piece", f"Unité de vente : {group_unit}"
    net = row.number("net price", required=True)
    vat = row.vat("vat", warn_when_blank=True)
    deposit = row.number("deposit") or Decimal(0)
    supplier_unit = row.raw("supplier order unit")
    ratios = "unit ratios" if "unit ratios" in row.cells else "unit quantity"
    table, readable, first = _foodsoft_ratios(row, supplier_unit, group_unit, ratios)
    pack = None
    if group_unit and not (supplier_unit and _unit_key(supplier_unit) == _unit_key(group_unit)):
        held = _per_supplier_unit(table, group_unit)
        if held is None and not supplier_unit and unit_column == "custom unit":
            held = first  # the article has only its custom unit: the first ratio is the lot's size, in that unit
        if held is not None and held > 1:
            pack = _plain(held)
            if pack != pack.quantize(Decimal("0.001")):
                row.error(ratios, row.raw(ratios), "la taille du colis a plus de 3 décimales.")
        elif held is None and readable and row.raw(ratios):
            row.warn(ratios, row.raw(ratios), f"ne dit pas combien l'unité fournisseur contient de "
                                              f"« {group_unit} » : importé sans taille de colis.")
    known = net is not None and unit is not None  # an unknown unit is reported once, not again through its price
    price = _foodsoft_price(row, net, vat, deposit, table, group_unit) if known else None
    step = row.number("group order granularity", places=3) or None  # 0 or empty: no step
    row.check_step("group order granularity", pack, step)
    minimum = row.number("minimum order quantity", places=3) or None
    if "availability" in row.cells:  # Foodsoft writes its translated « Yes » or « No »; reads anything else as no
        available = row.boolean("availability", blank=False, yes=FOODSOFT_YES, no=FOODSOFT_NO)
    else:  # the old layout's status: empty for an article on sale, « x » for one taken off the list
        available = row.boolean("status", blank=True, yes=FOODSOFT_YES, no=FOODSOFT_NO)
    parts = (unit_note, row.text("note", limit=2000), row.text("origin", limit=2000),
             row.text("manufacturer", limit=2000))
    description = " · ".join(part for part in parts if part)
    if row.failed:
        return None
    return ProductRow(row.line, row.reference, name, category, unit, price, vat, pack, step, minimum, description,
                      available)


def _ofn_vat(row: _Row) -> Decimal:
    raw = row.raw("tax_category")
    if not raw:
        row.warn("tax_category", None, "taux absent : 5,5 % appliqués.")
        return DEFAULT_VAT
    value = parse_decimal(raw.removesuffix("%").strip())
    if value is None:  # a tax category's name: « TVA 5,5 % » gives 5,5
        numbers = re.findall(r"\d+(?:[.,]\d+)?", raw)
        value = parse_decimal(numbers[0]) if len(numbers) == 1 else None
    if value is None:
        row.warn("tax_category", raw, "ce n'est pas un taux : 5,5 % appliqués.")
        return DEFAULT_VAT
    if value >= 100 or value != value.quantize(CENT):
        row.error("tax_category", raw, "un taux de TVA est compris entre 0 et 100, à deux décimales au plus.")
    return value


def _ofn_row(row: _Row) -> ProductRow | None:
    name, display = row.text("name", required=True), row.text("display_name")
    sku = row.text("sku", limit=60)
    row.reference, row.reference_column = (sku, "sku") if sku else (f"{name} {display}".strip()[:60], "name")
    full_name = f"{name} – {display}" if display else name
    if len(full_name) > 200:
        row.error("display_name", None, f"le nom complet est trop long ({len(full_name)} caractères, au plus 200).")
    category = row.text("category", required=True, limit=100)
    units = row.number("units", required=True, positive=True)
    price = row.number("price", required=True, places=2)
    unit_type = row.raw("unit_type").lower()
    unit, unit_price, pack, step = "", None, None, None
    if unit_type in OFN_MEASURES:
        unit, factor = OFN_MEASURES[unit_type]
        if units is not None and price is not None:
            size = _plain(units * factor)  # the variant's size in kg or l
            if size != size.quantize(Decimal("0.001")):
                row.error("units", row.raw("units"), f"une variante de moins d'un gramme ou d'un millilitre ne se "
                                                     f"vend pas par {unit}.")
            else:
                unit_price = (price / size).quantize(CENT, rounding=ROUND_HALF_UP)
                pack = step = size
                row.price_rounding("price", price, unit_price, size, unit)
    elif unit_type in OFN_ITEMS:
        unit = unit_word(row.raw("variant_unit_name")) or "piece"
        unit = unit if unit in ("bunch", "dozen") else "piece"
        if units is not None and units != units.to_integral_value():
            row.error("units", row.raw("units"), "un nombre d'articles est entier.")
        elif units is not None and price is not None:
            unit_price = (price / units).quantize(CENT, rounding=ROUND_HALF_UP)
            pack = _plain(units) if units > 1 else None
            row.price_rounding("price", price, unit_price, units, unit)
    else:
        row.error("unit_type", row.raw("unit_type"), "attendu g, kg, t, ml, cl, dl, l, kl, ou vide pour des "
                                                     "articles à l'unité.")
    if unit_price is not None and unit_price > LARGEST:
        row.error("price", row.raw("price"), "trop grand.")
    vat = _ofn_vat(row)
    on_demand = row.raw("on_demand") != "-" and row.boolean("on_demand", blank=False)  # « - »: OFN's placeholder
    stock = row.raw("on_hand")
    on_hand = parse_decimal(stock if stock not in ("", "-") else "0")  # the stock may be negative
    if on_hand is None:
        row.error("on_hand", row.raw("on_hand"), "ce n'est pas un nombre.")
    description = row.text("description", limit=2000)
    producer = row.text("producer")
    if row.failed:
        return None
    return ProductRow(row.line, row.reference, full_name, category, unit, unit_price, vat, pack, step, None,
                      description, on_demand or (on_hand or 0) > 0, producer_name=producer)


READERS = {"cabas": _cabas_row, "foodsoft": _foodsoft_row, "ofn": _ofn_row}


def parse_catalogue(data: bytes, filename: str, *, format: str | None = None) -> ParsedCatalogue:
    """Every row of the file, checked; never raises on a bad file (a file-level error says what is wrong)."""

    def failed(message: str, chosen: str = "") -> ParsedCatalogue:
        return ParsedCatalogue(chosen, (), (RowError(0, "", message),), ())

    if format is not None and format not in FORMATS:
        return failed(f"Format « {format} » inconnu : cabas, foodsoft ou ofn.")
    if len(data) > MAX_BYTES:
        return failed("Le fichier dépasse 5 Mo.", format or "")
    try:
        table = _table(data, filename)
    except _Unreadable as error:
        return failed(str(error), format or "")
    if not table:
        return failed("Le fichier est vide.", format or "")
    header_line, header_cells = table[0]
    headers = [_header(cell) for cell in header_cells]
    chosen, columns = format, None
    if chosen is None:
        chosen = detect_format(h for h in headers if h)
    if chosen is None and foodsoft_layout(table) is not None:
        chosen = "foodsoft"
    if chosen is None:
        return failed("Format non reconnu : la première ligne doit porter les noms de colonnes du format Cabas ou du "
                      "modèle d'import Open Food Network, ou le fichier être une liste d'articles Foodsoft (18 "
                      "colonnes, ou 14 pour les anciennes ; voir la documentation).")
    if chosen == "foodsoft":  # by position: the header is only checked for its shape
        columns = foodsoft_layout(table, forced=format == "foodsoft")
        if columns is None:
            return failed(f"Ce n'est pas une liste d'articles Foodsoft : elle a 18 colonnes (14 pour les anciennes), "
                          f"celle-ci en a {_width(header_cells)}.", chosen)
        if _single_byte(data) and not any(0x80 <= byte < 0xA0 for byte in data):
            table = _table(data, filename, "iso-8859-15")  # what Foodsoft writes unless told otherwise: « œ », « € »
        errors = []
    else:
        read = SIGNATURES[chosen] | set(REQUIRED[chosen]) | {"name", "category", "description"}
        errors = [RowError(header_line, h, f"Colonne « {h} » en double : laquelle lire ?")
                  for h in sorted({h for h in headers if h in read and headers.count(h) > 1})]
        missing = [c for c in REQUIRED[chosen] if c not in headers]
        errors += [RowError(header_line, c, f"Colonne obligatoire absente : « {c} ».") for c in missing]
    if errors:
        return ParsedCatalogue(chosen, (), tuple(errors), ())
    if len(table) == 1:
        return failed("Le fichier ne contient que la ligne d'en-tête : aucun produit.", chosen)
    if len(table) - 1 > MAX_ROWS:
        return failed(f"Le fichier contient plus de {MAX_ROWS} produits : découpez-le, au plus {MAX_ROWS} par import.",
                      chosen)
    reader, rows, warnings = READERS[chosen], [], []
    seen: dict[str, int] = {}
    for line, cells in table[1:]:
        if columns is not None:
            row = _Row(line, {c: cell for c, cell in zip(columns, cells) if c}, errors, warnings)
        else:
            row = _Row(line, {h: c for h, c in zip(headers, cells) if h}, errors, warnings)
        product = reader(row)
        if row.reference:
            if row.reference in seen:
                row.error(row.reference_column, row.reference, f"référence déjà donnée ligne {seen[row.reference]}.")
                product = None
            else:
                seen[row.reference] = line
        if product is not None and not row.failed:
            rows.append(product)
    return ParsedCatalogue(chosen, tuple(rows), tuple(errors), tuple(warnings))


# --- what an import would change ------------------------------------------------------------------

COMPARED = ("name", "category", "unit", "unit_price", "vat_rate", "pack_size", "order_step", "min_total",
            "description", "available")


@dataclass(frozen=True)
class CatalogueDiff:
    new: tuple[ProductRow, ...]
    changed: tuple[tuple[ProductRow, dict], ...]  # the row and {field: (old, new)} of what differs
    unchanged: tuple[ProductRow, ...]
    withdrawn: tuple[str, ...]  # references still available in the catalogue, absent from the file (sorted)


def _same(old: object, new: object) -> bool:
    if isinstance(new, Decimal) and old is not None and not isinstance(old, bool):
        try:
            return Decimal(str(old)) == new  # numerically: 5.50 is 5.5
        except InvalidOperation:
            return False
    if isinstance(new, str) and old is None:
        return new == ""
    return old == new


def diff_catalogue(rows: Iterable[ProductRow], existing: Mapping[str, Mapping[str, object]]) -> CatalogueDiff:
    """What importing ``rows`` changes in ``existing`` (reference → the product's fields, named as in ProductRow).
    A field missing from a product's mapping is not compared. Products already unavailable are not withdrawn
    again."""
    rows = tuple(rows)
    new, changed, unchanged = [], [], []
    for row in rows:
        current = existing.get(row.reference)
        if current is None:
            new.append(row)
            continue
        differences = {name: (current[name], getattr(row, name)) for name in COMPARED
                       if name in current and not _same(current[name], getattr(row, name))}
        (changed.append((row, differences)) if differences else unchanged.append(row))
    in_file = {row.reference for row in rows}
    withdrawn = tuple(sorted(ref for ref, current in existing.items()
                             if ref not in in_file and current.get("available", True)))
    return CatalogueDiff(tuple(new), tuple(changed), tuple(unchanged), withdrawn)
