"""Error pages for people: a browser that asks for a page the portal cannot give gets an HTML page in the
visitor's language; API routes and clients that do not ask for HTML keep the kit's problem+json."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from canvas_projector.entrypoints.api.portal import render
from canvas_projector.entrypoints.api.portal.i18n import STRINGS
from gotong.domain.errors import DomainError

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def visitor_language(request: Request) -> str:
    """`?lang=` when it is one the portal speaks, else the browser's first preference, else Indonesian."""
    asked = request.query_params.get("lang", "")
    if asked in STRINGS:
        return asked
    preferred = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "en" if preferred.startswith("en") else "id"


def wants_page(request: Request) -> bool:
    """A browser navigating (it accepts text/html) to anything but a documented API route."""
    if "text/html" not in request.headers.get("accept", ""):
        return False
    route = request.scope.get("route")  # set by the router once a path matched
    return not (isinstance(route, APIRoute) and route.include_in_schema)


def error_page(request: Request, status: int) -> Response:
    lang = visitor_language(request)
    kind = "404" if status == 404 else "500" if status >= 500 else "400"
    t = STRINGS[lang]
    return render(request, "error.html", lang, t[f"error_title_{kind}"], status_code=status,
                  message=t[f"error_text_{kind}"])


def install(app: FastAPI) -> None:
    """Wrap the kit's handlers for HTTP, domain and validation errors: pages for browsers, problems for APIs."""

    def for_people(kit: Handler, status_of: Callable[[Exception], int]) -> Handler:
        async def handle(request: Request, err: Exception) -> Response:
            if wants_page(request):
                return error_page(request, status_of(err))
            answer = kit(request, err)
            return await answer if isinstance(answer, Awaitable) else answer

        return handle

    handlers = app.exception_handlers
    handlers[StarletteHTTPException] = for_people(
        handlers[StarletteHTTPException], lambda e: e.status_code if isinstance(e, StarletteHTTPException) else 500)
    handlers[DomainError] = for_people(handlers[DomainError],
                                       lambda e: e.status if isinstance(e, DomainError) else 500)
    handlers[RequestValidationError] = for_people(handlers[RequestValidationError], lambda e: 422)
