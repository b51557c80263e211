"""Token-bucket rate limits per client: 429 + Retry-After, and the IETF RateLimit headers on every answer."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotong.api.auth import Principal
from gotong.api.problem import problem
from gotong.domain.errors import DomainError

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`capacity` requests at once, refilled at `per_minute` a minute. In-process (one per replica)."""

    def __init__(self, per_minute: int, capacity: int, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.capacity = max(1, capacity)
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._policies: dict[str, tuple[bytes, bytes]] = {}

    def take(self, key: str, now: float | None = None) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until full again — or, when refused, until a token is back)."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, int(bucket.tokens), (self.capacity - bucket.tokens) / self.rate
        return False, 0, (1 - bucket.tokens) / self.rate

    def give_back(self, key: str) -> None:
        """Return the token `take` just spent (a later layer refused the request, so it must not count)."""
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.tokens = min(float(self.capacity), bucket.tokens + 1)

    def _evict_full(self, now: float) -> None:
        # A bucket that has refilled holds no state worth keeping; if none has, forget them all (only ever
        # grants more, never less).
        full = [k for k, b in self._buckets.items()
                if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for k in full or list(self._buckets):
            del self._buckets[k]

    def headers(self, name: str, remaining: int, reset: float) -> list[tuple[bytes, bytes]]:
        policy = self._policies.get(name)
        if policy is None:  # the same for every answer: made once per name
            policy = self._policies[name] = (b"ratelimit-policy", f'"{name}";q={self.per_minute};w=60'.encode())
        return [policy, (b"ratelimit", f'"{name}";r={remaining};t={math.ceil(reset)}'.encode())]


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


async def client_key(scope: Scope) -> str:
    """The verified token's subject when the request carries a valid bearer token, else the client address.

    The verified principal is left on the request state so the auth dependency does not verify twice. A token
    that does not verify counts against the address (the request is refused with 401 later anyway), so
    nobody can spend another client's budget with a forged token, nor escape their own by minting new ones.
    """
    auth = next((v for k, v in scope.get("headers") or () if k == b"authorization"), b"").decode("latin-1")
    scheme, _, token = auth.partition(" ")
    app = scope.get("app")
    verifier = getattr(getattr(app, "state", None), "token_verifier", None)
    if scheme.lower() == "bearer" and token.strip() and verifier is not None:
        try:
            principal: Principal = await verifier.verify(token.strip())
        except DomainError:
            return "ip:" + _client_ip(scope)
        scope.setdefault("state", {})["principal"] = principal
        return "sub:" + principal.subject
    return "ip:" + _client_ip(scope)


class RateLimit:
    """ASGI middleware: the service-wide policy, keyed per client (health and metrics are exempt)."""

    def __init__(self, app: ASGIApp, buckets: TokenBuckets, name: str = "default") -> None:
        self.app = app
        self.buckets = buckets
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT:
            await self.app(scope, receive, send)
            return
        allowed, remaining, reset = self.buckets.take(await client_key(scope))
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
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class TooManyRequests(DomainError):
    status = 429
    code = "too-many-requests"
    title = "Too many requests"


def rate_limit(name: str, per_minute: int, burst: int | None = None) -> Any:
    """A stricter named policy for one route, keyed by client address (e.g. the public status check).

    `@router.get("/status", dependencies=[rate_limit("public", per_minute=30)])`
    """
    buckets = TokenBuckets(per_minute, burst or max(1, per_minute // 6))

    async def check(request: Request) -> None:
        client = request.client.host if request.client else "unknown"
        allowed, _, reset = buckets.take(client)
        if not allowed:
            raise TooManyRequests(f"retry after {math.ceil(reset)} s", headers={
                "Retry-After": str(math.ceil(reset)),
                "RateLimit-Policy": f'"{name}";q={per_minute};w=60',
                "RateLimit": f'"{name}";r=0;t={math.ceil(reset)}'})

    check.__name__ = f"rate_limit_{name}"
    return Depends(check)
