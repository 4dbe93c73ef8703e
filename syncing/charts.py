"""Charts drawn on the server as inline SVG: no JavaScript, no library, colours from the
stylesheet (`.chart .series-<tone>`), so light and dark follow the page.

Every label goes through format_html, so a list named `<script>` is drawn as text. A chart with
nothing to show is a short sentence instead of an empty frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# The default drawing width, in the SVG's own units. The drawing scales to its box, text too,
# so a chart meant for a full-width card is drawn wider to keep its text the page's size.
WIDTH = 560
TONES = ("ok", "info", "warn", "bad", "accent", "muted")
NO_DATA = "No data yet"

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    label: str
    tone: str  # one of TONES: the bar's CSS class is series-<tone>

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            raise ValueError(f"unknown tone {self.tone!r}")


def count(value: float) -> str:
    """1234 → "1,234"; 2.5 → "2.5" (axis ticks can fall between whole numbers)."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def nice_ceiling(value: float) -> float:
    """A round top for an axis at or above `value` (1, 2, 4, 6 or 8 × 10ⁿ), whose half, the
    middle tick, is a whole number from 2 up."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 4, 6, 8, 10) if value <= step * power)


def tick_indexes(n: int, at_most: int = 7) -> list[int]:
    """Which of n bars get a label under the axis: all when few, else every k-th counting back
    from the last (the latest day or run is always labelled)."""
    step = max(math.ceil((n - 1) / (at_most - 1)), 1) if n > at_most else 1
    return sorted(range(n - 1, -1, -step))


def clip(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def no_data(message: str = NO_DATA) -> SafeString:
    return format_html('<p class="muted">{}</p>', message)


def join(parts: Iterable[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def svg(width: int, height: float, label: str, parts: Iterable[SafeString]) -> SafeString:
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img"'
        ' aria-label="{}"><title>{}</title>{}</svg>',
        width,
        f"{height:.0f}",
        label,
        label,
        join(parts),
    )


def line(x1: float, y1: float, x2: float, y2: float) -> SafeString:
    return format_html(
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
        f"{x1:.1f}",
        f"{y1:.1f}",
        f"{x2:.1f}",
        f"{y2:.1f}",
    )


def text(x: float, y: float, content: str, anchor: str = "middle") -> SafeString:
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}">{}</text>', f"{x:.1f}", f"{y:.1f}", anchor, content
    )


def rect(tone: str, x: float, y: float, width: float, height: float, tip: str) -> SafeString:
    return format_html(
        '<rect class="series-{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
        tone,
        f"{x:.1f}",
        f"{y:.1f}",
        f"{width:.1f}",
        f"{height:.1f}",
        tip,
    )


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
    *,
    label: str,
    fmt: Formatter = count,
    width: int = WIDTH,
) -> SafeString:
    """Vertical bars, one per label; `values[i]` holds one number per series for `labels[i]`,
    stacked from the axis up in the order of `series`. One series makes a plain bar chart."""
    totals = [sum(row) for row in values]
    if not labels or max(totals, default=0) <= 0:
        return no_data()
    height, left, right, top, bottom = 220, 56, 24, 10, 24
    base = height - bottom
    top_value = nice_ceiling(max(totals))
    scale = (base - top) / top_value
    slot = (width - left - right) / len(labels)
    bar_width = max(slot * 0.7, 1.0)

    parts = [line(left, top, left, base), line(left, base, width - right, base)]
    for tick in (top_value / 2, top_value):
        y = base - tick * scale
        parts.append(text(left - 6, y + 4, fmt(tick), anchor="end"))
    for index, (name, row) in enumerate(zip(labels, values, strict=True)):
        x = left + index * slot + (slot - bar_width) / 2
        y = base
        for part, value in zip(series, row, strict=True):
            if value <= 0:
                continue
            y -= value * scale
            tip = f"{name} · {part.label}: {fmt(value)}"
            parts.append(rect(part.tone, x, y, bar_width, value * scale, tip))
    for index in tick_indexes(len(labels)):
        parts.append(text(left + (index + 0.5) * slot, height - 6, labels[index]))
    return svg(width, height, label, parts)


def hbar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
    *,
    label: str,
    shares: bool = False,
    fmt: Formatter = count,
    width: int = WIDTH,
) -> SafeString:
    """One row per label, its values (one per series) stacked left to right, the total at the
    end. With `shares` every row fills the width (its parts of its own total) and ends with the
    share of the first series instead: "87%"."""
    totals = [sum(row) for row in values]
    if not labels or max(totals, default=0) <= 0:
        return no_data()
    row_height, label_width, value_width, pad = 26, 160, 56, 6
    height = len(labels) * row_height + 2 * pad
    bar_room = width - label_width - value_width
    largest = max(totals)

    parts = [line(label_width, pad, label_width, height - pad)]
    for index, (name, row, total) in enumerate(zip(labels, values, totals, strict=True)):
        y = pad + index * row_height
        parts.append(text(label_width - 8, y + 17, clip(name), anchor="end"))
        if total <= 0:
            parts.append(text(label_width + 8, y + 17, "—", anchor="start"))
            continue
        scale = bar_room / (total if shares else largest)
        x = float(label_width)
        for part, value in zip(series, row, strict=True):
            if value <= 0:
                continue
            tip = f"{name} · {part.label}: {fmt(value)}"
            parts.append(rect(part.tone, x, y + 4, value * scale, row_height - 8, tip))
            x += value * scale
        figure = f"{round(100 * row[0] / total)}%" if shares else fmt(total)
        parts.append(text(width - 4, y + 17, figure, anchor="end"))
    return svg(width, height, label, parts)
