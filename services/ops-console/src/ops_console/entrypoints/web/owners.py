"""Calling the owning services from a desk: with the officer's own token, the form's CSRF token checked first,
its idempotency key passed on (a double submit changes nothing), and a refusal shown in the officer's words."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ops_console.adapters.owners import Owner, OwnerRefused
from ops_console.entrypoints.web import i18n
from ops_console.entrypoints.web.officer import Officer, checked_form
from ops_console.entrypoints.web.render import page

KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")
PAGE = 20


def owner(request: Request, officer: Officer, service: str) -> Owner:
    settings = request.app.state.settings
    base = getattr(settings, f"{service.replace('-', '_')}_url")
    http: httpx.AsyncClient = request.app.state.owner_http
    return Owner(service, base, officer.session.access_token, http)


def refused(request: Request, officer: Officer, err: OwnerRefused) -> Response:
    lang = i18n.lang_of(request)
    status = err.status if 400 <= err.status < 500 else 502
    return page(request, "message.html", status_code=status, officer=officer, title_key="refused",
                message=i18n.refusal(lang, err.code if err.status != 503 else "", err.detail), back=True)


async def act(request: Request, officer: Officer, service: str, path: str, *, body: Any = None,
              params: dict[str, Any] | None = None, back: str) -> Response:
    form = await checked_form(request, officer)  # starlette keeps the parsed form: a route may read it first
    key = form.get("idem")
    if not isinstance(key, str) or not KEY.match(key):
        return page(request, "message.html", status_code=422, officer=officer, title_key="bad_input",
                    message="idem: the form's idempotency key is missing or malformed; reload the page", back=True)
    try:
        await owner(request, officer, service).post(path, body, idempotency_key=key, **(params or {}))
    except OwnerRefused as err:
        return refused(request, officer, err)
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}{urlencode({'done': '1'})}", status_code=303)


def field(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""
