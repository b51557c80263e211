"""Security headers on every answer of every service, and API docs served from the kit itself (no CDN).

`SecurityHeaders` is a pure ASGI middleware: it adds a Content-Security-Policy that allows only the
service's own origin (no inline script, no framing), `X-Content-Type-Options: nosniff`, `X-Frame-Options:
DENY` and `Referrer-Policy`. A header the app set itself wins, so a page that needs a wider policy (the
docs below) says so on its own response.

FastAPI's `/docs` and `/redoc` load Swagger UI and ReDoc from a CDN; `local_docs` swaps them for the same
pages loading the copies vendored in `static/docs/` (licenses beside them), under a policy that allows
exactly the one inline script FastAPI's page carries (by its hash) and the inline styles both UIs set.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_STATIC = Path(__file__).parent / "static" / "docs"
DOCS_ASSETS = "/docs-assets"

#: Only the service's own origin: no inline script or style, no plugins, never inside a frame.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
REFERRER_POLICY = "strict-origin-when-cross-origin"

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def security_headers(csp: str = CSP) -> list[tuple[str, str]]:
    return [("Content-Security-Policy", csp), ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"), ("Referrer-Policy", REFERRER_POLICY)]


def raw_headers(csp: str = CSP) -> list[tuple[bytes, bytes]]:
    """The headers as they go on the wire (lower-case names)."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in security_headers(csp)]


#: The default policy's headers on the wire (what `SecurityHeaders` adds to an answer that has none of them).
RAW = raw_headers()


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not already carry them."""

    def __init__(self, app: ASGIApp, csp: str = CSP) -> None:
        self.app = app
        self.headers = security_headers(csp)
        self._raw = raw_headers(csp)  # made once

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers") or ())
                present = {name.lower() for name, _ in raw}
                raw += [header for header in self._raw if header[0] not in present]
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


def docs_csp(html: str) -> str:
    """The policy for a docs page: 'self', plus each of the page's own inline scripts by its SHA-256.
    Swagger UI and ReDoc set inline styles, ReDoc searches in a blob: worker, both use data: images."""
    hashes = " ".join("'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
                      for body in _INLINE_SCRIPT.findall(html))
    return ("default-src 'self'; " + f"script-src 'self' {hashes}".rstrip() + "; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
            "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_csp(bytes(page.body).decode())
    return page


def local_docs(app: FastAPI) -> None:
    """Replace FastAPI's CDN-backed docs routes with pages that load the vendored assets."""
    if not app.openapi_url:
        return
    openapi_url = app.openapi_url
    replaced = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    kept: list[BaseRoute] = [r for r in app.router.routes if not (isinstance(r, Route) and r.path in replaced)]
    app.router.routes[:] = kept
    app.mount(DOCS_ASSETS, StaticFiles(directory=DOCS_STATIC), name="docs-assets")
    favicon = f"{DOCS_ASSETS}/favicon-32x32.png"

    if app.docs_url:
        async def swagger_ui(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "").rstrip("/")
            redirect = app.swagger_ui_oauth2_redirect_url
            return _with_csp(get_swagger_ui_html(
                openapi_url=root + openapi_url, title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css", swagger_favicon_url=root + favicon,
                oauth2_redirect_url=root + redirect if redirect else None, init_oauth=app.swagger_ui_init_oauth,
                swagger_ui_parameters=app.swagger_ui_parameters))

        app.add_route(app.docs_url, swagger_ui, include_in_schema=False)
        if app.swagger_ui_oauth2_redirect_url:
            async def oauth2_redirect(request: Request) -> HTMLResponse:
                return _with_csp(get_swagger_ui_oauth2_redirect_html())

            app.add_route(app.swagger_ui_oauth2_redirect_url, oauth2_redirect, include_in_schema=False)

    if app.redoc_url:
        async def redoc(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "").rstrip("/")
            return _with_csp(get_redoc_html(
                openapi_url=root + openapi_url, title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js", redoc_favicon_url=root + favicon,
                with_google_fonts=False))

        app.add_route(app.redoc_url, redoc, include_in_schema=False)


def install(app: FastAPI, csp: str = CSP) -> None:
    """Security headers on every answer (outermost, so crashes and 404s carry them too) and local docs."""
    local_docs(app)
    app.add_middleware(SecurityHeaders, csp=csp)
