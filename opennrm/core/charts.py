"""Server-side SVG charts and their table twins, shared by statistics and coordination.

Every function is pure: the same arguments give the same markup, so pages and reports can be cached and
compared byte for byte. All text passed in is escaped here; the result is a SafeString ready for a template.

A chart is an ``<svg role="img" aria-labelledby="<id>-title <id>-desc">`` with a ``<title>`` and a ``<desc>``
that states the caller's summary followed by every value in words, so a screen reader gets the data too. Series
are told apart by colour (the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies),
by fill pattern or line style and marker, and by direct labels — never by colour alone. Shapes have a dark
outline, which keeps them visible in print, in greyscale and against the 3:1 contrast rule. Always put the same
numbers beside the chart with `data_table`.

Sizing: the SVG has a viewBox, a natural size (760 px wide) and an inline style that lets it shrink with its
container in a browser. WeasyPrint gives such an SVG a square box, so for a PDF pass the markup through
`print_sized(svg, width_mm=...)`, which fixes its size in millimetres with the same proportions.

API
    Series(label, values, texts=None)
        values: numbers, or None for a value that is not shown (suppressed or unknown; nothing is drawn);
        texts: what to print for each value (e.g. "< 5"); by default the number itself.
    Flow(source, target, value)
    bar_chart(*, chart_id, title, description, categories, series, stacked=False, unit="", totals=None)
        Horizontal bars (long category names stay readable): one series → simple bars, several → grouped,
        or stacked with stacked=True (totals: optional text per category printed after the stack).
    line_chart(*, chart_id, title, description, x_labels, series, unit="")
    sankey_chart(*, chart_id, title, description, flows)
        Two columns, sources on the left and targets on the right, band width proportional to the value.
    print_sized(svg, *, width_mm=170) -> SafeString
        The same chart at a fixed printed size, for HTML that WeasyPrint turns into PDF.
    data_table(*, caption, row_header, columns, rows, footer_rows=(), table_id="")
        rows: [(row label, [cell text, ...]), ...]; number-like cells (and the marks x, –) are right-aligned.

``chart_id`` must be unique within the page (it prefixes the ids of the title, description and patterns).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

# Okabe & Ito (2008), ordered so that neighbouring series differ most in lightness as well as hue.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# Series fills over which black text reads better than white (lightness above the middle).
LIGHT_FILLS = {"#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#009E73"}
INK = "#1b1f24"
MUTED = "#4a5460"
GRID = "#b8c0c8"
DASHES = ("", "7 4", "2 3", "10 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "circle-open", "square-open")

WIDTH = 760
FONT = 13
LINE = 16
# Average advance of the sans-serif face at 13px over Latvian and Russian words; wrapping errs on the short side.
CHAR_WIDTH = 7.2

STYLE = (
    "text{font-family:'DejaVu Sans',system-ui,sans-serif;font-size:13px;fill:#1b1f24}"
    ".chart-title{font-size:15px;font-weight:bold}.muted{fill:#4a5460}.small{font-size:11px}"
    ".axis{stroke:#1b1f24;stroke-width:1}.grid{stroke:#b8c0c8;stroke-width:1}"
)

# Cells aligned as numbers: counts, "< 5", percentages, and the marks of hidden or missing values.
NUMBER = re.compile(r"^([<>≤≥~]?\s*[-+]?\d[\d\s.,]*%?|x|–|—)$")
ID_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    texts: Sequence[str] | None = None

    def text(self, index: int) -> str:
        if self.texts is not None:
            return self.texts[index]
        return format_number(self.values[index])


@dataclass(frozen=True)
class Flow:
    source: str
    target: str
    value: float


def format_number(value: float | None) -> str:
    """A count as an integer, anything else with one decimal; None as an empty string."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def _id(chart_id: str) -> str:
    cleaned = ID_SAFE.sub("-", chart_id).strip("-")
    return cleaned or "chart"


def _wrap(text: str, width: float) -> list[str]:
    limit = max(6, int(width / CHAR_WIDTH))
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: limit - 1] + "-")
            word = word[limit - 1 :]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def _text(x: float, y: float, lines: Sequence[str], *, anchor: str = "start", css: str = "") -> str:
    attributes = f' text-anchor="{anchor}"' if anchor != "start" else ""
    if css:
        attributes += f' class="{css}"'
    if len(lines) == 1:
        return f'<text x="{x:g}" y="{y:g}"{attributes}>{escape(lines[0])}</text>'
    spans = "".join(
        f'<tspan x="{x:g}" dy="{0 if index == 0 else LINE}">{escape(line)}</tspan>' for index, line in enumerate(lines)
    )
    return f'<text x="{x:g}" y="{y:g}"{attributes}>{spans}</text>'


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def _nice_step(maximum: float, ticks: int = 5) -> float:
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _scale_max(maximum: float) -> tuple[float, float]:
    step = _nice_step(maximum)
    top = step * max(1, math.ceil(maximum / step))
    return top, step


def _fill(chart: str, index: int) -> str:
    # The first series is solid; the others carry a pattern as well, so they differ without colour.
    return PALETTE[index % len(PALETTE)] if index == 0 else f"url(#{chart}-pattern-{index})"


def _patterns(chart: str, count: int) -> str:
    shapes = (
        '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="1.6"/>',
        '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
        '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.2"/>',
        '<path d="M0,4 H8" stroke="#fff" stroke-width="1.6"/>',
        '<path d="M4,0 V8" stroke="#fff" stroke-width="1.6"/>',
        '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4" stroke="#000" stroke-width="1.2"/>',
        '<circle cx="4" cy="4" r="1.6" fill="#000"/>',
    )
    defs = []
    for index in range(1, count):
        colour = PALETTE[index % len(PALETTE)]
        shape = shapes[(index - 1) % len(shapes)]
        defs.append(
            f'<pattern id="{chart}-pattern-{index}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{colour}"/>{shape}</pattern>'
        )
    return f"<defs>{''.join(defs)}</defs>" if defs else ""


def _svg(chart: str, title: str, description: str, height: float, body: Sequence[str], defs: str = "") -> SafeString:
    return mark_safe(  # every text above went through escape()/quoteattr()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="{WIDTH}" height="{height:g}" role="img" aria-labelledby="{chart}-title {chart}-desc" '
        'preserveAspectRatio="xMinYMin meet" style="max-width:100%;height:auto">'
        f'<title id="{chart}-title">{escape(title)}</title>'
        f'<desc id="{chart}-desc">{escape(description)}</desc>'
        f"<style>{STYLE}</style>{defs}{''.join(body)}</svg>"
    )


def _legend(chart: str, series: Sequence[Series], y: float, *, lines: bool = False) -> tuple[list[str], float]:
    """Swatches (or line samples) with their labels, wrapped into rows across the chart width."""
    parts: list[str] = []
    x = 16.0
    for index, item in enumerate(series):
        label_width = _text_width(item.label)
        if x + 34 + label_width > WIDTH - 16 and x > 16:
            x = 16.0
            y += LINE + 8
        if lines:
            parts.append(_line_sample(index, x, y + 7))
        else:
            parts.append(
                f'<rect x="{x:g}" y="{y:g}" width="24" height="14" fill="{_fill(chart, index)}" '
                f'stroke="{INK}" stroke-width="1"/>'
            )
        parts.append(_text(x + 30, y + 12, [item.label]))
        x += 30 + label_width + 24
    return parts, y + LINE + 12


def _describe(description: str, readings: Sequence[str]) -> str:
    return " ".join(part for part in [description.strip(), *readings] if part)


def _label_box(x: float, y: float, text: str, *, anchor: str = "middle") -> str:
    """A value printed over a coloured shape, on a white box so it reads on any fill or pattern."""
    width = _text_width(text) + 6
    left = {"middle": x - width / 2, "start": x - 3, "end": x - width + 3}[anchor]
    return (
        f'<rect x="{left:g}" y="{y - 12:g}" width="{width:g}" height="16" rx="2" fill="#fff" fill-opacity="0.9"/>'
        + _text(x, y, [text], anchor=anchor)
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    stacked: bool = False,
    unit: str = "",
    totals: Sequence[str] | None = None,
) -> SafeString:
    """Horizontal bars: simple, grouped (several series) or stacked; values printed beside or inside the bars."""
    chart = _id(chart_id)
    label_width = 220.0
    x0 = 16 + label_width + 12
    x1 = WIDTH - 84
    body: list[str] = [_text(16, 22, _wrap(title, WIDTH - 32), css="chart-title")]
    y = 22 + LINE * len(_wrap(title, WIDTH - 32)) + 4
    if len(series) > 1:
        legend, y = _legend(chart, series, y)
        body.extend(legend)

    def value(item: Series, index: int) -> float:
        number = item.values[index] if index < len(item.values) else None
        return float(number) if number is not None and number > 0 else 0.0

    if stacked:
        largest = max((sum(value(s, i) for s in series) for i in range(len(categories))), default=0.0)
    else:
        largest = max((value(s, i) for s in series for i in range(len(categories))), default=0.0)
    top, step = _scale_max(largest)
    width = x1 - x0

    def at(number: float) -> float:
        return x0 + width * number / top

    bar = 18
    rows_per_category = 1 if stacked or len(series) == 1 else len(series)
    plot_top = y + 8
    y = plot_top
    readings: list[str] = []
    shapes: list[str] = []
    for index, category in enumerate(categories):
        label_lines = _wrap(category, label_width)
        band = max(rows_per_category * (bar + 2), LINE * len(label_lines)) + 14
        label_y = y + band / 2 - LINE * (len(label_lines) - 1) / 2 + 4
        shapes.append(_text(16 + label_width, label_y, label_lines, anchor="end"))
        bar_y = y + (band - rows_per_category * (bar + 2)) / 2
        parts = []
        left = x0
        for number, item in enumerate(series):
            text = item.text(index) if index < len(item.values) else ""
            amount = value(item, index)
            parts.append(f"{item.label} {text}" if len(series) > 1 else text)
            row_y = bar_y if stacked else bar_y + number * (bar + 2)
            start = left if stacked else x0
            end = at((left - x0) * top / width + amount) if stacked else at(amount)
            if amount > 0:
                shapes.append(
                    f'<rect x="{start:g}" y="{row_y:g}" width="{end - start:g}" height="{bar}" '
                    f'fill="{_fill(chart, number)}" stroke="{INK}" stroke-width="1"/>'
                )
            if stacked:
                if amount > 0 and end - start >= _text_width(text) + 8:
                    shapes.append(_label_box((start + end) / 2, row_y + bar - 5, text))
                left = end
            elif text:
                css = "" if amount > 0 else "muted"
                shapes.append(_text(end + 5, row_y + bar - 5, [text], css=css))
        if stacked:
            total = totals[index] if totals is not None else _stack_total(series, index)
            if total:
                shapes.append(_text(left + 5, bar_y + bar - 5, [total]))
                parts.append(f"= {total}")
        readings.append(f"{category}: {', '.join(p for p in parts if p)}.")
        y += band
    plot_bottom = y
    # Grid and axis first, so bars and labels are drawn over them.
    grid: list[str] = []
    tick = 0.0
    while tick <= top + 1e-9:
        x = at(tick)
        grid.append(f'<line x1="{x:g}" y1="{plot_top:g}" x2="{x:g}" y2="{plot_bottom:g}" class="grid"/>')
        grid.append(_text(x, plot_bottom + 16, [format_number(tick)], anchor="middle", css="small muted"))
        tick += step
    grid.append(f'<line x1="{x0:g}" y1="{plot_top:g}" x2="{x0:g}" y2="{plot_bottom:g}" class="axis"/>')
    if not categories:
        shapes.append(_text(x0 + 8, plot_top + 20, [gettext("No data for this selection.")], css="muted"))
        plot_bottom += 28
    height = plot_bottom + 24
    if unit:
        grid.append(_text((x0 + x1) / 2, plot_bottom + 34, [unit], anchor="middle", css="small muted"))
        height += 16
    body.extend(grid)
    body.extend(shapes)
    return _svg(chart, title, _describe(description, readings), height + 8, body, _patterns(chart, len(series)))


def _stack_total(series: Sequence[Series], index: int) -> str:
    values = [s.values[index] if index < len(s.values) else None for s in series]
    if any(v is None for v in values):
        return ""
    return format_number(sum(v for v in values if v is not None))


def _marker(index: int, x: float, y: float, colour: str) -> str:
    kind = MARKERS[index % len(MARKERS)]
    fill = "#fff" if kind.endswith("-open") else colour
    stroke = f'stroke="{colour if fill == "#fff" else INK}" stroke-width="1.5"'
    if kind.startswith("circle"):
        return f'<circle cx="{x:g}" cy="{y:g}" r="4.5" fill="{fill}" {stroke}/>'
    if kind.startswith("square"):
        return f'<rect x="{x - 4:g}" y="{y - 4:g}" width="8" height="8" fill="{fill}" {stroke}/>'
    if kind == "triangle":
        return f'<polygon points="{x:g},{y - 5.5:g} {x + 5:g},{y + 4:g} {x - 5:g},{y + 4:g}" fill="{fill}" {stroke}/>'
    points = f"{x:g},{y - 5.5:g} {x + 5.5:g},{y:g} {x:g},{y + 5.5:g} {x - 5.5:g},{y:g}"
    return f'<polygon points="{points}" fill="{fill}" {stroke}/>'


def _line_sample(index: int, x: float, y: float) -> str:
    colour = PALETTE[index % len(PALETTE)]
    dash = DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<line x1="{x:g}" y1="{y:g}" x2="{x + 24:g}" y2="{y:g}" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        + _marker(index, x + 12, y, colour)
    )


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
) -> SafeString:
    """Lines over an ordered axis (years); each series has its own dash pattern and marker, labelled at its end."""
    chart = _id(chart_id)
    title_lines = _wrap(title, WIDTH - 32)
    body: list[str] = [_text(16, 22, title_lines, css="chart-title")]
    y = 22 + LINE * len(title_lines) + 4
    if len(series) > 1:
        legend, y = _legend(chart, series, y, lines=True)
        body.extend(legend)
    x0, x1 = 64.0, WIDTH - 170.0
    plot_top, plot_bottom = y + 12, y + 12 + 220
    largest = max((float(v) for s in series for v in s.values if v is not None), default=0.0)
    top, step = _scale_max(largest)

    def at_x(index: int) -> float:
        if len(x_labels) <= 1:
            return (x0 + x1) / 2
        return x0 + (x1 - x0) * index / (len(x_labels) - 1)

    def at_y(number: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * number / top

    tick = 0.0
    while tick <= top + 1e-9:
        ty = at_y(tick)
        body.append(f'<line x1="{x0:g}" y1="{ty:g}" x2="{x1:g}" y2="{ty:g}" class="grid"/>')
        body.append(_text(x0 - 8, ty + 4, [format_number(tick)], anchor="end", css="small muted"))
        tick += step
    body.append(f'<line x1="{x0:g}" y1="{plot_bottom:g}" x2="{x1:g}" y2="{plot_bottom:g}" class="axis"/>')
    body.append(f'<line x1="{x0:g}" y1="{plot_top:g}" x2="{x0:g}" y2="{plot_bottom:g}" class="axis"/>')
    for index, label in enumerate(x_labels):
        body.append(_text(at_x(index), plot_bottom + 18, [label], anchor="middle"))
    if unit:
        body.append(
            f'<text transform="translate(16 {(plot_top + plot_bottom) / 2:g}) rotate(-90)" text-anchor="middle" '
            f'class="small muted">{escape(unit)}</text>'
        )

    readings: list[str] = []
    end_labels: list[tuple[float, float, str]] = []
    for number, item in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        dash = DASHES[number % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        run: list[str] = []
        last: tuple[float, float] | None = None
        for index in range(len(x_labels)):
            amount = item.values[index] if index < len(item.values) else None
            if amount is None:
                if len(run) > 1:
                    body.append(_polyline(run, colour, dash_attr))
                run = []
                continue
            point = (at_x(index), at_y(float(amount)))
            run.append(f"{point[0]:g},{point[1]:g}")
            last = point
        if len(run) > 1:
            body.append(_polyline(run, colour, dash_attr))
        for index in range(len(x_labels)):
            amount = item.values[index] if index < len(item.values) else None
            if amount is not None:
                body.append(_marker(number, at_x(index), at_y(float(amount)), colour))
                if len(series) == 1:
                    body.append(_label_box(at_x(index), at_y(float(amount)) - 10, item.text(index)))
        if last is not None:
            end_labels.append((last[1], last[0], item.label))
        values = [f"{label} {item.text(i) if i < len(item.values) else ''}".strip() for i, label in enumerate(x_labels)]
        readings.append(f"{item.label}: {', '.join(values)}.")
    # End labels sit right of the plot, pushed apart vertically so they never overlap.
    placed: list[float] = []
    for label_y, _x, label in sorted(end_labels):
        position = max(label_y + 4, (placed[-1] + LINE) if placed else plot_top)
        placed.append(position)
        body.append(_text(x1 + 10, position, _wrap(label, WIDTH - x1 - 20)[:1]))
    if not x_labels:
        body.append(_text(x0 + 8, plot_top + 20, [gettext("No data for this selection.")], css="muted"))
    height = plot_bottom + 30 + (16 if unit else 0)
    return _svg(chart, title, _describe(description, readings), height, body)


def _polyline(points: Sequence[str], colour: str, dash_attr: str) -> str:
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5" '
        f'stroke-linejoin="round"{dash_attr}/>'
    )


def sankey_chart(*, chart_id: str, title: str, description: str, flows: Sequence[Flow]) -> SafeString:
    """Who sends to whom: sources left, targets right, each band as wide as its value and labelled when it fits."""
    chart = _id(chart_id)
    drawn = [flow for flow in flows if flow.value and flow.value > 0]
    title_lines = _wrap(title, WIDTH - 32)
    body: list[str] = [_text(16, 22, title_lines, css="chart-title")]
    y = 22 + LINE * len(title_lines) + 16
    label_width = 200.0
    node_width = 14.0
    left_x = 16 + label_width + 8
    right_x = WIDTH - 16 - label_width - 8 - node_width

    def totals(key: str) -> dict[str, float]:
        result: dict[str, float] = {}
        for flow in drawn:
            name = getattr(flow, key)
            result[name] = result.get(name, 0.0) + float(flow.value)
        return result

    sources, targets = totals("source"), totals("target")
    source_order = sorted(sources, key=lambda name: (-sources[name], name))
    target_order = sorted(targets, key=lambda name: (-targets[name], name))
    total = sum(sources.values())
    gap = 18.0
    count = max(len(source_order), len(target_order), 1)
    plot_height = max(180.0, count * 44.0)
    scale = (plot_height - gap * (count - 1)) / total if total else 0.0

    def layout(order: list[str], sums: dict[str, float]) -> dict[str, list[float]]:
        # Each column is centred vertically; a node's slot is [top, height, next free offset for bands].
        column = sum(max(2.0, sums[name] * scale) for name in order) + gap * (len(order) - 1)
        position = y + (plot_height - column) / 2
        nodes: dict[str, list[float]] = {}
        for name in order:
            height = max(2.0, sums[name] * scale)
            nodes[name] = [position, height, position]
            position += height + gap
        return nodes

    left, right = layout(source_order, sources), layout(target_order, targets)
    colours = {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(source_order)}
    ordered = sorted(drawn, key=lambda f: (source_order.index(f.source), target_order.index(f.target)))
    mid = (left_x + node_width + right_x) / 2
    bands: list[str] = []
    band_labels: list[str] = []
    for flow in ordered:
        thickness = float(flow.value) * scale
        start, end = left[flow.source], right[flow.target]
        y0, y1 = start[2], end[2]
        start[2] += thickness
        end[2] += thickness
        xa, xb = left_x + node_width, right_x
        bands.append(
            f'<path d="M{xa:g},{y0:g} C{mid:g},{y0:g} {mid:g},{y1:g} {xb:g},{y1:g} '
            f"L{xb:g},{y1 + thickness:g} C{mid:g},{y1 + thickness:g} {mid:g},{y0 + thickness:g} "
            f'{xa:g},{y0 + thickness:g} Z" fill="{colours[flow.source]}" fill-opacity="0.45" '
            f'stroke="{colours[flow.source]}" stroke-width="1"/>'
        )
        if thickness >= 14:
            band_labels.append(_label_box(mid, (y0 + y1) / 2 + thickness / 2 + 4, format_number(flow.value)))
    body.extend(bands)
    for name, (top, height, _free) in left.items():
        body.append(
            f'<rect x="{left_x:g}" y="{top:g}" width="{node_width:g}" height="{height:g}" '
            f'fill="{colours[name]}" stroke="{INK}" stroke-width="1"/>'
        )
        lines = _wrap(f"{name} ({format_number(sources[name])})", label_width)
        body.append(_text(left_x - 6, top + height / 2 - LINE * (len(lines) - 1) / 2 + 4, lines, anchor="end"))
    for name, (top, height, _free) in right.items():
        body.append(
            f'<rect x="{right_x:g}" y="{top:g}" width="{node_width:g}" height="{height:g}" '
            f'fill="{MUTED}" stroke="{INK}" stroke-width="1"/>'
        )
        lines = _wrap(f"{name} ({format_number(targets[name])})", label_width)
        body.append(_text(right_x + node_width + 6, top + height / 2 - LINE * (len(lines) - 1) / 2 + 4, lines))
    body.extend(band_labels)
    if not drawn:
        body.append(_text(WIDTH / 2, y + 40, [gettext("No data for this selection.")], anchor="middle", css="muted"))
    readings = [f"{flow.source} → {flow.target}: {format_number(flow.value)}." for flow in ordered]
    return _svg(chart, title, _describe(description, readings), y + plot_height + 24, body)


ROOT_STYLE = re.compile(r'^(<svg[^>]*?) style="[^"]*"')
VIEW_BOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')


def print_sized(svg: str, *, width_mm: float = 170) -> SafeString:
    """The chart with a fixed width and proportional height in millimetres (WeasyPrint sizes it right)."""
    if not isinstance(svg, SafeString):
        raise TypeError("print_sized takes a chart made by this module")
    size = VIEW_BOX.search(svg)
    if size is None or not ROOT_STYLE.search(svg):
        return svg
    width, height = float(size.group(1)), float(size.group(2))
    style = f'style="width:{width_mm:g}mm;height:{width_mm * height / width:.1f}mm"'
    return mark_safe(ROOT_STYLE.sub(lambda match: f"{match.group(1)} {style}", svg, count=1))


def data_table(
    *,
    caption: str,
    row_header: str,
    columns: Sequence[str],
    rows: Sequence[tuple[str, Sequence[str]]],
    footer_rows: Sequence[tuple[str, Sequence[str]]] = (),
    table_id: str = "",
) -> SafeString:
    """The chart's numbers as an HTML table: caption, column headers and row headers with their scopes."""
    id_attr = f" id={quoteattr(_id(table_id))}" if table_id else ""
    head = "".join(f'<th scope="col"{_num_class(column, header=True)}>{escape(column)}</th>' for column in columns)
    parts = [
        f'<table class="data-table"{id_attr}><caption>{escape(caption)}</caption>',
        f'<thead><tr><th scope="col">{escape(row_header)}</th>{head}</tr></thead>',
        "<tbody>",
        *(_row(label, cells) for label, cells in rows),
        "</tbody>",
    ]
    if footer_rows:
        parts += ["<tfoot>", *(_row(label, cells) for label, cells in footer_rows), "</tfoot>"]
    parts.append("</table>")
    return mark_safe("".join(parts))  # all text escaped above


def _num_class(text: str, *, header: bool = False) -> str:
    if header:
        return ' class="num"' if text.strip().isdigit() else ""
    return ' class="num"' if NUMBER.match(text.strip()) else ""


def _row(label: str, cells: Sequence[str]) -> str:
    tds = "".join(f"<td{_num_class(cell)}>{escape(cell)}</td>" for cell in cells)
    return f'<tr><th scope="row">{escape(label)}</th>{tds}</tr>'
