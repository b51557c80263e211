"""The public channel (no login): submit a case, check it by tracking number, appeal once.

Rate-limited per client address by the kit's `shared_rate_limit`: keyed on the connection's peer address, never
on a header the client writes; counted in the grievance database, so the limit holds across replicas, under a
MAC of the address keyed from GRIEVANCE_MASTER_SECRET, never the address itself. Nothing personal is ever
answered: the status check gives the status and a plain-language outcome only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from gotong.api.auth import Principal
from gotong.api.idempotency import CommandContext
from gotong.api.problem import problem_responses
from gotong.api.shared_limits import shared_rate_limit
from grievance.application import commands as c
from grievance.application import queries as q
from grievance.application.inputs import CaseSubmit
from grievance.entrypoints.api.answers import Appealed, PublicStatus, Submitted
from grievance.entrypoints.api.deps import DepsDep, read

#: Every public caller acts as this principal: idempotency keys are theirs to pick at random.
PUBLIC = Principal(subject="public", client_id=None, scopes=frozenset())
Tracking = Annotated[str, Path(pattern=r"^[A-Za-z]{3}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}$",
                               description="the tracking number given at submission, e.g. GRV-7K3M-Q9XD-2B4T")]


def public_router(per_minute: int) -> APIRouter:
    router = APIRouter(prefix="/public", tags=["public"])
    limited = [shared_rate_limit("grievance-public", per_minute, secret=lambda s: s.grievance_master_secret)]

    @router.post("/cases", status_code=201, response_model=Submitted, dependencies=limited,
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
