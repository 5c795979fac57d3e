"""Charts drawn on the server as markup: horizontal bars as an HTML grid, charts over time, columns and the state
tile grid as inline SVG. Each is one string a page puts on screen with st.markdown.

Why not a chart library in the browser: on the 23,000-award benchmark registry, a new tab of a page with charts
spent about a quarter of a second more running Vega-Lite (Streamlit's chunk, parsed and run on every new tab)
than the same page without them, and that kept the Overview, Compare and Award pages over the 1.5 s issue 17
asks for (docs/benchmarks.md). The charts here are bars and lines: markup built from the rows costs the browser
next to nothing, prints each bar's value (a reporter reads the figure instead of hovering for it), names are
never cut by a chart's label limit, and every mark is plain text a screen reader and a test can read.

What each chart keeps from the chart library: a tooltip on every mark (the SVG `<title>` or the HTML `title`
attribute: the exact dollars, as before), the capability colours the pages share, a legend, and the axis ticks.

Every mark carries its row as `data-*` attributes (label, series, x, value: the unrounded number drawn), so what a
chart draws is checkable against the frame it was given (tests/dashboard_charts.py) and against its "Chart data"
download. Every string from a record is escaped here (fmt.html_text): a vendor name is text, never markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard import format as fmt

FONT = 12  # px, the SVG charts' text (about Streamlit's caption size at the 1,000-unit width a page gives them)
WIDTH = 1000  # the SVG charts' user units across: a full-width chart on a 1440 px screen is about this wide
AXIS = "#8a8a8a"
GRID = "#e6e6e6"


def number(value) -> float:
    """A drawn number: missing counts as 0 (a bar of no length), never as NaN in an attribute."""
    v = fmt.val(value)
    return 0.0 if v is None else float(v)


def tick_money(value: float) -> str:
    """Axis ticks: $0, $250K, $1.5M, $2B (a tick is a round number, so no more than the digits it has)."""
    if value == 0:
        return "$0"
    sign, v = ("-" if value < 0 else ""), abs(value)
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= threshold:
            return f"{sign}${v / threshold:.3g}{suffix}"
    return f"{sign}${v:.3g}"


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (steps of 1, 2, 2.5 or 5 times a power of ten), 0 included."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks, t = [], first
    while t < high + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _legend(items: Sequence[tuple[str, str]], *, dashed: Sequence[str] = ()) -> str:
    """Swatches with their names in one wrapping line (HTML, so long names wrap instead of being cut)."""
    if not items:
        return ""
    parts = []
    for name, colour in items:
        style = (f"border-top:2px dashed {colour};height:0" if name in dashed else f"background:{colour};height:10px")
        parts.append(f'<span style="display:inline-flex;align-items:center;gap:4px;margin-right:14px">'
                     f'<span style="display:inline-block;width:14px;{style}"></span>{fmt.html_text(name)}</span>')
    return f'<div data-legend="1" style="font-size:0.8rem;margin-top:4px;line-height:1.6">{"".join(parts)}</div>'


def _figure(body: str, *, key: str, label: str) -> str:
    """The chart's wrapper: one HTML block (no blank line, so Markdown passes it through whole), named for tests
    and for screen readers."""
    return (f'<div data-chart="{fmt.html_text(key)}" role="figure" aria-label="{fmt.html_text(label)}" '
            f'style="margin:0.25rem 0 0.5rem 0">{body}</div>')


@dataclass
class Segment:
    """One coloured part of a bar: its series (a capability, a watchlist flag), value and tooltip."""

    series: str
    value: float
    colour: str
    tooltip: str


@dataclass
class Bar:
    """One horizontal bar: its label (a link when `href`) and its parts; its sum is printed after it."""

    label: str
    segments: list[Segment]
    tooltip: str
    href: str | None = None

    @property
    def total(self) -> float:
        return sum(s.value for s in self.segments)


def hbars(bars: Sequence[Bar], *, key: str, label: str, legend: Sequence[tuple[str, str]] = ()) -> str:
    """Horizontal bars in an HTML grid: label, bar (its parts side by side), its value printed after it. The
    longest bar fills the room the value text leaves; a negative part (a deobligation) is not drawn, and the
    printed value is the bar's true sum."""
    longest = max([sum(max(s.value, 0) for s in b.segments) for b in bars] + [0])
    rows = []
    for b in bars:
        name = fmt.html_text(b.label)
        text = f'<a href="{fmt.html_text(b.href)}" target="_self">{name}</a>' if b.href else name
        drawn = sum(max(s.value, 0) for s in b.segments)
        parts = []
        for s in b.segments:
            share = max(s.value, 0) / drawn if drawn else 0
            parts.append(f'<span data-label="{name}" data-series="{fmt.html_text(s.series)}" data-value="{s.value!r}" '
                         f'title="{fmt.html_text(s.tooltip)}" style="display:block;height:100%;'
                         f'width:{share * 100:.4f}%;background:{s.colour}"></span>')
        length = drawn / longest if longest else 0
        value = fmt.money(b.total)
        rows.append(
            f'<div style="overflow-wrap:anywhere;line-height:1.25" title="{fmt.html_text(b.tooltip)}">{text}</div>'
            f'<div style="display:flex;align-items:center;min-width:0">'
            f'<div style="display:flex;flex:0 0 calc((100% - 5.5em) * {length:.6f});height:14px">{"".join(parts)}'
            f'</div><span style="margin-left:6px;white-space:nowrap;font-variant-numeric:tabular-nums">'
            f'{fmt.html_text(value)}</span></div>')
    # The label column as wide as the longest name, up to 40%; longer names wrap.
    grid = (f'<div style="display:grid;grid-template-columns:fit-content(40%) 1fr;gap:5px 10px;align-items:center;'
            f'font-size:0.85rem">{"".join(rows)}</div>')
    return _figure(grid + _legend(legend), key=key, label=label)


# --- SVG charts: an x axis (dates or categories), a y axis in dollars ------------------------------------------


@dataclass
class Frame:
    """The plot area inside the SVG and its y scale (dollars)."""

    height: int
    y_low: float
    y_high: float
    left: int = 64
    right: int = 12
    top: int = 10
    bottom: int = 26
    width: int = WIDTH
    ticks: list[float] = field(default_factory=list)

    @classmethod
    def for_values(cls, values: Sequence[float], height: int) -> Frame:
        ticks = nice_ticks(min(values, default=0.0), max(values, default=0.0))
        return cls(height=height, y_low=ticks[0], y_high=ticks[-1], ticks=ticks)

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    def y(self, value: float) -> float:
        span = (self.y_high - self.y_low) or 1
        return self.top + (self.y_high - value) / span * (self.height - self.top - self.bottom)

    def y_axis(self) -> str:
        """Grid lines and dollar labels at the ticks, and the zero line darker."""
        out = []
        for t in self.ticks:
            y = self.y(t)
            colour = AXIS if t == 0 else GRID
            out.append(f'<line x1="{self.left}" x2="{self.width - self.right}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{colour}" stroke-width="1"/>'
                       f'<text x="{self.left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick_money(t)}</text>')
        return "".join(out)


def _svg(frame: Frame, body: str, *, key: str, label: str, legend: str = "") -> str:
    svg = (f'<svg viewBox="0 0 {frame.width} {frame.height}" width="100%" role="img" aria-label="{fmt.html_text(label)}" '
           f'style="display:block;overflow:visible" font-size="{FONT}" fill="currentColor">{body}</svg>')
    return _figure(svg + legend, key=key, label=label)


def _date_ticks(start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, str]]:
    """Ticks on a date axis: each year's start over long spans, quarters or months over short ones."""
    days = (end - start).days
    if days > 3 * 366:
        every, freq, label = max(1, round(days / 365 / 8)), "YS", "%Y"
    elif days > 400:
        every, freq, label = 1, "QS", "%Y-%m"
    else:
        every, freq, label = max(1, round(days / 31 / 10)), "MS", "%Y-%m"
    marks = pd.date_range(start, end, freq=freq)
    return [(t, t.strftime(label)) for t in marks[::every]]


@dataclass
class TimeBars:
    """Bars at dates (one per row): their series name for the legend, colour, and each row's tooltip."""

    dates: Sequence
    values: Sequence[float]
    series: str
    colour: str
    tooltips: Sequence[str]
    width: float | None = None  # px; None: the room a month takes on the axis


@dataclass
class TimeLine:
    """A line through dated points; `step`: held flat until the next point (a running total)."""

    dates: Sequence
    values: Sequence[float]
    series: str
    colour: str
    tooltips: Sequence[str]
    step: bool = False
    dashed: bool = False
    points: bool = True


def over_time(layers: Sequence[TimeBars | TimeLine], *, key: str, label: str, height: int = 320,
              pad_days: int = 0) -> str:
    """Bars and lines on one date axis and one dollar axis. A single date gets `pad_days` of room each side."""
    dates = [pd.Timestamp(d) for layer in layers for d in layer.dates if fmt.val(d) is not None]
    values = [number(v) for layer in layers for v in layer.values]
    frame = Frame.for_values(values, height)
    if not dates:
        return _svg(frame, frame.y_axis(), key=key, label=label)
    start, end = min(dates), max(dates)
    pad = pd.Timedelta(days=pad_days if start == end else 15)
    start, end = start - pad, end + pad
    span = (end - start).total_seconds() or 1.0

    def x(d) -> float:
        return frame.left + (pd.Timestamp(d) - start).total_seconds() / span * frame.plot_w

    month_px = frame.plot_w * (30.4 * 86400) / span
    body = [frame.y_axis()]
    base = frame.height - frame.bottom
    for t, text in _date_ticks(start, end):
        body.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{base}" y2="{base + 4}" stroke="{AXIS}"/>'
                    f'<text x="{x(t):.1f}" y="{base + 17}" text-anchor="middle">{text}</text>')
    zero = frame.y(0)
    for layer in layers:
        if isinstance(layer, TimeBars):
            w = layer.width or max(2.0, min(24.0, month_px * 0.8))
            for d, v, tip in zip(layer.dates, layer.values, layer.tooltips, strict=True):
                if fmt.val(d) is None:
                    continue
                v = number(v)
                top, bottom = sorted((frame.y(v), zero))
                body.append(f'<rect data-series="{fmt.html_text(layer.series)}" data-x="{fmt.html_text(pd.Timestamp(d).date())}" '
                            f'data-value="{v!r}" x="{x(d) - w / 2:.1f}" y="{top:.1f}" width="{w:.1f}" '
                            f'height="{max(bottom - top, 0.5):.1f}" fill="{layer.colour}"><title>{fmt.html_text(tip)}</title>'
                            f'</rect>')
        else:
            pts = [(x(d), frame.y(number(v)), d, number(v), tip)
                   for d, v, tip in zip(layer.dates, layer.values, layer.tooltips, strict=True)
                   if fmt.val(d) is not None and fmt.val(v) is not None]
            path = []
            for i, (px, py, *_rest) in enumerate(pts):
                if i and layer.step:
                    path.append(f"{px:.1f},{pts[i - 1][1]:.1f}")
                path.append(f"{px:.1f},{py:.1f}")
            dash = ' stroke-dasharray="4 4"' if layer.dashed else ""
            body.append(f'<polyline points="{" ".join(path)}" fill="none" stroke="{layer.colour}" '
                        f'stroke-width="2"{dash}/>')
            for px, py, d, v, tip in pts:
                radius = 3 if layer.points else 2
                opacity = "" if layer.points else ' fill-opacity="0"'
                body.append(f'<circle data-series="{fmt.html_text(layer.series)}" data-x="{fmt.html_text(pd.Timestamp(d).date())}" '
                            f'data-value="{v!r}" cx="{px:.1f}" cy="{py:.1f}" r="{radius}" fill="{layer.colour}"'
                            f'{opacity}><title>{fmt.html_text(tip)}</title></circle>')
    legend = _legend([(layer.series, layer.colour) for layer in layers],
                     dashed=[layer.series for layer in layers if isinstance(layer, TimeLine) and layer.dashed])
    return _svg(frame, "".join(body), key=key, label=label, legend=legend)


def columns(categories: Sequence[str], groups: Sequence[tuple[str, str]], value: Callable[[str, str], float | None],
            tooltip: Callable[[str, str], str], *, key: str, label: str, height: int = 340) -> str:
    """Columns per category (e.g. fiscal year), one per group (e.g. vendor) side by side in the group's colour;
    a category a group has no row for gets no column."""
    cells = {(c, g): value(c, g) for c in categories for g, _ in groups}
    frame = Frame.for_values([v for v in cells.values() if v is not None], height)
    slot = frame.plot_w / max(len(categories), 1)
    col_w = min(40.0, slot * 0.8 / max(len(groups), 1))
    zero, base = frame.y(0), frame.height - frame.bottom
    body = [frame.y_axis()]
    for i, c in enumerate(categories):
        centre = frame.left + slot * (i + 0.5)
        body.append(f'<text x="{centre:.1f}" y="{base + 17}" text-anchor="middle">{fmt.html_text(c)}</text>')
        first = centre - col_w * len(groups) / 2
        for j, (g, colour) in enumerate(groups):
            v = cells[(c, g)]
            if v is None:
                continue
            top, bottom = sorted((frame.y(v), zero))
            body.append(f'<rect data-label="{fmt.html_text(c)}" data-series="{fmt.html_text(g)}" data-value="{v!r}" '
                        f'x="{first + j * col_w:.1f}" y="{top:.1f}" width="{col_w * 0.92:.1f}" '
                        f'height="{max(bottom - top, 0.5):.1f}" fill="{colour}"><title>{fmt.html_text(tooltip(c, g))}</title>'
                        f'</rect>')
    return _svg(frame, "".join(body), key=key, label=label, legend=_legend(groups))


def _shade(share: float, low: str = "#fde0dd", high: str = "#e34a33") -> str:
    """A colour between `low` (share 0) and `high` (share 1)."""
    a = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def tiles(cells: Sequence[tuple[str, int, int, float | None, str]], *, key: str, label: str, tile: int = 46,
          cols: int = 11, rows: int = 8) -> str:
    """A tile grid (one square per place: code, row, column, value or None, tooltip), shaded from light to dark
    by value (linear from 0 to the largest), grey where there is no value, each square labelled with its code."""
    values = [v for *_x, v, _t in cells if v is not None]
    top = max(values, default=0) or 1
    body = []
    for code, r, c, v, tip in cells:
        fill = "#e5e5e5" if v is None else _shade(max(v, 0) / top)
        value = "" if v is None else f' data-value="{v!r}"'
        x, y = c * tile + 2, r * tile + 2
        body.append(f'<g data-label="{fmt.html_text(code)}"{value}><title>{fmt.html_text(tip)}</title>'
                    f'<rect x="{x}" y="{y}" width="{tile - 4}" height="{tile - 4}" fill="{fill}"/>'
                    f'<text x="{x + tile / 2 - 2}" y="{y + tile / 2 + 2}" text-anchor="middle" fill="#333" '
                    f'font-size="11">{fmt.html_text(code)}</text></g>')
    width, height = cols * tile, rows * tile
    scale = (f'<div style="font-size:0.8rem;display:flex;align-items:center;gap:6px;margin-top:4px">'
             f'Obligated: $0<span style="display:inline-block;width:120px;height:10px;'
             f'background:linear-gradient(to right,{_shade(0)},{_shade(1)})"></span>{tick_money(top)}'
             f'<span style="display:inline-block;width:12px;height:12px;background:#e5e5e5;margin-left:10px"></span>'
             f'no award reports the state</div>')
    svg = (f'<svg viewBox="0 0 {width} {height}" width="{width}" style="max-width:100%;display:block" role="img" '
           f'aria-label="{fmt.html_text(label)}" font-size="{FONT}">{"".join(body)}</svg>')
    return _figure(svg + scale, key=key, label=label)
