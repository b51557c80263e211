"""Agreements (MoU, PKS): drafted with parties and documents, signed by every party, active, ended or
terminated. Signing, activating, ending and terminating need `partnership:approve`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request

from gotong.api.answers import Page
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import PageDep
from partnership.application import commands as c
from partnership.application import inputs
from partnership.application import queries as q
from partnership.entrypoints.api import answers as a
from partnership.entrypoints.api.deps import READ, READ_ERRORS, WRITE_ERRORS, Approver, Writer, paged, read

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])
Status = Literal["draft", "signed", "active", "ended", "terminated"]


@router.post("", response_model=a.AgreementView, status_code=201, responses=WRITE_ERRORS, summary="Draft an MoU or PKS")
async def draft(body: inputs.DraftAgreement, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.draft_agreement(uow, body), status_code=201)


@router.get("", response_model=Page[a.AgreementView], dependencies=READ, responses=READ_ERRORS,
            summary="Agreements, filtered and paged")
async def list_agreements(request: Request, page: PageDep, status: Status | None = None,
                          kind: Literal["mou", "pks"] | None = None, partner_id: UUID | None = None,
                          ending_before: Annotated[date | None, Query(description="term ends before")] = None
                          ) -> dict[str, Any]:
    items = await read(request, q.list_agreements, limit=page.limit, after=page.after, status=status, kind=kind,
                       partner_id=partner_id, ending_before=ending_before)
    return paged(items, page)


@router.get("/{agreement_id}", response_model=a.AgreementView, dependencies=READ, responses=READ_ERRORS,
            summary="An agreement with its parties")
async def get_agreement(agreement_id: UUID, request: Request) -> dict[str, Any]:
    return await read(request, q.get_agreement, agreement_id)  # type: ignore[no-any-return]


@router.post("/{agreement_id}/parties", response_model=a.AgreementView, responses=WRITE_ERRORS,
             summary="Add a party (draft only)")
async def add_party(agreement_id: UUID, body: inputs.PartyIn, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.add_party(uow, agreement_id, body))


@router.delete("/{agreement_id}/parties/{partner_id}", response_model=a.AgreementView, responses=WRITE_ERRORS,
               summary="Remove a party (draft only)")
async def remove_party(agreement_id: UUID, partner_id: UUID, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.remove_party(uow, agreement_id, partner_id))


@router.put("/{agreement_id}/term", response_model=a.AgreementView, responses=WRITE_ERRORS,
            summary="Change the term (draft only)")
async def change_term(agreement_id: UUID, body: inputs.ChangeTerm, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.change_term(uow, agreement_id, body))


@router.post("/{agreement_id}/documents", response_model=a.AgreementView, responses=WRITE_ERRORS,
             summary="Reference a document by its SHA-256 (until the agreement is over)")
async def attach_document(agreement_id: UUID, body: inputs.DocumentIn, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.attach_document(uow, agreement_id, body))


@router.post("/{agreement_id}/sign", response_model=a.AgreementView, responses=WRITE_ERRORS,
             summary="Record that every party signed: draft → signed")
async def sign(agreement_id: UUID, body: inputs.SignAgreement, cmd: CommandDep, _: Approver) -> Any:
    return await cmd.execute(lambda uow: c.sign_agreement(uow, agreement_id, body))


@router.post("/{agreement_id}/activate", response_model=a.AgreementView, responses=WRITE_ERRORS,
             summary="signed → active (within the term)")
async def activate(agreement_id: UUID, body: inputs.Effective, cmd: CommandDep, _: Approver) -> Any:
    return await cmd.execute(lambda uow: c.activate_agreement(uow, agreement_id, body))


@router.post("/{agreement_id}/end", response_model=a.AgreementView, responses=WRITE_ERRORS,
             summary="active → ended (at the end of the term)")
async def end(agreement_id: UUID, body: inputs.Effective, cmd: CommandDep, _: Approver) -> Any:
    return await cmd.execute(lambda uow: c.end_agreement(uow, agreement_id, body))


@router.post("/{agreement_id}/terminate", response_model=a.AgreementView, responses=WRITE_ERRORS,
             summary="signed or active → terminated (early, with a reason)")
async def terminate(agreement_id: UUID, body: inputs.TerminateAgreement, cmd: CommandDep, _: Approver) -> Any:
    return await cmd.execute(lambda uow: c.terminate_agreement(uow, agreement_id, body))
