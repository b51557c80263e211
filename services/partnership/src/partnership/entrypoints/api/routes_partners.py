"""Partners: register by helix strand, list and filter, contact person (personal, erasable), deactivate."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from gotong.api.answers import Page
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import PageDep
from partnership.application import commands as c
from partnership.application import inputs
from partnership.application import queries as q
from partnership.domain.values import KINDS, Strand
from partnership.entrypoints.api import answers as a
from partnership.entrypoints.api.deps import READ, READ_ERRORS, WRITE_ERRORS, Reader, Region, Writer, paged, read

router = APIRouter(prefix="/v1", tags=["partners"])


@router.get("/partner-kinds", dependencies=READ, responses=READ_ERRORS,
            summary="The kinds of organisation allowed in each helix strand")
async def partner_kinds() -> dict[str, list[str]]:
    return {strand: list(kinds) for strand, kinds in KINDS.items()}


@router.post("/partners", response_model=a.PartnerView, status_code=201, responses=WRITE_ERRORS,
             summary="Register a partner organisation in a helix strand (the contact person stays private)")
async def register_partner(body: inputs.RegisterPartner, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.register_partner(uow, body), status_code=201)


@router.get("/partners", response_model=Page[a.PartnerView], dependencies=READ, responses=READ_ERRORS,
            summary="Partners, filtered and paged")
async def list_partners(request: Request, page: PageDep, strand: Strand | None = None, kind: str | None = None,
                        region: Region = None, status: Annotated[str | None, Query(pattern="^(active|inactive)$")]
                        = None, q_: Annotated[str | None, Query(alias="q", max_length=100)] = None) -> dict[str, Any]:
    items = await read(request, q.list_partners, limit=page.limit, after=page.after, strand=strand, kind=kind,
                       region=region, status=status, q=q_)
    return paged(items, page)


@router.get("/partners/{partner_id}", response_model=a.PartnerView, responses=READ_ERRORS,
            summary="A partner with its agreements and projects (the contact person only for writers)")
async def get_partner(partner_id: UUID, request: Request, who: Reader) -> dict[str, Any]:
    return await read(request, q.get_partner, partner_id, who.has("partnership:write"))  # type: ignore[no-any-return]


@router.put("/partners/{partner_id}/contact", status_code=204, responses=WRITE_ERRORS,
            summary="Set the contact person (kept out of events; erasable)")
async def set_contact(partner_id: UUID, body: inputs.ContactPerson, cmd: CommandDep, _: Writer) -> Response:
    return await cmd.execute(lambda uow: c.set_contact(uow, partner_id, body), status_code=204)


@router.delete("/partners/{partner_id}/contact", status_code=204, responses=WRITE_ERRORS,
               summary="Erase the contact person (UU PDP request or change of staff)")
async def erase_contact(partner_id: UUID, cmd: CommandDep, _: Writer) -> Response:
    return await cmd.execute(lambda uow: c.erase_contact(uow, partner_id), status_code=204)


@router.post("/partners/{partner_id}/deactivate", response_model=a.PartnerView, responses=WRITE_ERRORS,
             summary="Deactivate a partner: it stops counting for every project's Triple Helix")
async def deactivate(partner_id: UUID, body: inputs.DeactivatePartner, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.deactivate_partner(uow, partner_id, body))


@router.post("/partners/{partner_id}/reactivate", response_model=a.PartnerView, responses=WRITE_ERRORS,
             summary="Reactivate a partner")
async def reactivate(partner_id: UUID, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.reactivate_partner(uow, partner_id))

