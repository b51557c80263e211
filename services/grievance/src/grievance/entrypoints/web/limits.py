"""The pages' rate limit: the hook `pages_router` takes, per client address (the connection's peer, never a
header the client writes)."""

from __future__ import annotations

from fastapi import Request

from gotong.api.ratelimit import TokenBuckets
from grievance.entrypoints.web.pages import Limit


def page_limit(per_minute: int) -> Limit:
    """`per_minute` page submissions a minute per address, a sixth of that at once (the public API's policy)."""
    buckets = TokenBuckets(per_minute, max(1, per_minute // 6))

    async def limit(request: Request) -> int | None:
        allowed, _, reset = buckets.take(request.client.host if request.client else "unknown")
        return None if allowed else max(1, round(reset))

    return limit
