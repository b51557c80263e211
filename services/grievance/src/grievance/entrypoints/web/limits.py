"""The pages' rate limit, the hook `pages_router` takes: the public API's policy (`grievance-public`, counted in
the grievance database by the kit's `SharedLimiter`, so it holds across replicas), under the same policy name, so
an address has one budget whether it posts the form or calls `POST /public/cases`. The client is the connection's
peer address, never a header the client writes; the database holds a MAC of it, never the address."""

from __future__ import annotations

from fastapi import Request

from gotong.api.shared_limits import SharedLimiter, client_address
from grievance.entrypoints.web.pages import Limit

#: The policy name `grievance.entrypoints.api.public` limits the API under.
POLICY = "grievance-public"


def page_limit(per_minute: int) -> Limit:
    limiter = SharedLimiter(POLICY, per_minute, secret=lambda s: s.grievance_master_secret)

    async def limit(request: Request) -> int | None:
        decision = await limiter.take(request.app, client_address(request.scope))
        return None if decision.allowed else decision.retry_after

    return limit
