"""Token-bucket rate limits per client, with 429 + Retry-After and the IETF RateLimit headers on every answer."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotong.api.problem import problem
from gotong.domain.errors import DomainError

EXEMPT = {"/healthz", "/readyz", "/metrics"}


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`capacity` requests at once, refilled at `per_minute` a minute. In-process (one per service replica)."""

    def __init__(self, per_minute: int, capacity: int, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.capacity = capacity
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, now: float | None = None) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until a token is back)."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # crude bound on memory; a full reset only ever grants more, never less
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, int(bucket.tokens), (self.capacity - bucket.tokens) / self.rate
        return False, 0, (1 - bucket.tokens) / self.rate

    def headers(self, name: str, remaining: int, reset: float) -> list[tuple[bytes, bytes]]:
        return [(b"ratelimit-policy", f'"{name}";q={self.per_minute};w=60'.encode()),
                (b"ratelimit", f'"{name}";r={remaining};t={math.ceil(reset)}'.encode())]


def client_key(scope: Scope) -> str:
    headers = dict(scope.get("headers") or [])
    auth = headers.get(b"authorization")
    if auth:
        return "t:" + hashlib.sha256(auth).hexdigest()[:24]
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")


class RateLimit:
    def __init__(self, app: ASGIApp, buckets: TokenBuckets, name: str = "default") -> None:
        self.app = app
        self.buckets = buckets
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT:
            await self.app(scope, receive, send)
            return
        allowed, remaining, reset = self.buckets.take(client_key(scope))
        extra = self.buckets.headers(self.name, remaining, reset)
        if not allowed:
            response: Any = problem(429, "too-many-requests", "Too many requests",
                                    f"retry after {math.ceil(reset)} s", instance=scope.get("path"),
                                    headers={"Retry-After": str(math.ceil(reset))})
            response.raw_headers.extend(extra)
            await response(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"


def rate_limit(name: str, per_minute: int, burst: int | None = None) -> Any:
    """A stricter named policy for one route, keyed by client address (e.g. the public status check)."""
    buckets = TokenBuckets(per_minute, burst or max(1, per_minute // 6))

    async def check(request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        allowed, remaining, reset = buckets.take(client)
        if not allowed:
            raise TooManyRequests(f"retry after {math.ceil(reset)} s", headers={
                "Retry-After": str(math.ceil(reset)),
                "RateLimit-Policy": f'"{name}";q={per_minute};w=60',
                "RateLimit": f'"{name}";r=0;t={math.ceil(reset)}'})

    return Depends(check)
