"""The public channel (no login): submit a case, check it by tracking number, appeal once.

Rate-limited per client address by the kit's `shared_rate_limit`: keyed on the connection's peer address, never
on a header the client writes; counted in the grievance database, so the limit holds across replicas, under a
MAC of the address keyed from GRIEVANCE_MASTER_SECRET, never the address itself. Nothing personal is ever
answered: the status check gives the status and a plain-language outcome only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from gotong.api.auth import Principal
from gotong.api.idempotency import CommandContext
from gotong.api.problem import problem_responses
from gotong.api.shared_limits import SharedLimiter, client_address, shared_rate_limit
from grievance.application import commands as c
from grievance.application import queries as q
from grievance.application.inputs import CaseSubmit
from grievance.entrypoints.api.answers import Appealed, PublicStatus, Submitted
from grievance.entrypoints.api.deps import DepsDep, read

#: Every public caller acts as this principal: idempotency keys are theirs to pick at random.
PUBLIC = Principal(subject="public", client_id=None, scopes=frozenset())
#: The shared limit's policy: one budget per address for the API, its hot path (`fast.py`) and the pages.
LIMIT_NAME = "grievance-public"
#: Set in the request's scope by the hot path when it counted the request and allowed it, before handing it to
#: the route (a key used already): the route then does not count it a second time.
COUNTED = "grievance.public_limit_counted"
Tracking = Annotated[str, Path(pattern=r"^[A-Za-z]{3}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}$",
                               description="the tracking number given at submission, e.g. GRV-7K3M-Q9XD-2B4T")]


def limiter_secret(settings: Any) -> str:
    """The secret the limit's address MACs are keyed from (a key derived from it, never the secret itself)."""
    return str(settings.grievance_master_secret)


def submission_limit(per_minute: int) -> Any:
    """The submission's share of the public limit, counted once per request: not again for a request the hot
    path counted and allowed already."""
    limiter = SharedLimiter(LIMIT_NAME, per_minute, secret=limiter_secret)

    async def submission_limit(request: Request) -> None:
        if request.scope.get(COUNTED):
            return
        decision = await limiter.take(request.app, client_address(request.scope))
        if not decision.allowed:
            raise limiter.refusal(decision)

    return Depends(submission_limit)


def public_router(per_minute: int) -> APIRouter:
    router = APIRouter(prefix="/public", tags=["public"])
    limited = [shared_rate_limit(LIMIT_NAME, per_minute, secret=limiter_secret)]

    @router.post("/cases", status_code=201, response_model=Submitted, dependencies=[submission_limit(per_minute)],
                 responses=problem_responses(403, 409, 422, 429),
                 summary="Ajukan sanggah, pengaduan pembayaran atau perbaikan data (no login)")
    async def public_submit(body: CaseSubmit, request: Request, deps: DepsDep) -> Any:
        cmd = CommandContext(request, PUBLIC)
        return await cmd.execute(lambda uow: c.submit(uow, deps, body, channel="public", by=PUBLIC.subject),
                                 status_code=201)

    @router.get("/cases/{tracking_number}", response_model=PublicStatus, dependencies=limited,
                responses=problem_responses(404, 422, 429),
                summary="Cek status pengaduan: status and plain-language outcome only")
    async def public_status(tracking_number: Tracking, request: Request) -> Any:
        return await read(request, q.public_status, tracking_number)

    @router.post("/cases/{tracking_number}/appeal", response_model=Appealed, dependencies=limited,
                 responses=problem_responses(404, 409, 422, 429), summary="Banding: once, after the decision")
    async def public_appeal(tracking_number: Tracking, request: Request) -> Any:
        cmd = CommandContext(request, PUBLIC)
        return await cmd.execute(lambda uow: c.public_appeal(uow, tracking_number.upper()))

    return router
