"""Small server-side SVG charts for the dashboard: no script, no CDN, readable without
colour (every bar carries its number in its title)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from auftakt_common.german import thousands
from markupsafe import Markup, escape

from .domain import PIPELINE, STATUS_LABELS

__all__ = ["bar_chart", "funnel_chart"]


def bar_chart(days: Sequence[tuple[date, int]], *, width: int = 600, height: int = 140) -> Markup:
    """New leads per day, one bar each."""
    if not days:
        return Markup("")
    peak = max((count for _, count in days), default=0) or 1
    slot = width / len(days)
    bars = []
    for index, (day, count) in enumerate(days):
        bar_height = round((height - 20) * count / peak, 1)
        label = f"{day.day}.{day.month}.: {thousands(count)} neue Leads"
        bars.append(
            f'<rect x="{index * slot + 1:.1f}" y="{height - 16 - bar_height:.1f}" '
            f'width="{max(slot - 2, 1):.1f}" height="{bar_height}" class="bar">'
            f"<title>{escape(label)}</title></rect>"
        )
    first, last = days[0][0], days[-1][0]
    axis = (
        f'<text x="0" y="{height - 2}" class="axis">{first.day}.{first.month}.</text>'
        f'<text x="{width}" y="{height - 2}" class="axis" text-anchor="end">'
        f"{last.day}.{last.month}.</text>"
    )
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="Neue Leads pro Tag, letzte {len(days)} Tage">'
        + "".join(bars)
        + axis
        + "</svg>"
    )


def funnel_chart(by_status: Mapping[str, int], *, width: int = 600) -> Markup:
    """Leads per pipeline status, widest first, as horizontal bars."""
    peak = max(by_status.values(), default=0) or 1
    row = 26
    parts = []
    for index, status in enumerate(PIPELINE):
        count = by_status.get(status, 0)
        bar = round((width - 190) * count / peak, 1)
        y = index * row
        label = STATUS_LABELS[status]
        parts.append(
            f'<text x="0" y="{y + 17}" class="label">{escape(label)}</text>'
            f'<rect x="110" y="{y + 4}" width="{bar}" height="{row - 8}" class="bar {status}">'
            f"<title>{escape(label)}: {thousands(count)}</title></rect>"
            f'<text x="{116 + bar}" y="{y + 17}" class="value">{thousands(count)}</text>'
        )
    height = row * len(PIPELINE)
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'aria-label="Leads nach Pipeline-Status">' + "".join(parts) + "</svg>"
    )
