"""Refusals of DCI messages, rendered by the kit's problem+json handler in a form both kinds of client read
(`entrypoints.inbound` turns the kit's and pydantic's refusals into these):

    {"type", "title", "status", "detail",                      RFC 9457, as every Gotong API
     "errors": [{"code": "err.signature.invalid", "message": ..., "field": "signature"}],   the spec's
     "message": {"ack_status": "ERR", "timestamp", "error": {"code", "message"}, "correlation_id"}}
                                                                 HttpErrorResponse and its acknowledgement
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from uuid6 import uuid7

from gotong.domain.errors import DomainError


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
