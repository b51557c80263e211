"""Refusals on `/dci/...` as the DCI YAML declares them, not as RFC 9457 problems: media type
`application/json`, and

- 401, 403 and 5xx: the spec's `HttpErrorResponse`, `{"errors": [{"code", "message"}]}`;
- any other refusal (400, 404, 409, 413, 422, 429 ...) is the path's `default` response: on an async path the
  acknowledgement `{"message": {"ack_status": "ERR" | "NACK", "timestamp", "error": {"code", "message"},
  "correlation_id"}}`; on a sync path (whose `default` is the answer itself) the answer's header rejecting the
  message, `{"header": {"message_id", "message_ts", "action", "status": "rjct", "status_reason_code",
  "status_reason_message", ...}}` (the error code and the field at fault in `status_reason_message`).

An ASGI middleware, outermost, so refusals made before routing (the kit's input guard, size and rate limits)
and crashes are answered the same way. Everything else the app answers passes through untouched.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uuid6 import uuid7

PREFIX = "/dci/"
log = logging.getLogger("registry.dci")
#: The spec's `Error.code` for a refusal the DCI layer did not name itself.
BY_STATUS = {401: "err.request.unauthorized", 403: "err.request.forbidden", 404: "err.request.not_found",
             408: "err.request.timeout", 429: "err.request.too_many_requests", 503: "err.service.unavailable"}


def _code(status: int) -> str:
    if status >= 500:
        return "err.service.unavailable"
    return BY_STATUS.get(status, "err.request.bad")


def _errors(problem: dict[str, Any], status: int) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for e in problem.get("errors") or []:
        if not isinstance(e, dict):
            continue
        code = str(e.get("code") or "")
        text = str(e.get("message") or e.get("detail") or problem.get("detail") or problem.get("title") or "")
        field = e.get("field")
        if field and not text.startswith(str(field)):
            text = f"{field}: {text}"
        out.append({"code": code if code.startswith("err.") else _code(status), "message": text[:999]})
    if not out:
        text = str(problem.get("detail") or problem.get("title") or "refused")
        out.append({"code": _code(status), "message": text[:999]})
    return out


#: The answer's action of each sync path.
SYNC_ACTIONS = {"/dci/registry/sync/search": "on-search", "/dci/registry/sync/txn/status": "txn-on-status"}
#: The spec's `MsgHeaderStatusReasonCode`s a refusal's text may start with.
HEADER_REASONS = ("rjct.version.invalid", "rjct.message_id.duplicate", "rjct.message_ts.invalid",
                  "rjct.action.invalid", "rjct.action.not_supported", "rjct.total_count.invalid",
                  "rjct.total_count.limit_exceeded", "rjct.errors.too_many")


def _rejecting_header(action: str, error: dict[str, str], sender_id: str, ack: dict[str, Any] | None) -> dict[str, Any]:
    text = error["message"]
    reason = next((r for r in HEADER_REASONS if r in text), None)
    if reason is None and error["code"] == "err.version.not_supported":
        reason = "rjct.version.invalid"
    header: dict[str, Any] = {
        "version": "1.0.0", "message_id": str(uuid7()), "message_ts": datetime.now(UTC).isoformat(),
        "action": action, "status": "rjct", "status_reason_message": f"{error['code']}: {text}"[:999],
        "total_count": 0, "completed_count": 0, "sender_id": sender_id, "is_msg_encrypted": False}
    if reason is not None:
        header["status_reason_code"] = reason
    if ack is not None and ack.get("correlation_id"):  # a replay: the first message's, to ask txn/status with
        header["meta"] = {"correlation_id": ack["correlation_id"]}
    return {"header": header}


def dci_body(problem: dict[str, Any], status: int, path: str = "", sender_id: str = "") -> dict[str, Any]:
    """The DCI form of a problem the app rendered for `path` (see the module's docstring)."""
    errors = _errors(problem, status)
    if status in (401, 403) or status >= 500:
        return {"errors": errors}
    # one error: its text names every field at fault
    error = {"code": errors[0]["code"], "message": "; ".join(e["message"] for e in errors)[:999]}
    ack = problem.get("message") if isinstance(problem.get("message"), dict) else None
    if path in SYNC_ACTIONS:
        nack = ack if ack is not None and ack.get("ack_status") == "NACK" else None
        return _rejecting_header(SYNC_ACTIONS[path], error, sender_id, nack)
    if ack is not None and {"ack_status", "timestamp", "correlation_id"} <= set(ack):
        return {"message": {**ack, "error": error}}
    return {"message": {"ack_status": "ERR", "timestamp": datetime.now(UTC).isoformat(), "error": error,
                        "correlation_id": str(uuid7())}}


class DciResponses:
    def __init__(self, app: ASGIApp, sender_id: str) -> None:
        self.app = app
        self.sender_id = sender_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def relay(message: Message) -> None:
            if message["type"] == "http.response.start":
                types = [v for k, v in message.get("headers", []) if k.lower() == b"content-type"]
                if types and types[0].startswith(b"application/problem+json"):
                    held["start"] = message
                    return
                held["passed"] = True
            elif message["type"] == "http.response.body" and "start" in held:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._rewrite(send, held["start"], b"".join(chunks), str(scope["path"]))
                return
            await send(message)

        try:
            await self.app(scope, receive, relay)
        except Exception as err:  # a crash the kit did not render: answered in the spec's form, never echoed
            if "passed" in held:
                raise
            log.error("dci request failed: %s", type(err).__name__)
            await self._send(send, 500, {"errors": [{"code": "err.service.unavailable",
                                                     "message": "internal error; retry later"}]}, [])

    async def _rewrite(self, send: Send, start: Message, raw: bytes, path: str) -> None:
        status = int(start["status"])
        try:
            problem = orjson.loads(raw)
        except orjson.JSONDecodeError:
            problem = {}
        keep = [(k, v) for k, v in start.get("headers", [])
                if k.lower() not in (b"content-type", b"content-length")]
        body = dci_body(problem if isinstance(problem, dict) else {}, status, path.rstrip("/"), self.sender_id)
        await self._send(send, status, body, keep)

    @staticmethod
    async def _send(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
        raw = orjson.dumps(body)
        await send({"type": "http.response.start", "status": status, "headers": [
            *headers, (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
        await send({"type": "http.response.body", "body": raw})
