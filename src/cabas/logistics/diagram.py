"""A diagram of rounds as SVG, drawn from the sites' coordinates: no map tiles, no external resource (the machine
may be offline). Pure Python: no Django import.

Each place is a numbered circle coloured by kind (producers, hubs, depots, other places): the number is the
stop's on the driver's sheet (a round's diagram) or the place's in the list beside the plan's diagram; circles
closer than their size are pushed apart. Each round is a coloured polyline through its stops in order. The legend
(kinds, rounds, then « number  place ») is drawn beside the map or below it, every text cut to fit: nothing is
written outside the viewBox and no name overlaps another. The SVG is an image (role="img") with a <title> and a
<desc> saying the places in order; the pages give the same list as text.

Coordinates are projected equirectangularly around the middle latitude (distances are true enough at the scale
of a territory)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape as _escape, quoteattr as _quoteattr

KIND_COLOURS = {"producer": "#2e7d32", "hub": "#e65100", "depot": "#1565c0", "other": "#616161"}
KIND_ORDER = ("producer", "hub", "depot", "other")
ROUND_COLOURS = ["#d81b60", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab", "#c0ca33", "#5e35b1"]
FONT_SIZE = 11
CHAR_WIDTH = 0.62 * FONT_SIZE  # an upper bound of a character's advance in a sans-serif font at FONT_SIZE
NUMBER_SIZE = 10
LINE_HEIGHT = 17
PADDING = 10


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    """Text for XML: escaped, without the characters XML 1.0 cannot hold."""
    return _escape(_NOT_XML.sub("", text))


def quoteattr(text: str) -> str:
    return _quoteattr(_NOT_XML.sub("", text))


@dataclass(frozen=True)
class SitePoint:
    kind: str
    name: str
    latitude: Decimal | float
    longitude: Decimal | float
    number: str = ""  # what its circle says: the stop's number(s) ("1", "1, 12"), or the place's in the list


@dataclass(frozen=True)
class RouteLine:
    name: str
    points: Sequence[tuple[Decimal | float, Decimal | float]]  # (latitude, longitude) of the stops in order
    dashed: bool = False


def text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * 0.62 * size


def fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text`` cut (with « … ») to at most ``width`` user units."""
    most = max(1, int(width / (0.62 * size)))
    return text if len(text) <= most else text[: most - 1] + "…"


def radius_of(number: str) -> float:
    return max(9.0, text_width(number, NUMBER_SIZE) / 2 + 4)


def render(sites: Sequence[SitePoint], routes: Sequence[RouteLine], *, title: str = "", description: str = "",
           kind_labels: Mapping[str, str] | None = None, width: int = 820, map_height: int = 480,
           legend: str = "right") -> str:
    """The SVG document (an ``<svg>`` element, UTF-8 text) of ``sites`` and ``routes``: the legend ``right`` of
    the map (a wide page) or ``below`` it (a phone, a sheet); the height grows to hold the legend."""
    kind_labels = kind_labels or {}
    legend_width = min(300, width // 3) if legend == "right" else width
    map_width = width - legend_width if legend == "right" else width
    rows = _legend_rows(sites, routes, kind_labels)
    legend_height = 2 * PADDING + LINE_HEIGHT * len(rows)
    if legend == "right":
        height = max(map_height, legend_height)
        legend_x, legend_y = map_width, 0
    else:
        height = map_height + legend_height
        legend_x, legend_y = 0, map_height

    coordinates = [(float(s.latitude), float(s.longitude)) for s in sites]
    coordinates += [(float(lat), float(lon)) for r in routes for lat, lon in r.points]
    largest = max((radius_of(s.number) for s in sites), default=9.0)
    margin = largest + 6
    project = _projection(coordinates, map_width - 2 * margin, map_height - 2 * margin, margin)
    positions = _spread(sites, project, (largest, map_width - largest, largest, map_height - largest))

    def at(lat, lon) -> tuple[float, float]:
        key = (round(float(lat), 6), round(float(lon), 6))
        return positions.get(key) or project(float(lat), float(lon))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label={quoteattr(title)} font-family="sans-serif" font-size="{FONT_SIZE}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(description)}</desc>" if description else "",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fbfbf8" stroke="#ccc"/>',
    ]
    for index, route in enumerate(routes):
        colour = ROUND_COLOURS[index % len(ROUND_COLOURS)]
        points = " ".join("%.1f,%.1f" % at(lat, lon) for lat, lon in route.points)
        dash = ' stroke-dasharray="6 4"' if route.dashed else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
                     f'stroke-opacity="0.8" stroke-linejoin="round"{dash}><title>{escape(route.name)}</title></polyline>')
    drawn = set()
    for site in sites:
        key = (round(float(site.latitude), 6), round(float(site.longitude), 6))
        if key in drawn:
            continue
        drawn.add(key)
        x, y = at(site.latitude, site.longitude)
        colour = KIND_COLOURS.get(site.kind, KIND_COLOURS["other"])
        parts.append(f'<g><title>{escape(site.number + " " + site.name if site.number else site.name)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius_of(site.number):.1f}" fill="{colour}" stroke="#fff" '
                     f'stroke-width="1.5"/>'
                     f'<text x="{x:.1f}" y="{y + NUMBER_SIZE * 0.35:.1f}" text-anchor="middle" font-size="{NUMBER_SIZE}" '
                     f'font-weight="bold" fill="#fff">{escape(site.number)}</text></g>')
    parts.append(f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + (0 if legend == "right" else width)}" '
                 f'y2="{legend_y + (height if legend == "right" else 0)}" stroke="#ccc"/>')
    x0, y = legend_x + PADDING, legend_y + PADDING + LINE_HEIGHT - 5
    room = legend_width - 2 * PADDING
    for kind, mark, text in rows:
        indent = 24
        if kind == "kind":
            parts.append(f'<circle cx="{x0 + 7}" cy="{y - 4}" r="6" fill="{mark}"/>')
        elif kind == "round":
            colour, dashed = mark
            dash = ' stroke-dasharray="6 4"' if dashed else ""
            parts.append(f'<line x1="{x0}" y1="{y - 4}" x2="{x0 + 14}" y2="{y - 4}" stroke="{colour}" stroke-width="3"{dash}/>')
        else:
            number = fit(mark, room / 2)
            parts.append(f'<text x="{x0}" y="{y}" font-weight="bold">{escape(number)}</text>')
            indent = max(indent, text_width(number) + 6)
        parts.append(f'<text x="{x0 + indent:.1f}" y="{y}">{escape(fit(text, room - indent))}</text>')
        y += LINE_HEIGHT
    parts.append("</svg>")
    return "\n".join(part for part in parts if part)


def _legend_rows(sites, routes, kind_labels) -> list[tuple[str, object, str]]:
    rows: list[tuple[str, object, str]] = []
    for kind in KIND_ORDER:
        if any(s.kind == kind for s in sites):
            rows.append(("kind", KIND_COLOURS[kind], kind_labels.get(kind, kind)))
    for index, route in enumerate(routes):
        rows.append(("round", (ROUND_COLOURS[index % len(ROUND_COLOURS)], route.dashed), route.name))
    seen = set()
    for site in sites:
        if site.number and site.number not in seen:
            seen.add(site.number)
            rows.append(("place", site.number, site.name))
    return rows


def _spread(sites, project, box) -> dict[tuple[float, float], tuple[float, float]]:
    """Each place's circle centre: projected, then pushed apart from the circles it would overlap (a few rounds
    of pairwise pushes), kept inside ``box`` (left, right, top, bottom)."""
    left, right, top, bottom = box
    keys, centres, radii = [], [], []
    for site in sites:
        key = (round(float(site.latitude), 6), round(float(site.longitude), 6))
        if key in keys:
            index = keys.index(key)
            radii[index] = max(radii[index], radius_of(site.number))
            continue
        keys.append(key)
        centres.append(list(project(float(site.latitude), float(site.longitude))))
        radii.append(radius_of(site.number))
    for _ in range(60):
        moved = False
        for i in range(len(centres)):
            for j in range(i + 1, len(centres)):
                dx, dy = centres[j][0] - centres[i][0], centres[j][1] - centres[i][1]
                gap = radii[i] + radii[j] + 2
                distance = math.hypot(dx, dy)
                if distance >= gap:
                    continue
                if distance < 1e-6:  # the same spot: part them sideways
                    dx, dy, distance = 1.0, 0.3 * (j - i), math.hypot(1.0, 0.3 * (j - i))
                push = (gap - distance) / 2 + 0.1
                ux, uy = dx / distance, dy / distance
                centres[i][0] -= ux * push
                centres[i][1] -= uy * push
                centres[j][0] += ux * push
                centres[j][1] += uy * push
                moved = True
        for centre in centres:
            centre[0] = min(max(centre[0], left), right)
            centre[1] = min(max(centre[1], top), bottom)
        if not moved:
            break
    return {key: (centre[0], centre[1]) for key, centre in zip(keys, centres)}


def _projection(coordinates, width: float, height: float, margin: float):
    """(latitude, longitude) → (x, y) fitting the points in the box, north up, one scale for both axes."""
    if not coordinates:
        return lambda lat, lon: (margin + width / 2, margin + height / 2)
    lats = [lat for lat, _lon in coordinates]
    lons = [lon for _lat, lon in coordinates]
    middle = math.radians((min(lats) + max(lats)) / 2)
    xs = [lon * math.cos(middle) for lon in lons]
    span_x, span_y = max(xs) - min(xs), max(lats) - min(lats)
    scale = min(width / span_x if span_x else math.inf, height / span_y if span_y else math.inf)
    if scale == math.inf:
        scale = 1.0
    left, top = min(xs), max(lats)
    offset_x = margin + (width - span_x * scale) / 2
    offset_y = margin + (height - span_y * scale) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        return offset_x + (lon * math.cos(middle) - left) * scale, offset_y + (top - lat) * scale

    return project
