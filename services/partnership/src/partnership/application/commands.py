"""Partnership commands: each loads an aggregate, lets it decide, and saves it in the caller's transaction
(read tables and published events included). Handlers never commit."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from uuid6 import uuid7

from gotong.domain.errors import InvalidTransition, ValidationFailed
from gotong.eventstore import EventMetadata, EventStoreTx
from partnership.application import store
from partnership.application.inputs import (
    CancelProject,
    ChangeTerm,
    CommitContribution,
    CompleteMilestone,
    CompleteProject,
    ContactPerson,
    DeactivatePartner,
    DefineKpi,
    DeliverContribution,
    DocumentIn,
    DraftAgreement,
    Effective,
    LinkAgreement,
    MeasureKpi,
    PartyIn,
    PlanMilestone,
    RecordOutcome,
    RegisterPartner,
    RescheduleMilestone,
    SignAgreement,
    StartProject,
    TerminateAgreement,
)
from partnership.application.regions import check_region, today
from partnership.domain.agreement import OVER, Agreement
from partnership.domain.events import PartyTerm
from partnership.domain.partner import Partner
from partnership.domain.project import Project
from partnership.tables import agreements, milestones, partner_contacts, partners, projects

# -- helpers ------------------------------------------------------------------------------------------------

async def _active_partners(tx: EventStoreTx, ids: list[UUID], field: str) -> None:
    """Every named partner is registered and active (the field names the first one that is not)."""
    rows = {r.id: r.status for r in (await tx.connection.execute(
        select(partners.c.id, partners.c.status).where(partners.c.id.in_(ids)))).all()} if ids else {}
    for i, pid in enumerate(ids):
        where = field.format(i=i)
        if pid not in rows:
            raise ValidationFailed(f"partner {pid} is not registered", field=where)
        if rows[pid] != "active":
            raise InvalidTransition(f"partner {pid} is inactive", field=where)


async def _agreements_exist(tx: EventStoreTx, ids: list[UUID], field: str, linkable: bool = True) -> None:
    rows = {r.id: r.status for r in (await tx.connection.execute(
        select(agreements.c.id, agreements.c.status).where(agreements.c.id.in_(ids)))).all()} if ids else {}
    for i, aid in enumerate(ids):
        where = field.format(i=i)
        if aid not in rows:
            raise ValidationFailed(f"agreement {aid} does not exist", field=where)
        if linkable and rows[aid] in OVER:
            raise InvalidTransition(f"agreement {aid} is {rows[aid]}; link a current one", field=where)


def _partner_out(p: Partner) -> dict[str, Any]:
    return p.to_state()


# -- partners -----------------------------------------------------------------------------------------------

async def register_partner(tx: EventStoreTx, cmd: RegisterPartner, meta: EventMetadata) -> dict[str, Any]:
    check_region(cmd.region_code)
    partner = Partner.enrol(uuid7(), name=cmd.name, strand=cmd.strand, kind=cmd.kind, region_code=cmd.region_code,
                            nib=cmd.nib, website=cmd.website)
    await store.save_partner(tx, partner, meta, today())
    if cmd.contact is not None:
        await _put_contact(tx, partner.id, cmd.contact)
    return _partner_out(partner)


async def _put_contact(tx: EventStoreTx, partner_id: UUID, contact: ContactPerson) -> None:
    stmt = insert(partner_contacts).values(partner_id=partner_id, contact=contact.model_dump())
    await tx.connection.execute(stmt.on_conflict_do_update(
        index_elements=[partner_contacts.c.partner_id],
        set_={"contact": stmt.excluded.contact, "updated_at": stmt.excluded.updated_at}))


async def set_contact(tx: EventStoreTx, partner_id: UUID, contact: ContactPerson) -> None:
    await store.load(store.partner_repo, tx, partner_id, "partner_id")
    await _put_contact(tx, partner_id, contact)


async def erase_contact(tx: EventStoreTx, partner_id: UUID) -> None:
    await store.load(store.partner_repo, tx, partner_id, "partner_id")
    await tx.connection.execute(delete(partner_contacts).where(partner_contacts.c.partner_id == partner_id))


async def deactivate_partner(tx: EventStoreTx, partner_id: UUID, cmd: DeactivatePartner,
                             meta: EventMetadata) -> dict[str, Any]:
    partner = await store.load(store.partner_repo, tx, partner_id, "partner_id")
    partner.deactivate(cmd.reason)
    await store.save_partner(tx, partner, meta, today())
    return _partner_out(partner)


async def reactivate_partner(tx: EventStoreTx, partner_id: UUID, meta: EventMetadata) -> dict[str, Any]:
    partner = await store.load(store.partner_repo, tx, partner_id, "partner_id")
    partner.reactivate()
    await store.save_partner(tx, partner, meta, today())
    return _partner_out(partner)


# -- agreements ---------------------------------------------------------------------------------------------

async def draft_agreement(tx: EventStoreTx, cmd: DraftAgreement, meta: EventMetadata) -> dict[str, Any]:
    await _active_partners(tx, [p.partner_id for p in cmd.parties], "parties.{i}.partner_id")
    if cmd.parent_agreement_id is not None:
        parent = await store.find(store.agreement_repo, tx, cmd.parent_agreement_id)
        if parent is None or parent.kind != "mou":
            raise ValidationFailed("the parent must be an existing MoU", field="parent_agreement_id")
    agreement = Agreement.draft(uuid7(), kind=cmd.kind, title=cmd.title, purpose=cmd.purpose,
                                starts_on=cmd.starts_on, ends_on=cmd.ends_on,
                                parties=[PartyTerm(partner_id=str(p.partner_id), role=p.role) for p in cmd.parties],
                                parent_agreement_id=str(cmd.parent_agreement_id) if cmd.parent_agreement_id
                                else None)
    for i, doc in enumerate(cmd.documents):
        try:
            agreement.attach_document(doc.sha256, doc.title)
        except (ValidationFailed, InvalidTransition) as err:
            raise ValidationFailed(err.detail, field=f"documents.{i}.sha256") from err
    await store.save_agreement(tx, agreement, meta, today())
    return agreement.to_state()


async def _change_agreement(tx: EventStoreTx, agreement_id: UUID, meta: EventMetadata,
                            change: Any) -> dict[str, Any]:
    agreement = await store.load(store.agreement_repo, tx, agreement_id, "agreement_id")
    change(agreement)
    await store.save_agreement(tx, agreement, meta, today())
    return agreement.to_state()


async def add_party(tx: EventStoreTx, agreement_id: UUID, cmd: PartyIn, meta: EventMetadata) -> dict[str, Any]:
    await _active_partners(tx, [cmd.partner_id], "partner_id")
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.add_party(str(cmd.partner_id), cmd.role))


async def remove_party(tx: EventStoreTx, agreement_id: UUID, partner_id: UUID,
                       meta: EventMetadata) -> dict[str, Any]:
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.remove_party(str(partner_id)))


async def change_term(tx: EventStoreTx, agreement_id: UUID, cmd: ChangeTerm, meta: EventMetadata) -> dict[str, Any]:
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.change_term(cmd.starts_on, cmd.ends_on))


async def attach_document(tx: EventStoreTx, agreement_id: UUID, cmd: DocumentIn,
                          meta: EventMetadata) -> dict[str, Any]:
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.attach_document(cmd.sha256, cmd.title))


async def sign_agreement(tx: EventStoreTx, agreement_id: UUID, cmd: SignAgreement,
                         meta: EventMetadata) -> dict[str, Any]:
    # A partner deactivated since it was listed cannot sign: reactivate it or remove it from the draft.
    await _active_partners(tx, list(cmd.signed_by), "signed_by.{i}")
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.sign(
        [str(p) for p in cmd.signed_by], cmd.signed_on or today()))


async def activate_agreement(tx: EventStoreTx, agreement_id: UUID, cmd: Effective,
                             meta: EventMetadata) -> dict[str, Any]:
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.activate(cmd.effective_on or today()))


async def end_agreement(tx: EventStoreTx, agreement_id: UUID, cmd: Effective, meta: EventMetadata) -> dict[str, Any]:
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.end(cmd.effective_on or today()))


async def terminate_agreement(tx: EventStoreTx, agreement_id: UUID, cmd: TerminateAgreement,
                              meta: EventMetadata) -> dict[str, Any]:
    return await _change_agreement(tx, agreement_id, meta, lambda a: a.terminate(cmd.effective_on or today(),
                                                                                 cmd.reason))


# -- projects -----------------------------------------------------------------------------------------------

async def start_project(tx: EventStoreTx, cmd: StartProject, meta: EventMetadata) -> dict[str, Any]:
    check_region(cmd.region_code)
    await _active_partners(tx, [p.partner_id for p in cmd.partners], "partners.{i}.partner_id")
    await _agreements_exist(tx, cmd.agreement_ids, "agreement_ids.{i}")
    project = Project.start(uuid7(), title=cmd.title, goals=cmd.goals, region_code=cmd.region_code,
                            budget=cmd.budget, sdgs=cmd.sdgs, starts_on=cmd.starts_on, ends_on=cmd.ends_on,
                            partners=[PartyTerm(partner_id=str(p.partner_id), role=p.role) for p in cmd.partners],
                            agreement_ids=[str(a) for a in cmd.agreement_ids])
    await store.save_project(tx, project, "created", meta, today())
    return store.project_state(project)


async def change_project(tx: EventStoreTx, project_id: UUID, change: str, meta: EventMetadata,
                         decide: Any) -> dict[str, Any]:
    project = await store.load(store.project_repo, tx, project_id, "project_id")
    decide(project)
    await store.save_project(tx, project, change, meta, today())
    return store.project_state(project)


async def add_project_partner(tx: EventStoreTx, project_id: UUID, cmd: PartyIn,
                              meta: EventMetadata) -> dict[str, Any]:
    await _active_partners(tx, [cmd.partner_id], "partner_id")
    return await change_project(tx, project_id, "partner_joined", meta,
                                lambda p: p.add_partner(str(cmd.partner_id), cmd.role))


async def link_agreement(tx: EventStoreTx, project_id: UUID, cmd: LinkAgreement,
                         meta: EventMetadata) -> dict[str, Any]:
    await _agreements_exist(tx, [cmd.agreement_id], "agreement_id")
    return await change_project(tx, project_id, "agreement_linked", meta,
                                lambda p: p.link_agreement(str(cmd.agreement_id)))


async def commit_contribution(tx: EventStoreTx, project_id: UUID, cmd: CommitContribution,
                              meta: EventMetadata) -> dict[str, Any]:
    cid = str(uuid7())
    state = await change_project(tx, project_id, "contribution_committed", meta, lambda p: p.commit_contribution(
        cid, partner_id=str(cmd.partner_id), kind=cmd.kind, description=cmd.description,
        value_rupiah=cmd.value_rupiah, quantity=cmd.quantity, unit=cmd.unit))
    return next(c for c in state["contributions"] if c["id"] == cid)


async def deliver_contribution(tx: EventStoreTx, project_id: UUID, contribution_id: str, cmd: DeliverContribution,
                               meta: EventMetadata) -> dict[str, Any]:
    state = await change_project(tx, project_id, "contribution_delivered", meta, lambda p: p.deliver_contribution(
        contribution_id, value_rupiah=cmd.value_rupiah, quantity=cmd.quantity,
        delivered_on=cmd.delivered_on or today(), evidence_sha256=cmd.evidence_sha256))
    return next(c for c in state["contributions"] if c["id"] == contribution_id)


async def plan_milestone(tx: EventStoreTx, project_id: UUID, cmd: PlanMilestone,
                         meta: EventMetadata) -> dict[str, Any]:
    mid = str(uuid7())
    state = await change_project(tx, project_id, "milestone_planned", meta,
                                 lambda p: p.plan_milestone(mid, cmd.title, cmd.due_on))
    return next(m for m in state["milestones"] if m["id"] == mid)


async def reschedule_milestone(tx: EventStoreTx, project_id: UUID, milestone_id: str, cmd: RescheduleMilestone,
                               meta: EventMetadata) -> dict[str, Any]:
    state = await change_project(tx, project_id, "milestone_rescheduled", meta,
                                 lambda p: p.reschedule_milestone(milestone_id, cmd.due_on, cmd.reason))
    return next(m for m in state["milestones"] if m["id"] == milestone_id)


async def complete_milestone(tx: EventStoreTx, project_id: UUID, milestone_id: str, cmd: CompleteMilestone,
                             meta: EventMetadata) -> dict[str, Any]:
    state = await change_project(tx, project_id, "milestone_done", meta, lambda p: p.complete_milestone(
        milestone_id, cmd.done_on or today(), cmd.evidence.sha256, cmd.evidence.url))
    return next(m for m in state["milestones"] if m["id"] == milestone_id)


async def define_kpi(tx: EventStoreTx, project_id: UUID, cmd: DefineKpi, meta: EventMetadata) -> dict[str, Any]:
    state = await change_project(tx, project_id, "kpi_defined", meta, lambda p: p.define_kpi(
        cmd.code, cmd.name, cmd.unit, cmd.baseline, cmd.target))
    return next(k for k in state["kpis"] if k["code"] == cmd.code)


async def measure_kpi(tx: EventStoreTx, project_id: UUID, code: str, cmd: MeasureKpi,
                      meta: EventMetadata) -> dict[str, Any]:
    state = await change_project(tx, project_id, "kpi_measured", meta, lambda p: p.measure_kpi(
        code, cmd.value, cmd.measured_on or today(), cmd.evidence_sha256))
    return next(k for k in state["kpis"] if k["code"] == code)


async def record_outcome(tx: EventStoreTx, project_id: UUID, cmd: RecordOutcome,
                         meta: EventMetadata) -> dict[str, Any]:
    oid = str(uuid7())
    state = await change_project(tx, project_id, "outcome_recorded", meta, lambda p: p.record_outcome(
        oid, cmd.statement, cmd.recorded_on or today()))
    return next(o for o in state["outcomes"] if o["id"] == oid)


async def complete_project(tx: EventStoreTx, project_id: UUID, cmd: CompleteProject,
                           meta: EventMetadata) -> dict[str, Any]:
    return await change_project(tx, project_id, "completed", meta,
                                lambda p: p.complete(cmd.completed_on or today(), cmd.summary))


async def cancel_project(tx: EventStoreTx, project_id: UUID, cmd: CancelProject,
                         meta: EventMetadata) -> dict[str, Any]:
    return await change_project(tx, project_id, "cancelled", meta,
                                lambda p: p.cancel(cmd.cancelled_on or today(), cmd.reason))


async def flag_overdue_milestones(tx: EventStoreTx, as_of: date, meta: EventMetadata) -> list[dict[str, str]]:
    """Record and publish each milestone that became overdue on `as_of` (once per milestone)."""
    rows = (await tx.connection.execute(
        select(milestones.c.project_id).distinct().join(projects, projects.c.id == milestones.c.project_id)
        .where(milestones.c.done_on.is_(None), milestones.c.due_on < as_of, milestones.c.flagged_overdue.is_(False),
               projects.c.status == "running")
        .order_by(milestones.c.project_id))).scalars().all()
    flagged: list[dict[str, str]] = []
    for project_id in rows:
        project = await store.project_repo.get(tx, project_id)
        late = project.flag_overdue(as_of)
        if not late:
            continue
        await store.save_project(tx, project, "milestone_overdue", meta, as_of)
        flagged += [{"project_id": str(project_id), "milestone_id": m, "title": project.milestones[m].title}
                    for m in late]
    return flagged


