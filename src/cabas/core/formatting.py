"""How numbers, amounts, quantities, distances, durations and dates are written for people, in the reader's
language (fr, nl, en). No Django import: every formatter takes the language code; without one, it asks
``active_language`` (Django's active language once the core app is ready, French before).

What each language reads (docs/formats.md):

========  ==================  ====================  ================
          fr                  nl                    en
========  ==================  ====================  ================
number    1 633,3             1.633,3               1,633.3
money     1 436,95 €          € 1.436,95            €1,436.95
distance  1 633,3 km          1.633,3 km            1,633.3 km
duration  14 h 37 · 45 min    14 u 37 · 45 min      14 h 37 min
date      5 déc. 2026         5 dec. 2026           5 Dec 2026
long      5 décembre 2026     5 december 2026       5 December 2026
========  ==================  ====================  ================

The thousands are grouped in every figure that is read (a space that does not break in French); a number
put back in a form's field (``format_quantity``) is never grouped, so that it reads back as typed.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
LANGUAGES = ("fr", "nl", "en")

# decimal separator, thousands separator
_SEPARATORS = {"fr": (",", NBSP), "nl": (",", "."), "en": (".", ",")}

_MONTHS = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}
_MONTHS_SHORT = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "nl": ("jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_WEEKDAYS = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_WEEKDAYS_SHORT = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_HOUR = {"fr": "h", "nl": "u", "en": "h"}


def _default_language() -> str:
    return "fr"


active_language: Callable[[], str | None] = _default_language  # set to Django's get_language by core.apps


def language(lang: str | None = None) -> str:
    """One of LANGUAGES: ``lang`` (or the active language) cut to its base ("fr-be" → "fr"), French otherwise."""
    code = (lang or active_language() or "fr").lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else "fr"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value)


def format_number(value, lang: str | None = None, *, places: int | None = None, grouped: bool = True) -> str:
    """``value`` with the language's separators: rounded half-up to ``places`` decimals, or as it is without
    trailing zeros (``places`` None); thousands grouped unless ``grouped`` is False."""
    number = _decimal(value)
    if number is None:
        return ""
    point, thousands = _SEPARATORS[language(lang)]
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    elif number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    sign = "-" if number < 0 else ""
    text = format(abs(number), "f")
    whole, _, fraction = text.partition(".")
    if grouped and len(whole) > 3:
        groups = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        whole = thousands.join([whole, *groups])
    return f"{sign}{whole}{point}{fraction}" if fraction else f"{sign}{whole}"


def format_quantity(value, lang: str | None = None) -> str:
    """A quantity as it is put back in a form's field: « 2,5 », « 3 », « 1250,5 » (never grouped)."""
    return format_number(value, lang, grouped=False)


def format_money(value, lang: str | None = None) -> str:
    """« 1 436,95 € » (fr), « € 1.436,95 » (nl), "€1,436.95" (en)."""
    number = _decimal(value)
    if number is None:
        return ""
    code = language(lang)
    figure = format_number(abs(number), code, places=2)
    sign = "-" if number < 0 and figure.strip("0,.") else ""
    if code == "fr":
        return f"{sign}{figure}{NBSP}€"
    if code == "nl":
        return f"€{NBSP}{sign}{figure}"
    return f"{sign}€{figure}"


def format_measure(value, unit: str, lang: str | None = None, *, places: int | None = None) -> str:
    """A figure and its unit, the thousands grouped: « 1 250,5 kg », « 12 % »."""
    figure = format_number(value, lang, places=places)
    return f"{figure}{NBSP}{unit}" if figure else ""


def format_distance(km, lang: str | None = None) -> str:
    """Kilometres to the tenth: « 1 633,3 km » (fr), « 1.633,3 km » (nl), "1,633.3 km" (en); under 10 km,
    « 4,2 km »; a whole number of kilometres keeps no decimal (« 12 km »)."""
    number = _decimal(km)
    if number is None:
        return ""
    number = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_measure(number, "km", lang)


def format_duration(hours=None, lang: str | None = None, *, minutes: int | None = None) -> str:
    """A duration in hours (Decimal or a timedelta) or in ``minutes``, rounded to the minute: « 14 h 37 »,
    « 14 h », « 45 min » (fr); « 14 u 37 » (nl); "14 h 37 min" (en)."""
    if minutes is None:
        if hours is None or hours == "":
            return ""
        if isinstance(hours, datetime.timedelta):
            total = int((Decimal(hours.total_seconds()) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        else:
            total = int((_decimal(hours) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    else:
        total = int(minutes)
    code = language(lang)
    sign, total = ("-", -total) if total < 0 else ("", total)
    whole, rest = divmod(total, 60)
    h = _HOUR[code]
    if not whole:
        return f"{sign}{rest}{NBSP}min"
    if not rest:
        return f"{sign}{format_number(whole, code)}{NBSP}{h}"
    if code == "en":
        return f"{sign}{format_number(whole, code)}{NBSP}{h}{NBSP}{rest:02d}{NBSP}min"
    return f"{sign}{format_number(whole, code)}{NBSP}{h}{NBSP}{rest:02d}"


def format_date(value, lang: str | None = None, *, style: str = "short", weekday: bool = False,
                year: bool = True) -> str:
    """A date (or a datetime's date): « 5 déc. 2026 » (short) or « 5 décembre 2026 » (long) in French,
    « 5 dec. 2026 » in Dutch, "5 Dec 2026" in English; ``weekday`` puts the day's name first (« sam. 5 déc. »),
    ``year`` False leaves the year out. French says « 1er » for the first of the month in the long style."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    code = language(lang)
    long = style == "long"
    month = (_MONTHS if long else _MONTHS_SHORT)[code][value.month - 1]
    day = "1er" if code == "fr" and long and value.day == 1 else str(value.day)
    text = f"{day}{NBSP}{month}"
    if year:
        text = f"{text} {value.year}"
    if weekday:
        name = (_WEEKDAYS if long else _WEEKDAYS_SHORT)[code][value.weekday()]
        text = f"{name} {text}"
    return text


def name_sort_key(name: str) -> tuple[str, str]:
    """Sort names as a French reader expects, whatever the database's collation: accents and case set aside
    (« Épinards » between « Carottes » and « Fromage »), then the exact name to break ties."""
    bare = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in bare if not unicodedata.combining(c)).casefold()
    return (folded.replace("œ", "oe").replace("æ", "ae"), name)
