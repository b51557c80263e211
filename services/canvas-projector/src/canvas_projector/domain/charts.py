"""Payments over time as an SVG line chart drawn on the server: one line per program, a month on the time axis,
rupiah on the other. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

#: Distinct, colour-blind safe line colours (Okabe-Ito), each line also marked by its own dash pattern.
LINES = (("#0072B2", ""), ("#D55E00", "6 3"), ("#009E73", "2 2"), ("#CC79A7", "8 3 2 3"), ("#E69F00", "4 4"),
         ("#56B4E9", "1 3"))
MONTHS = {"id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")}


def months_between(first: str, last: str) -> list[str]:
    """Every month "YYYY-MM" from first to last, inclusive."""
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_label(month: str, lang: str) -> str:
    y, m = month.split("-")
    return f"{MONTHS[lang][int(m) - 1]} {y}"


def compact_rupiah(amount: int, lang: str) -> str:
    """Rp with a short scale word: `Rp 1,5 M` (miliar) / `Rp 1.5B` (billion)."""
    scales = (("T", "T", 10**12), ("M", "B", 10**9), ("jt", "M", 10**6), ("rb", "K", 10**3))
    for word_id, word_en, size in scales:
        if abs(amount) >= size:
            text = f"{amount / size:.1f}".removesuffix(".0")
            return f"Rp {text.replace('.', ',')} {word_id}" if lang == "id" else f"Rp {text}{word_en}"
    return f"Rp {amount}"


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above value (at least 1)."""
    if value <= 1:
        return 1
    magnitude = int(10 ** (len(str(value)) - 1))
    for m in (1, 2, 2.5, 5, 10):
        if m * magnitude >= value:
            return int(m * magnitude)
    return 10 * magnitude


def time_chart_svg(series: Mapping[str, Sequence[tuple[str, int]]], title: str, lang: str,
                   width: int = 720, height: int = 320) -> str:
    """One line per named series of (month, rupiah); months without payments are zero."""
    left, right, top, bottom = 84, 40, 16, 48  # room for the axis labels, the last month's included
    months = months_between(min(m for s in series.values() for m, _ in s),
                            max(m for s in series.values() for m, _ in s)) if any(series.values()) else []
    top_value = nice_ceiling(max((a for s in series.values() for _, a in s), default=0))
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return round(left + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2), 1)

    def y(amount: int) -> float:
        return round(top + plot_h - plot_h * max(0, amount) / top_value, 1)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" class="chart" '
           f'viewBox="0 0 {width} {height + 24 * len(series)}" width="100%"><title>{escape(title)}</title>',
           '<g font-size="12" font-family="sans-serif" fill="#1b1f24">']
    for k in range(5):
        value = top_value * k // 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value)}" y2="{y(value)}" stroke="#d0d7d3"/>'
                   f'<text x="{left - 6}" y="{y(value) + 4}" text-anchor="end">{compact_rupiah(value, lang)}</text>')
    step = max(1, len(months) // 8)
    for i, month in enumerate(months):
        out.append(f'<line x1="{x(i)}" x2="{x(i)}" y1="{top + plot_h}" y2="{top + plot_h + 5}" stroke="#555"/>')
        if i % step == 0:
            out.append(f'<text class="tick" x="{x(i)}" y="{top + plot_h + 20}" text-anchor="middle">'
                       f'{month_label(month, lang)}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#555"/>')
    for n, (name, points) in enumerate(series.items()):
        colour, dash = LINES[n % len(LINES)]
        by_month = dict(points)
        coords = " ".join(f"{x(i)},{y(by_month.get(m, 0))}" for i, m in enumerate(months))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2.5"{dashed} '
                   f'points="{coords}"><title>{escape(name)}</title></polyline>')
        out.extend(f'<circle cx="{x(i)}" cy="{y(by_month.get(m, 0))}" r="3" fill="{colour}"><title>{escape(name)}, '
                   f'{month_label(m, lang)}: {compact_rupiah(by_month.get(m, 0), lang)}</title></circle>'
                   for i, m in enumerate(months))
        ly = height + 24 * n + 8
        out.append(f'<line x1="{left}" x2="{left + 28}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"'
                   f'{dashed}/><text x="{left + 36}" y="{ly + 4}">{escape(name)}</text>')
    out.append("</g></svg>")
    return "".join(out)
