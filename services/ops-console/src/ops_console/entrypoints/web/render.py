"""Server-rendered pages (Jinja2, autoescaped): every page gets the language, the words, the number formats,
the signed-in officer and the session's CSRF token for its forms."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ops_console.entrypoints.web import i18n

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LANG_COOKIE_DAYS = 365

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)


def cookie_flags(request: Request) -> dict[str, Any]:
    return {"httponly": True, "secure": True, "samesite": "lax", "path": "/"}


def back_href(request: Request) -> str:
    """Where "back" goes: the page the officer came from, when it was one of the console's own."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/") and not referer.path.startswith("//"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/dashboard"


def page(request: Request, template: str, *, status_code: int = 200, officer: Any = None, **ctx: Any) -> HTMLResponse:
    lang = i18n.lang_of(request)
    other = "en" if lang == "id" else "id"
    html = env.get_template(template).render(
        request=request, lang=lang, other_lang=other, t=lambda key: i18n.text(lang, key),
        n=lambda v: i18n.number(v, lang), rp=lambda v: i18n.rupiah(v, lang), when=lambda v: i18n.when(v, lang),
        officer=officer, csrf=getattr(officer, "csrf", ""), idem=lambda: str(uuid.uuid4()),
        path=request.url.path, query=dict(request.query_params), back_href=back_href(request),
        qs=lambda **kw: urlencode({k: v for k, v in {**request.query_params, **kw}.items()
                                   if v not in (None, "") and k != "done"}), **ctx)
    response = HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        response.set_cookie("lang", asked, max_age=LANG_COOKIE_DAYS * 86400, **cookie_flags(request))
    return response
