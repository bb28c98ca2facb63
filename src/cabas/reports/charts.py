"""Charts drawn as SVG text with matplotlib's SVG backend, as plain Python (no Django import).

Each call builds its own ``Figure`` on its own ``FigureCanvasSVG``: no pyplot, no shared figure, so requests
may draw at once. Text stays text (``svg.fonttype`` 'none', set once at import), the fixed width and height
are taken off so that the chart follows its container's width, and the ``<svg>`` gets ``role="img"`` and a
``<title>`` (and a ``<desc>`` when given) that screen readers announce; the numbers are in the table the page
shows under the chart. Amounts come in as Decimal and become floats only here, to be drawn.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

import matplotlib

matplotlib.rcParams["svg.fonttype"] = "none"  # text as <text>, not paths: lighter, selectable, translatable
matplotlib.rcParams["font.family"] = "sans-serif"
matplotlib.rcParams["svg.hashsalt"] = "cabas"  # the same chart gives the same SVG (clip-path ids)

from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402  (after the rcParams above)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

# Okabe–Ito, told apart by people with the common colour blindnesses; then greys.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#666666", "#BBBBBB", "#333333"]
LINE_STYLES = ["-", "--", ":", "-."]


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Decimal | int | float | None]


@dataclass
class Chart:
    """What to draw: bars (stacked, or side by side) and lines over the same labels on the x axis."""

    labels: Sequence[str]
    bars: list[Series] = field(default_factory=list)
    lines: list[Series] = field(default_factory=list)
    y_label: str = ""
    stacked: bool = True
    dashed_lines: bool = False  # lines are targets or guarantees: dashed
    empty_text: str = "No data for this period."

    @property
    def empty(self) -> bool:
        return not any(v for s in (*self.bars, *self.lines) for v in s.values if v)


def _number(value) -> float:
    return 0.0 if value is None else float(value)


def _draw(chart: Chart, figure: Figure) -> None:
    axes = figure.add_subplot()
    positions = list(range(len(chart.labels)))
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.yaxis.grid(True, color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    if chart.empty:
        axes.set_xticks([])
        axes.set_yticks([])
        axes.text(0.5, 0.5, chart.empty_text, ha="center", va="center", transform=axes.transAxes, fontsize=12)
        return
    colour = 0
    if chart.bars:
        count = len(chart.bars)
        width = 0.8 if chart.stacked else 0.8 / count
        bottom = [0.0] * len(positions)
        for index, series in enumerate(chart.bars):
            values = [_number(v) for v in series.values]
            x = positions if chart.stacked else [p - 0.4 + width * (index + 0.5) for p in positions]
            axes.bar(x, values, width, bottom=bottom if chart.stacked else None, label=series.label,
                     color=PALETTE[colour % len(PALETTE)], linewidth=0)
            if chart.stacked:
                bottom = [b + v for b, v in zip(bottom, values)]
            colour += 1
    for index, series in enumerate(chart.lines):
        values = [None if v is None else float(v) for v in series.values]
        style = LINE_STYLES[1 + index % 3] if chart.dashed_lines else LINE_STYLES[index % len(LINE_STYLES)]
        axes.plot(positions, [float("nan") if v is None else v for v in values], linestyle=style, marker="o",
                  markersize=3.5, linewidth=1.8, label=series.label, color=PALETTE[colour % len(PALETTE)])
        colour += 1
    axes.set_xticks(positions)
    crowded = len(chart.labels) > 6 or max((len(label) for label in chart.labels), default=0) > 10
    axes.set_xticklabels(chart.labels, rotation=45 if crowded else 0, ha="right" if crowded else "center", fontsize=8)
    counts = all(isinstance(v, int) for s in (*chart.bars, *chart.lines) for v in s.values if v is not None)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=counts))
    axes.tick_params(axis="y", labelsize=9)
    axes.set_ylim(bottom=0)
    if chart.y_label:
        axes.set_ylabel(chart.y_label, fontsize=10)
    count = len(chart.bars) + len(chart.lines)
    if count > 1 or chart.lines:
        longest = max(len(s.label) for s in (*chart.bars, *chart.lines))
        figure.legend(loc="outside lower center", fontsize=8, frameon=False, ncols=1 if longest > 24 else min(count, 2))


_ID = re.compile(r'\bid="([^"]+)"')


def svg(chart: Chart, *, chart_id: str, title: str, description: str = "") -> str:
    """The chart as an ``<svg>`` element to put in a page or a PDF: no XML prolog, no fixed size (a
    ``viewBox`` only), ``role="img"``, its ``<title>`` and ``<desc>``, and ids prefixed with ``chart_id`` so that
    several charts in a page do not share one."""
    figure = Figure(figsize=(4.8, 3.9), layout="constrained")
    FigureCanvasSVG(figure)
    _draw(chart, figure)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
    ids = set(_ID.findall(text))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{chart_id}-{old}"
        text = text.replace(f'id="{old}"', f'id="{new}"').replace(f"url(#{old})", f"url(#{new})").replace(
            f'href="#{old}"', f'href="#{new}"')
    title_id = f"{chart_id}-title"
    desc_id = f"{chart_id}-desc"
    head, rest = text.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    labelled = f' role="img" aria-labelledby="{title_id}"' + (f' aria-describedby="{desc_id}"' if description else "")
    labelled += f' class="chart" id="{chart_id}"'
    inner = f'<title id="{title_id}">{escape(title)}</title>'
    if description:
        inner += f'<desc id="{desc_id}">{escape(description)}</desc>'
    return head + labelled + ">" + inner + rest
