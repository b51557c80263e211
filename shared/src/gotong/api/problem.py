"""RFC 9457 problem+json: one renderer for domain errors, validation errors, HTTP errors and crashes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotong.domain.errors import DomainError
from gotong.observability.logging import scrub_text
from gotong.transient import is_transient

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://gotong.id/problems/"
log = logging.getLogger("gotong.api")

_HTTP_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
               405: "method-not-allowed", 409: "conflict", 413: "payload-too-large",
               415: "unsupported-media-type", 422: "validation-error", 429: "too-many-requests",
               500: "internal-error", 503: "unavailable"}
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_SCALAR = (str, int, float, bool, list, dict)


def problem(status: int, code: str, title: str, detail: str | None = None, *, instance: str | None = None,
            errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    """A problem+json response; `extra` members are added as RFC 9457 extension members."""
    body: dict[str, Any] = {"type": TYPE_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(err: DomainError, instance: str | None = None) -> JSONResponse:
    """Render a DomainError; `extra["headers"]` (a dict) become response headers, other extras members."""
    own = [{"field": err.field, "detail": err.detail}] if err.field else None
    errors = getattr(err, "errors", None) or own
    headers = err.extra.get("headers")
    members = {k: v for k, v in err.extra.items() if k != "headers" and isinstance(v, _SCALAR)}
    return problem(err.status, err.code, err.title, err.detail, instance=instance, errors=errors,
                   headers=headers if isinstance(headers, dict) else None, **members)


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "members", 0, "nik")` -> `body.members.0.nik` (dict keys a client sent are scrubbed too)."""
    return scrub_text(".".join(str(p) for p in loc))


def validation_errors(err: RequestValidationError) -> list[dict[str, Any]]:
    # Never echo the submitted value (it may be a NIK or a name): only the location, pydantic's message about
    # the rule (scrubbed, since a custom validator's message can quote the input) and the error type.
    return [{"field": field_path(e.get("loc", ())), "detail": scrub_text(str(e.get("msg", "invalid"))),
             "code": e.get("type")} for e in err.errors()]


#: Seconds a client should wait before retrying while a server we depend on is away.
RETRY_AFTER_S = 5


def unavailable(instance: str | None) -> JSONResponse:
    return problem(503, "unavailable", "Temporarily unavailable",
                   "A server this service depends on is not answering; retry after the given seconds with the "
                   "same Idempotency-Key.", instance=instance,
                   headers={"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"})


def crash_answer(err: BaseException, path: str | None) -> JSONResponse:
    """503 with Retry-After when the database is away (logged as a warning, no traceback), else a logged 500."""
    if is_transient(err):
        log.warning("dependency unavailable", extra={"path": path, "error_type": type(err).__name__})
        return unavailable(path)
    log.exception("unhandled error", extra={"path": path, "error_type": type(err).__name__})
    return internal_error(path)


def internal_error(instance: str | None) -> JSONResponse:
    return problem(500, "internal-error", "Something went wrong on our side",
                   "The error was logged; retrying with the same Idempotency-Key is safe.", instance=instance)


class CatchAll:
    """Outermost ASGI guard: an unhandled exception is logged once and answered with a generic 500 problem.

    Starlette's own 500 handler re-raises after answering, so the server would log the traceback a second
    time through its own logger; here the crash ends with the answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as err:
            if started:  # half an answer went out (or sending failed): let the server drop the connection
                raise
            await crash_answer(err, scope.get("path"))(scope, receive, send)


def _allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    # Ask every route through its public `matches` (routers included under a prefix answer for their own).
    routes = app.router.routes
    return [method for method in _METHODS
            if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, err: DomainError) -> JSONResponse:
        return domain_problem(err, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = validation_errors(err)
        fields = ", ".join(e["field"] for e in errors[:5])
        return problem(422, "validation-error", "Your request is not valid", f"invalid field(s): {fields}",
                       instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(err.status_code, "error")
        detail = err.detail if isinstance(err.detail, str) else None
        headers = dict(getattr(err, "headers", None) or {})
        if err.status_code == 405:  # Starlette names only the first route's methods; list every route's
            headers["Allow"] = ", ".join(_allowed_methods(app, request.scope)) or headers.get("Allow", "")
        return problem(err.status_code, code, code.replace("-", " ").capitalize(), detail,
                       instance=request.url.path, headers=headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, err: Exception) -> JSONResponse:  # apps without CatchAll
        return crash_answer(err, request.url.path)


class FieldError(BaseModel):
    field: str
    detail: str
    code: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """For a route's `responses=`: declares the problem+json answers it can give (schema `Problem`)."""
    return {s: {"model": Problem, "description": _HTTP_CODES.get(s, "error").replace("-", " "),
                "content": {PROBLEM_JSON: {}}} for s in statuses}


#: What any route may answer: invalid input, too large, rate limited, a dependency away (every app declares them).
APP_PROBLEMS = problem_responses(413, 422, 429, 503)
#: A read behind a token: no token, a missing scope, nothing there.
READ_PROBLEMS = problem_responses(401, 403, 404)
#: A command behind a token: the reads' problems, a conflict (state, version, idempotency key) and invalid input.
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 422)
#: A list or report behind a token.
LIST_PROBLEMS = problem_responses(401, 403)


def _problem_content(doc: dict[str, Any]) -> dict[str, Any]:
    """FastAPI puts a response model's schema under the route's media type; a problem is application/problem+json."""
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for answer in op.get("responses", {}).values():
                content = answer.get("content", {})
                if PROBLEM_JSON not in content:
                    continue
                for media_type in [m for m in content if m != PROBLEM_JSON]:  # the route's own (JSON, text)
                    schema = content.pop(media_type).get("schema")
                    if schema and not content[PROBLEM_JSON].get("schema"):
                        content[PROBLEM_JSON]["schema"] = schema
    return doc


def problem_openapi(app: FastAPI) -> None:
    """Make `app.openapi()` declare problem answers under application/problem+json only (built once, cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _problem_content(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
