"""Refusals of DCI messages, rendered by the kit's problem+json handler in a form both kinds of client read:

    {"type", "title", "status", "detail",                      RFC 9457, as every Gotong API
     "errors": [{"code": "err.signature.invalid", "message": ..., "field": "signature"}],   the spec's
     "message": {"ack_status": "ERR", "timestamp", "error": {"code", "message"}, "correlation_id"}}
                                                                 HttpErrorResponse and its acknowledgement
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from uuid6 import uuid7

from gotong.api.auth import InsufficientScope, Unauthorized
from gotong.domain.errors import DomainError
from gotong.observability.logging import scrub_text


class DciError(DomainError):
    status = 400
    code = "dci-bad-request"
    title = "The DCI message was refused"

    def __init__(self, dci_code: str, detail: str, *, field: str | None = None, ack_status: str = "ERR",
                 correlation_id: str | None = None, headers: dict[str, str] | None = None) -> None:
        # the spec requires a correlation_id on every acknowledgement: a refusal gets one of its own
        message: dict[str, Any] = {"ack_status": ack_status, "timestamp": datetime.now(UTC).isoformat(),
                                   "error": {"code": dci_code, "message": detail[:999]},
                                   "correlation_id": correlation_id or str(uuid7())}
        extra: dict[str, Any] = {"message": message}
        if headers:
            extra["headers"] = headers
        super().__init__(detail, field=field, **extra)
        self.dci_code = dci_code
        self.errors = [{"code": dci_code, "message": detail[:999], **({"field": field} if field else {})}]


class DciUnauthorized(DciError):
    status = 401
    code = "dci-unauthorized"
    title = "The message or its sender could not be authenticated"


class DciForbidden(DciError):
    status = 403
    code = "dci-forbidden"
    title = "This client may not do that"


class DciDuplicate(DciError):
    status = 409
    code = "dci-duplicate-message"
    title = "This message was already processed"


def from_kit(err: Unauthorized | InsufficientScope) -> DciError:
    headers = err.extra.get("headers")
    headers = headers if isinstance(headers, dict) else None
    if isinstance(err, InsufficientScope):
        return DciForbidden("err.request.forbidden", err.detail, headers=headers)
    return DciUnauthorized("err.request.unauthorized", err.detail, headers=headers)


def field_errors(errors: list[Any], prefix: str) -> DciError:
    """A pydantic failure as `err.request.bad`, naming every field (never echoing values)."""
    out = DciError("err.request.bad", "invalid field(s): " + ", ".join(
        ".".join([prefix, *(str(p) for p in e["loc"])]).strip(".") for e in errors[:5]),
        field=".".join([prefix, *(str(p) for p in errors[0]["loc"])]).strip(".") if errors else prefix)
    out.errors = [{"code": "err.request.bad", "field": ".".join([prefix, *(str(p) for p in e["loc"])]).strip("."),
                   "message": scrub_text(str(e.get("msg", "invalid")))} for e in errors]
    return out
