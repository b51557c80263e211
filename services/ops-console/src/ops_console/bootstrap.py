"""The ops console's composition root: the sign-in provider, the clients for the owning services' APIs, the
dashboard's consumer and live counters, the pages, and how the launcher runs it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from gotong.api.app import LifespanHook
from gotong.api.app import create_app as create_kit_app
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.messaging.consumer import consumer_hook
from gotong.service import ServiceSpec
from ops_console.adapters.oidc import OidcProvider
from ops_console.config import VERSION, Settings
from ops_console.entrypoints.consumers import TOPICS, dashboard_consumer
from ops_console.entrypoints.live import live_lifespan
from ops_console.entrypoints.web import auth, dashboard, desks_money, desks_partners, desks_registry
from ops_console.entrypoints.web.officer import COOKIE, CsrfRefused, SignInNeeded
from ops_console.entrypoints.web.render import STATIC, cookie_flags, page

DESCRIPTION = (
    "The officers' desk in a browser (a backend-for-frontend without business rules): sign-in with OpenID "
    "Connect, a live operations dashboard fed by every service's published facts, and desk screens that call "
    "the owning services' APIs with the officer's own token."
)


def _clients(oidc_http: httpx.AsyncClient | None, owner_http: httpx.AsyncClient | None) -> LifespanHook:
    @contextlib.asynccontextmanager
    async def hook(app: FastAPI) -> AsyncIterator[None]:
        settings: Settings = app.state.settings
        async with contextlib.AsyncExitStack() as stack:
            oidc = oidc_http if oidc_http is not None else await stack.enter_async_context(
                httpx.AsyncClient(timeout=settings.owner_timeout_s))
            app.state.owner_http = owner_http or await stack.enter_async_context(
                httpx.AsyncClient(timeout=settings.owner_timeout_s))
            issuer = settings.issuer
            app.state.console_oidc = OidcProvider(issuer, settings.oidc_client_id, settings.oidc_client_secret,
                                                  oidc) if issuer else None
            yield

    return hook


def _install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="console-static")
    for router in (auth.router, dashboard.router, desks_registry.router, desks_money.router, desks_partners.router):
        app.include_router(router)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        if exc.why is None:
            if request.method == "GET" and "text/event-stream" not in request.headers.get("accept", ""):
                return RedirectResponse(f"/auth/sign-in?return_to={exc.return_to}", status_code=303)
            response: Response = page(request, "message.html", status_code=401, title_key="sign_in", message="",
                                      retry=True)
        else:
            response = page(request, "message.html", status_code=401, title_key="sign_in",
                            message=page_text(request, "session_expired" if exc.why == "idle" else "token_expired"),
                            retry=True)
        response.delete_cookie(COOKIE, **cookie_flags(request))
        return response

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return page(request, "message.html", status_code=403, title_key="bad_input",
                    message=page_text(request, "csrf_refused"), back=True)


def page_text(request: Request, key: str) -> str:
    from ops_console.entrypoints.web.i18n import lang_of, text

    return text(lang_of(request), key)


def create_app(settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK,
               oidc_http: httpx.AsyncClient | None = None, owner_http: httpx.AsyncClient | None = None) -> FastAPI:
    """`oidc_http`/`owner_http`: clients for the sign-in provider and the owning services (tests hand in
    transports to in-process apps); by default the console makes its own."""
    settings = settings or Settings()
    hooks: list[LifespanHook] = [_clients(oidc_http, owner_http), live_lifespan]
    if settings.consumers_enabled:
        hooks.append(consumer_hook(dashboard_consumer))
    app = create_kit_app(settings, title="Gotong ops console", version=VERSION, description=DESCRIPTION,
                         lifespan_hooks=hooks, clock=clock)
    _install_pages(app)
    return app


service = ServiceSpec(
    name="ops-console",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8108,
    consumes=tuple(TOPICS),
    sign_in="/auth/callback",
)
