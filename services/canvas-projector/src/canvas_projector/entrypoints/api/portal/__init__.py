"""The public portal: Bahasa Indonesia first, English second, no login, no personal data, small cells hidden.
Templates and static files are package data beside this module."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from canvas_projector.domain.figures import rupiah
from canvas_projector.entrypoints.api.portal.i18n import STRINGS

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")


def bar_chart(rows: list[tuple[str, int]], label: str) -> str:
    """A horizontal bar chart as inline SVG (no scripts, no CDN), readable on a phone; label above each bar."""
    if not rows:
        return ""
    top = max(v for _, v in rows) or 1
    bars = []
    for i, (name, value) in enumerate(rows):
        y = 6 + 44 * i
        width = max(2, int(340 * value / top))
        bars.append(f'<text x="0" y="{y + 14}">{escape(name)} \u2014 {rupiah(value)}</text>'
                    f'<rect x="0" y="{y + 20}" width="{width}" height="16" fill="#0b5d3b"></rect>')
    return (f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 360 {44 * len(rows) + 8}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def render(request: Request, name: str, lang: str, title: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"lang": lang, "t": STRINGS[lang], "title": title, **context})
