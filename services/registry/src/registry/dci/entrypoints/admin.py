"""The admin API of DCI clients (`/v1/dci/clients`, scope `registry:dci-admin`): register a ministry client,
list them, rotate a key with an overlap window, revoke one, and read the audit of every change. Changes take
effect without a restart: every registry instance reads the same table (see `adapters.directory`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from gotong.api.app import runtime
from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.problem import LIST_PROBLEMS, WRITE_PROBLEMS
from registry.dci.application import clients
from registry.dci.application.clients import ClientCreate, ClientRevoke, EncryptionKeySet, KeyRotate
from registry.dci.entrypoints.answers import ClientAudit, DciClientView
from registry.dci.entrypoints.inbound import dci

ADMIN_SCOPE = "registry:dci-admin"
router = APIRouter(prefix="/v1/dci/clients", tags=["DCI clients (admin)"])
Admin = Annotated[Principal, require_scopes(ADMIN_SCOPE)]
ClientId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")]


def _actor(who: Principal) -> str:
    return f"{who.client_id or 'token'}:{who.subject}"


@router.post("", response_model=DciClientView, status_code=201, responses=WRITE_PROBLEMS,
             summary="Register a ministry's DCI client")
async def add(body: ClientCreate, request: Request, cmd: CommandDep, who: Admin) -> Any:
    ctx = dci(request)
    answer = await cmd.execute(lambda uow: clients.add(uow, ctx.policy, body, _actor(who)), status_code=201)
    ctx.clients.invalidate()
    return answer


@router.get("", response_model=list[DciClientView], responses=LIST_PROBLEMS,
            summary="The DCI clients, their keys and status")
async def listed(request: Request, _: Admin) -> list[dict[str, Any]]:
    async with runtime(request.app).units.begin() as uow:
        return await clients.listed(uow)


@router.get("/audit", response_model=list[ClientAudit], responses=LIST_PROBLEMS,
            summary="Who changed which client, when and how")
async def audit(request: Request, _: Admin,
                client_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None) -> list[dict[str, Any]]:
    async with runtime(request.app).units.begin() as uow:
        return await clients.audit(uow, client_id)


@router.post("/{client_id}/keys", response_model=DciClientView, responses=WRITE_PROBLEMS,
             summary="Rotate: add a key; the keys in use stay valid until old_valid_until (the overlap)")
async def rotate_key(client_id: ClientId, body: KeyRotate, request: Request, cmd: CommandDep, who: Admin) -> Any:
    answer = await cmd.execute(lambda uow: clients.rotate_key(uow, client_id, body, _actor(who)))
    dci(request).clients.invalidate()
    return answer


@router.put("/{client_id}/encryption-key", response_model=DciClientView, responses=WRITE_PROBLEMS,
            summary="Register, replace or (null) remove the client's public encryption key (X25519 or RSA JWK)")
async def set_encryption_key(client_id: ClientId, body: EncryptionKeySet, request: Request, cmd: CommandDep,
                             who: Admin) -> Any:
    answer = await cmd.execute(lambda uow: clients.set_encryption_key(uow, client_id, body, _actor(who)))
    dci(request).clients.invalidate()
    return answer


@router.post("/{client_id}/revoke", response_model=DciClientView, responses=WRITE_PROBLEMS,
             summary="Revoke: its messages are refused and its callbacks stop (with the reason recorded)")
async def revoke(client_id: ClientId, body: ClientRevoke, request: Request, cmd: CommandDep, who: Admin) -> Any:
    answer = await cmd.execute(lambda uow: clients.revoke(uow, client_id, body, _actor(who)))
    dci(request).clients.invalidate()
    return answer
