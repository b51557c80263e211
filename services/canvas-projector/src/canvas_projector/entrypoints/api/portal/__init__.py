"""The public portal: Bahasa Indonesia first, English second, no login, no personal data, small cells hidden.
Templates and static files are package data beside this module."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from html import escape
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from canvas_projector.domain.figures import number, rupiah
from canvas_projector.entrypoints.api.portal.i18n import STRINGS

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
WIB = timezone(timedelta(hours=7), "WIB")
#: Bars a chart draws before it says "top N of M" and points at the full table.
CHART_LIMIT = 12
MONTHS = {"id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                 "Oktober", "November", "Desember"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December")}


def moment(at: datetime, lang: str) -> str:
    """A moment in WIB as people read it: `1 Desember 2026 11.17 WIB`, `1 December 2026 11:17 WIB`."""
    wib = at.astimezone(WIB)
    clock = f"{wib:%H.%M}" if lang == "id" else f"{wib:%H:%M}"
    return f"{wib.day} {MONTHS[lang][wib.month - 1]} {wib.year} {clock} WIB"


def bar_chart(rows: list[tuple[str, int]], label: str, lang: str, *, table: str = "") -> str:
    """Rupiah per group as a list of bars: the words are page text (wrapping, the page's size, never clipped),
    the bars are SVG rectangles sized by attribute (no inline style). Past CHART_LIMIT rows it says how many it
    shows of how many and links the full table (`table` is its element id)."""
    if not rows:
        return ""
    t = STRINGS[lang]
    top = max(v for _, v in rows) or 1
    items = []
    for name, value in rows[:CHART_LIMIT]:
        share = max(0.5, 100 * value / top)
        items.append(f'<li><span class="bar-label">{escape(name)}</span> '
                     f'<span class="bar-value">{rupiah(value, lang)}</span>'
                     f'<svg class="bar" aria-hidden="true" focusable="false" width="100%" height="14">'
                     f'<rect width="{share:.1f}%" height="14"></rect></svg></li>')
    more = ""
    if len(rows) > CHART_LIMIT:
        shown = t["chart_top"].format(n=number(CHART_LIMIT, lang), total=number(len(rows), lang))
        link = f' <a href="#{escape(table)}">{t["full_table"]}</a>' if table else ""
        more = f'<p class="note">{shown}{link}</p>'
    return f'<ol class="bars" aria-label="{escape(label)}">{"".join(items)}</ol>{more}'


def render(request: Request, name: str, lang: str, title: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A portal page. Templates write numbers only through `n(count)` and `rp(amount)`, in the page's language,
    and every page says when its data was read."""
    running = getattr(request.app.state, "runtime", None)
    read_at = running.clock.now() if running is not None else datetime.now(UTC)
    registry = getattr(running.settings, "registry_url", None) if running is not None else None
    return templates.TemplateResponse(request, name, {
        "lang": lang, "t": STRINGS[lang], "title": title, "n": lambda value: number(value, lang),
        "rp": lambda value: rupiah(value, lang), "data_as_of": moment(read_at, lang),
        "data_as_of_iso": read_at.astimezone(UTC).isoformat(timespec="seconds"),
        "status_check": f"{registry.rstrip('/')}/cek-status?lang={lang}" if registry else None, **context},
        status_code=status_code)
