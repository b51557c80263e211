"""One hot route answered outermost, before the kit's middleware stack, doing inline what each layer does for it.

A request crosses about a dozen ASGI layers before any route sees it (tracing, the framework's error and body
limit plumbing, security headers, the crash guard, metrics, the rate limit, the size limit, the input guard), each
wrapping `send` and `receive` in closures of its own: on a route answered in one statement that is a third of the
request's CPU. `FastPath` answers one (method, path) in front of all of them, and gives the answer what they give
it:

- security headers: the same four (`security_headers.RAW`);
- the crash guard: an exception before the answer starts gets the kit's 500 (or 503 with Retry-After when a
  dependency is away), logged once, with the caller's trace ids;
- metrics: counted and timed under the route's template, method and status, as `HttpMetrics` does;
- the rate limit: the service-wide token bucket of the client's address, with its RateLimit headers;
- the size limit: only a body with a Content-Length of at most `max_body` bytes is read here;
- the input guard: the handler refuses what `InputGuard` would (`gotong.api.input.text_flaw` on its text).

Anything else goes through the whole stack unchanged, its body replayed: another route, a request while spans are
recorded (so it is traced as before), a bearer token (the rate limit keys it by subject), a query string, a body
without a Content-Length or larger than `max_body`, a client over the service-wide limit, and whatever the handler
does not answer itself (it returns None: invalid input gets the documented route's problem+json).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotong.api.metrics import LATENCY, REQUESTS
from gotong.api.problem import crash_answer
from gotong.api.ratelimit import TokenBuckets
from gotong.api.security_headers import RAW as SECURITY_HEADERS
from gotong.observability import tracing

#: The handler: the request's scope and body -> the JSON payload of a 200, or None to let the stack answer.
Handler = Callable[[Scope, bytes], Awaitable[bytes | None]]


class FastPath:
    """ASGI, outermost: `method` `path` answered by `handler` (see the module's docstring), else `app`."""

    def __init__(self, app: ASGIApp, *, method: str, path: str, handler: Handler, buckets: TokenBuckets,
                 max_body: int, headers: list[tuple[bytes, bytes]], policy: str = "default") -> None:
        self.app = app
        self.method = method
        self.path = path
        self.handler = handler
        self.buckets = buckets
        self.max_body = max_body
        self.policy = policy
        self.headers = headers  # the answer's own (content type, caching), before the kit's
        self._series: dict[int, tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["path"] != self.path or scope["method"] != self.method
                or scope.get("query_string") or tracing.recording()):
            await self.app(scope, receive, send)
            return
        length = -1
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif name == b"authorization":
                length = -1
                break
        if not 0 <= length <= self.max_body:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                await self.app(scope, _replay(messages, receive), send)
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
            if len(body) > length:  # longer than it said: the stack's size limit answers
                await self.app(scope, _replay(messages, receive), send)
                return
        client = scope.get("client")
        key = "ip:" + (client[0] if client else "unknown")
        allowed, remaining, reset = self.buckets.take(key)
        if not allowed:  # the stack's rate limit answers 429 with Retry-After
            await self.app(scope, _replay(messages, receive), send)
            return
        headers = [*self.headers, *self.buckets.headers(self.policy, remaining, reset), *SECURITY_HEADERS]
        try:
            payload = await self.handler(scope, body)
        except Exception as err:
            await self._crash(scope, receive, send, err, started, headers[len(self.headers):])
            return
        if payload is None:
            self.buckets.give_back(key)  # the stack takes it again
            await self.app(scope, _replay(messages, receive), send)
            return
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        self._count(200, started)

    async def _crash(self, scope: Scope, receive: Receive, send: Send, err: Exception, started: float,
                     headers: list[tuple[bytes, bytes]]) -> None:
        """The crash guard's answer, logged in the caller's trace (as the stack's unrecorded span would be)."""
        token = otel_context.attach(_request_context(scope))
        try:
            response: Any = crash_answer(err, self.path)
        finally:
            otel_context.detach(token)
        response.raw_headers.extend(headers)
        await response(scope, receive, send)
        self._count(response.status_code, started)

    def _count(self, status: int, started: float) -> None:
        series = self._series.get(status)
        if series is None:
            labels = (self.path, self.method, str(status))
            series = self._series[status] = (REQUESTS.labels(*labels), LATENCY.labels(*labels))
        series[0].inc()
        series[1].observe(time.perf_counter() - started)


def _request_context(scope: Scope) -> otel_context.Context:
    carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers") or ()
               if name in (b"traceparent", b"tracestate")}
    parent = propagate.extract(carrier) if carrier else None
    span = tracing.tracer.start_span(f"{scope.get('method', 'GET')} request", context=parent,
                                     kind=trace.SpanKind.SERVER)
    return trace.set_span_in_context(span, parent)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def install_fast_path(app: FastAPI, *, method: str, path: str, handler: Callable[[FastAPI], Handler],
                      max_body: int = 4096, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer `method` `path` in front of the app's whole middleware stack (call after `create_app`).

    `handler(app)` is asked for the handler once the stack is built (so that it may use parts the stack made).
    `headers`: the answer's own, besides Content-Length (default: JSON, not to be cached)."""
    settings = app.state.settings
    buckets: TokenBuckets = app.state.rate_buckets
    own = headers if headers is not None else [(b"content-type", b"application/json"),
                                               (b"cache-control", b"no-store")]
    build = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        stack = build()
        return FastPath(stack, method=method, path=path, handler=handler(app), buckets=buckets,
                        max_body=min(max_body, settings.max_request_bytes), headers=own)

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


__all__ = ["FastPath", "Handler", "install_fast_path"]
