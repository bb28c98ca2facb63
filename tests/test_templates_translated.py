"""Every word a template shows goes through the translation catalogue: text between tags, and the alt, title,
placeholder and aria-label attributes, are inside {% translate %} / {% blocktranslate %}, or come from a
variable. A short allow-list covers the brand, symbols and units."""

import re
from pathlib import Path

import cabas

ROOT = Path(cabas.__file__).parent
TEMPLATES = sorted(p for p in ROOT.glob("*/templates/**/*") if p.suffix in (".html", ".txt", ".svg") and p.is_file())

ALLOWED = {
    "Cabas",  # the brand
    "km", "kg", "CO", "cl",  # units and symbols (CO2 is read as « CO » and a digit)
    "CSV", "XLSX", "PDF", "FEC", "iCal",  # file formats
    "IBAN", "BIC", "SIREN", "SIRET", "RNA",  # identifiers, named as the law names them
    "English", "Français", "Nederlands",  # each language in its own words
    "OpenStreetMap",  # the map service, a proper name
    "landscape", "portrait",  # a PDF page's orientation (a CSS value, not read)
}

BLOCK_TRANSLATE = re.compile(r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", re.S)
TAG_OR_VAR = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
COMMENT = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|<!--.*?-->", re.S)
RAW = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
ATTRIBUTE = re.compile(r"""\b(alt|title|placeholder|aria-label)\s*=\s*(["'])(.*?)\2""", re.S | re.I)
HTML_TAG = re.compile(r"<[^>]*>", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")


def visible_untranslated(text: str) -> list[str]:
    text = COMMENT.sub(" ", text)
    text = BLOCK_TRANSLATE.sub(" ", text)
    text = RAW.sub(" ", text)
    text = TAG_OR_VAR.sub(" ", text)  # tags and variables (a translated attribute value among them)
    found = []
    for match in ATTRIBUTE.finditer(text):
        found += [w for w in WORD.findall(match.group(3)) if w not in ALLOWED]
    text = HTML_TAG.sub(" ", text)
    text = re.sub(r"&\w+;|&#\d+;", " ", text)
    found += [w for w in WORD.findall(text) if w not in ALLOWED]
    return found


def test_the_scanner_finds_text_outside_the_catalogue():
    assert visible_untranslated('<p>Bonjour {{ name }}</p>') == ["Bonjour"]
    assert visible_untranslated('<img alt="Logo">') == ["Logo"]
    assert visible_untranslated('<p>{% translate "Hello" %} {% blocktranslate %}Hi {{ x }}{% endblocktranslate %}</p>') == []
    assert visible_untranslated('<a class="brand" href="{% url \'home\' %}">Cabas</a> 12 € · km') == []


def test_no_template_shows_text_outside_the_translation_catalogue():
    offenders = {}
    for path in TEMPLATES:
        words = visible_untranslated(path.read_text(encoding="utf-8"))
        if words:
            offenders[str(path.relative_to(ROOT))] = words
    assert offenders == {}
