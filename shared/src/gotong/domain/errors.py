"""Domain errors: plain exceptions carrying an HTTP status and a stable code; one handler renders them."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "domain-error"
    title: ClassVar[str] = "The request cannot be carried out"

    def __init__(self, detail: str | None = None, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.field = field
        self.extra = extra


class ValidationFailed(DomainError):
    status = 422
    code = "validation-error"
    title = "Your request is not valid"

    def __init__(self, detail: str, *, field: str | None = None, errors: list[dict[str, Any]] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail, field=field, **extra)
        self.errors = errors or ([{"field": field, "detail": detail}] if field else [])


class NotFound(DomainError):
    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict with the current state"


class InvalidTransition(Conflict):
    code = "invalid-state-transition"
    title = "Not allowed in the current state"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Forbidden"
