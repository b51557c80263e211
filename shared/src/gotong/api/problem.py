"""RFC 9457 problem+json: one renderer for domain errors, validation errors, HTTP errors and crashes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from gotong.domain.errors import DomainError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://gotong.id/problems/"
log = logging.getLogger("gotong.api")

_HTTP_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
               405: "method-not-allowed", 409: "conflict", 413: "payload-too-large", 415: "unsupported-media-type",
               422: "validation-error", 429: "too-many-requests", 503: "unavailable"}


def problem(status: int, code: str, title: str, detail: str | None = None, *, instance: str | None = None,
            errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
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
    errors = getattr(err, "errors", None) or ([{"field": err.field, "detail": err.detail}] if err.field else None)
    headers = err.extra.pop("headers", None) if isinstance(err.extra.get("headers"), dict) else None
    return problem(err.status, err.code, err.title, err.detail, instance=instance, errors=errors, headers=headers,
                   **{k: v for k, v in err.extra.items() if isinstance(v, str | int | float | bool | list | dict)})


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(p) for p in loc)


def validation_errors(err: RequestValidationError) -> list[dict[str, Any]]:
    # Never echo the submitted value: it may be a NIK or a name.
    return [{"field": _field_path(e.get("loc", ())), "detail": e.get("msg", "invalid"), "code": e.get("type")}
            for e in err.errors()]


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
        return problem(err.status_code, code, code.replace("-", " ").capitalize(), detail,
                       instance=request.url.path, headers=getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, err: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path, "error_type": type(err).__name__})
        return problem(500, "internal-error", "Something went wrong on our side",
                       "The error was logged; retrying with the same Idempotency-Key is safe.",
                       instance=request.url.path)


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
    """For a route's `responses=`: declares the problem+json answers it can give."""
    return {s: {"model": Problem, "description": _HTTP_CODES.get(s, "error").replace("-", " "),
                "content": {PROBLEM_JSON: {}}} for s in statuses}
