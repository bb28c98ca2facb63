"""A diagram of a plan's rounds as SVG, drawn from the sites' coordinates: no map tiles, no external resource
(the machine may be offline). Pure Python: no Django import.

Sites are circles coloured by kind (producers, hubs, depots, other places) with their names; each round is a
coloured polyline through its stops in order, with a legend. Coordinates are projected equirectangularly
around the middle latitude (distances are true enough at the scale of a territory)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

KIND_COLOURS = {"producer": "#2e7d32", "hub": "#e65100", "depot": "#1565c0", "other": "#616161"}
KIND_RADIUS = {"producer": 6, "hub": 9, "depot": 7, "other": 5}
ROUND_COLOURS = ["#d81b60", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#3949ab", "#c0ca33", "#5e35b1"]


@dataclass(frozen=True)
class SitePoint:
    kind: str
    name: str
    latitude: Decimal | float
    longitude: Decimal | float


@dataclass(frozen=True)
class RouteLine:
    name: str
    points: Sequence[tuple[Decimal | float, Decimal | float]]  # (latitude, longitude) of the stops in order
    dashed: bool = False


def render(sites: Sequence[SitePoint], routes: Sequence[RouteLine], *, title: str = "",
           kind_labels: Mapping[str, str] | None = None, width: int = 820, height: int = 560) -> str:
    """The SVG document (an ``<svg>`` element, UTF-8 text) of ``sites`` and ``routes``."""
    kind_labels = kind_labels or {}
    legend_width = 230
    margin = 40
    coordinates = [(float(s.latitude), float(s.longitude)) for s in sites]
    coordinates += [(float(lat), float(lon)) for r in routes for lat, lon in r.points]
    project = _projection(coordinates, width - legend_width - 2 * margin, height - 2 * margin, margin)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label={quoteattr(title)} font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fbfbf8" stroke="#ccc"/>',
    ]
    for index, route in enumerate(routes):
        colour = ROUND_COLOURS[index % len(ROUND_COLOURS)]
        points = " ".join("%.1f,%.1f" % project(float(lat), float(lon)) for lat, lon in route.points)
        dash = ' stroke-dasharray="6 4"' if route.dashed else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
                     f'stroke-opacity="0.8" stroke-linejoin="round"{dash}><title>{escape(route.name)}</title></polyline>')
    seen = set()
    for site in sites:
        x, y = project(float(site.latitude), float(site.longitude))
        if (site.kind, round(x), round(y)) in seen:
            continue
        seen.add((site.kind, round(x), round(y)))
        colour = KIND_COLOURS.get(site.kind, KIND_COLOURS["other"])
        radius = KIND_RADIUS.get(site.kind, 5)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}" stroke="#fff" stroke-width="1.5">'
                     f"<title>{escape(site.name)}</title></circle>")
        parts.append(f'<text x="{x + radius + 3:.1f}" y="{y + 4:.1f}" fill="#222">{escape(_short(site.name))}</text>')
    # legend: kinds, then rounds
    x0, y = width - legend_width + 10, 24
    for kind in ("producer", "hub", "depot", "other"):
        if any(s.kind == kind for s in sites):
            parts.append(f'<circle cx="{x0 + 6}" cy="{y - 4}" r="{KIND_RADIUS[kind]}" fill="{KIND_COLOURS[kind]}"/>')
            parts.append(f'<text x="{x0 + 20}" y="{y}">{escape(kind_labels.get(kind, kind))}</text>')
            y += 20
    y += 6
    for index, route in enumerate(routes):
        colour = ROUND_COLOURS[index % len(ROUND_COLOURS)]
        dash = ' stroke-dasharray="6 4"' if route.dashed else ""
        parts.append(f'<line x1="{x0}" y1="{y - 4}" x2="{x0 + 14}" y2="{y - 4}" stroke="{colour}" stroke-width="3"{dash}/>')
        parts.append(f'<text x="{x0 + 20}" y="{y}">{escape(_short(route.name, 30))}</text>')
        y += 18
    parts.append("</svg>")
    return "\n".join(parts)


def _short(text: str, length: int = 28) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


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
