"""Partnership commands: each loads an aggregate, lets it decide, and saves it through the unit of work (the
projectors keep the read tables in the same transaction). A project announces its public state after every change
(`ProjectChanged`), and so do the projects that depend on a partner or agreement that changed. Handlers never
commit, never see SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from uuid6 import uuid7

from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import Conflict, InvalidTransition, ValidationFailed
from partnership.adapters.contacts import Contacts
from partnership.adapters.reads import PartnershipReads
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
from partnership.application.publishing import published_before
from partnership.application.regions import check_region, today
from partnership.domain.agreement import OVER, Agreement
from partnership.domain.events import PartyTerm, registry
from partnership.domain.helix import assess
from partnership.domain.partner import Partner
from partnership.domain.project import Project
from partnership.domain.values import Strand

partner_repo = Repository(Partner, registry)
agreement_repo = Repository(Agreement, registry)
project_repo = Repository(Project, registry)


# -- helpers ------------------------------------------------------------------------------------------------

def _now(uow: UnitOfWork) -> str:
    return uow.clock.now().isoformat()


def _today(uow: UnitOfWork) -> date:
    return today(uow.clock)


def _reads(uow: UnitOfWork) -> PartnershipReads:
    return uow.adapter(PartnershipReads)


async def _active_partners(uow: UnitOfWork, ids: list[UUID], field: str) -> None:
    """Every named partner is registered and active (the field names the first one that is not)."""
    rows = await _reads(uow).partner_statuses(ids)
    for i, pid in enumerate(ids):
        where = field.format(i=i)
        if pid not in rows:
            raise ValidationFailed(f"partner {pid} is not registered", field=where)
        if rows[pid] != "active":
            raise InvalidTransition(f"partner {pid} is inactive", field=where)


async def _agreements_exist(uow: UnitOfWork, ids: list[UUID], field: str, linkable: bool = True) -> None:
    rows = await _reads(uow).agreement_statuses(ids)
    for i, aid in enumerate(ids):
        where = field.format(i=i)
        if aid not in rows:
            raise ValidationFailed(f"agreement {aid} does not exist", field=where)
        if linkable and rows[aid] in OVER:
            raise InvalidTransition(f"agreement {aid} is {rows[aid]}; link a current one", field=where)


async def _strands(uow: UnitOfWork, partner_ids: Iterable[str]) -> dict[str, Strand]:
    return {p: f.strand for p, f in (await _reads(uow).partner_facts(partner_ids)).items()}


async def save_project(uow: UnitOfWork, project: Project, change: str, as_of: date) -> None:
    """Save the project with its public state after `change` (the helix judged on the facts as of `as_of`)."""
    reads = _reads(uow)
    partners = await reads.partner_facts(project.partners)
    agreements = await reads.agreement_facts(project.agreement_ids)
    before = 0
    if project.published_version == 0 and project.persisted_version > 0:  # a project from before
        before = await published_before(uow, project.id)
    project.announce(change, partners, agreements, as_of, _now(uow), published_before=before)
    await uow.save(project)


async def announce_projects(uow: UnitOfWork, project_ids: Iterable[UUID], change: str, as_of: date) -> None:
    """A partner or agreement changed: the projects that depend on it announce their new state."""
    for pid in project_ids:
        await save_project(uow, await uow.get(project_repo, pid), change, as_of)


# -- partners -----------------------------------------------------------------------------------------------

async def register_partner(uow: UnitOfWork, cmd: RegisterPartner) -> dict[str, Any]:
    check_region(cmd.region_code)
    partner = Partner.enrol(uuid7(), name=cmd.name, strand=cmd.strand, kind=cmd.kind, region_code=cmd.region_code,
                            nib=cmd.nib, website=cmd.website, now=_now(uow))
    if await _reads(uow).name_taken(partner.name_key):
        raise Conflict(f"a {partner.strand} partner with this name is registered already", field="name")
    await uow.save(partner)
    if cmd.contact is not None:
        await uow.adapter(Contacts).put(partner.id, cmd.contact.model_dump())
    return partner.to_state()


async def set_contact(uow: UnitOfWork, partner_id: UUID, contact: ContactPerson) -> None:
    await uow.get(partner_repo, partner_id, field="partner_id")
    await uow.adapter(Contacts).put(partner_id, contact.model_dump())


async def erase_contact(uow: UnitOfWork, partner_id: UUID) -> None:
    await uow.get(partner_repo, partner_id, field="partner_id")
    await uow.adapter(Contacts).erase(partner_id)


async def _partner_status(uow: UnitOfWork, partner_id: UUID, decide: Callable[[Partner], None]) -> dict[str, Any]:
    partner = await uow.get(partner_repo, partner_id, field="partner_id")
    decide(partner)
    await uow.save(partner)
    affected = await _reads(uow).projects_with_partner(partner.id)
    await announce_projects(uow, affected, f"partner_{partner.status}", _today(uow))
    return partner.to_state()


async def deactivate_partner(uow: UnitOfWork, partner_id: UUID, cmd: DeactivatePartner) -> dict[str, Any]:
    return await _partner_status(uow, partner_id, lambda p: p.deactivate(cmd.reason, now=_now(uow)))


async def reactivate_partner(uow: UnitOfWork, partner_id: UUID) -> dict[str, Any]:
    return await _partner_status(uow, partner_id, lambda p: p.reactivate(now=_now(uow)))


# -- agreements ---------------------------------------------------------------------------------------------

async def draft_agreement(uow: UnitOfWork, cmd: DraftAgreement) -> dict[str, Any]:
    await _active_partners(uow, [p.partner_id for p in cmd.parties], "parties.{i}.partner_id")
    if cmd.parent_agreement_id is not None:
        parent = await uow.find(agreement_repo, cmd.parent_agreement_id)
        if parent is None or parent.kind != "mou":
            raise ValidationFailed("the parent must be an existing MoU", field="parent_agreement_id")
    parties = [PartyTerm(partner_id=str(p.partner_id), role=p.role) for p in cmd.parties]
    agreement = Agreement.draft(uuid7(), kind=cmd.kind, title=cmd.title, purpose=cmd.purpose,
                                starts_on=cmd.starts_on, ends_on=cmd.ends_on, parties=parties,
                                parent_agreement_id=str(cmd.parent_agreement_id) if cmd.parent_agreement_id
                                else None, documents=[(d.sha256, d.title) for d in cmd.documents],
                                strands=await _strands(uow, [p.partner_id for p in parties]), as_of=_today(uow),
                                now=_now(uow))
    await uow.save(agreement)
    return agreement.to_state()


async def _change_agreement(uow: UnitOfWork, agreement_id: UUID,
                            change: Callable[[Agreement], None]) -> dict[str, Any]:
    agreement = await uow.get(agreement_repo, agreement_id, field="agreement_id")
    change(agreement)
    await uow.save(agreement)
    return agreement.to_state()


async def _move_agreement(uow: UnitOfWork, agreement_id: UUID,
                          move: Callable[[Agreement, dict[str, Strand], str], None]) -> dict[str, Any]:
    """A status change (published with the parties' strands); the projects under the agreement announce theirs."""
    agreement = await uow.get(agreement_repo, agreement_id, field="agreement_id")
    move(agreement, await _strands(uow, agreement.parties), _now(uow))
    await uow.save(agreement)
    affected = await _reads(uow).projects_with_agreement(agreement.id)
    await announce_projects(uow, affected, f"agreement_{agreement.status}", _today(uow))
    return agreement.to_state()


async def add_party(uow: UnitOfWork, agreement_id: UUID, cmd: PartyIn) -> dict[str, Any]:
    await _active_partners(uow, [cmd.partner_id], "partner_id")
    return await _change_agreement(uow, agreement_id, lambda a: a.add_party(str(cmd.partner_id), cmd.role))


async def remove_party(uow: UnitOfWork, agreement_id: UUID, partner_id: UUID) -> dict[str, Any]:
    return await _change_agreement(uow, agreement_id, lambda a: a.remove_party(str(partner_id)))


async def change_term(uow: UnitOfWork, agreement_id: UUID, cmd: ChangeTerm) -> dict[str, Any]:
    return await _change_agreement(uow, agreement_id, lambda a: a.change_term(cmd.starts_on, cmd.ends_on))


async def attach_document(uow: UnitOfWork, agreement_id: UUID, cmd: DocumentIn) -> dict[str, Any]:
    return await _change_agreement(uow, agreement_id, lambda a: a.attach_document(cmd.sha256, cmd.title))


async def sign_agreement(uow: UnitOfWork, agreement_id: UUID, cmd: SignAgreement) -> dict[str, Any]:
    # A partner deactivated since it was listed cannot sign: reactivate it or remove it from the draft.
    await _active_partners(uow, list(cmd.signed_by), "signed_by.{i}")
    signed_on = cmd.signed_on or _today(uow)
    return await _move_agreement(uow, agreement_id, lambda a, strands, now: a.sign(
        [str(p) for p in cmd.signed_by], signed_on, strands=strands, now=now))


async def activate_agreement(uow: UnitOfWork, agreement_id: UUID, cmd: Effective) -> dict[str, Any]:
    day = cmd.effective_on or _today(uow)
    return await _move_agreement(uow, agreement_id, lambda a, strands, now: a.activate(day, strands=strands,
                                                                                        now=now))


async def end_agreement(uow: UnitOfWork, agreement_id: UUID, cmd: Effective) -> dict[str, Any]:
    day = cmd.effective_on or _today(uow)
    return await _move_agreement(uow, agreement_id, lambda a, strands, now: a.end(day, strands=strands, now=now))


async def terminate_agreement(uow: UnitOfWork, agreement_id: UUID, cmd: TerminateAgreement) -> dict[str, Any]:
    day = cmd.effective_on or _today(uow)
    return await _move_agreement(uow, agreement_id, lambda a, strands, now: a.terminate(
        day, cmd.reason, strands=strands, now=now))


# -- projects -----------------------------------------------------------------------------------------------

async def start_project(uow: UnitOfWork, cmd: StartProject) -> dict[str, Any]:
    check_region(cmd.region_code)
    await _active_partners(uow, [p.partner_id for p in cmd.partners], "partners.{i}.partner_id")
    await _agreements_exist(uow, cmd.agreement_ids, "agreement_ids.{i}")
    project = Project.start(uuid7(), title=cmd.title, goals=cmd.goals, region_code=cmd.region_code,
                            budget=cmd.budget, sdgs=cmd.sdgs, starts_on=cmd.starts_on, ends_on=cmd.ends_on,
                            partners=[PartyTerm(partner_id=str(p.partner_id), role=p.role) for p in cmd.partners],
                            agreement_ids=[str(a) for a in cmd.agreement_ids])
    await save_project(uow, project, "created", _today(uow))
    return project.view()


async def change_project(uow: UnitOfWork, project_id: UUID, change: str,
                         decide: Callable[[Project], Any]) -> dict[str, Any]:
    project = await uow.get(project_repo, project_id, field="project_id")
    decide(project)
    await save_project(uow, project, change, _today(uow))
    return project.view()


async def add_project_partner(uow: UnitOfWork, project_id: UUID, cmd: PartyIn) -> dict[str, Any]:
    await _active_partners(uow, [cmd.partner_id], "partner_id")
    return await change_project(uow, project_id, "partner_joined",
                                lambda p: p.add_partner(str(cmd.partner_id), cmd.role))


async def link_agreement(uow: UnitOfWork, project_id: UUID, cmd: LinkAgreement) -> dict[str, Any]:
    await _agreements_exist(uow, [cmd.agreement_id], "agreement_id")
    return await change_project(uow, project_id, "agreement_linked",
                                lambda p: p.link_agreement(str(cmd.agreement_id)))


async def commit_contribution(uow: UnitOfWork, project_id: UUID, cmd: CommitContribution) -> dict[str, Any]:
    cid = str(uuid7())
    state = await change_project(uow, project_id, "contribution_committed", lambda p: p.commit_contribution(
        cid, partner_id=str(cmd.partner_id), kind=cmd.kind, description=cmd.description,
        value_rupiah=cmd.value_rupiah, quantity=cmd.quantity, unit=cmd.unit))
    return next(c for c in state["contributions"] if c["id"] == cid)


async def deliver_contribution(uow: UnitOfWork, project_id: UUID, contribution_id: str, cmd: DeliverContribution
                               ) -> dict[str, Any]:
    state = await change_project(uow, project_id, "contribution_delivered", lambda p: p.deliver_contribution(
        contribution_id, value_rupiah=cmd.value_rupiah, quantity=cmd.quantity,
        delivered_on=cmd.delivered_on or _today(uow), evidence_sha256=cmd.evidence_sha256))
    return next(c for c in state["contributions"] if c["id"] == contribution_id)


async def plan_milestone(uow: UnitOfWork, project_id: UUID, cmd: PlanMilestone) -> dict[str, Any]:
    mid = str(uuid7())
    state = await change_project(uow, project_id, "milestone_planned",
                                 lambda p: p.plan_milestone(mid, cmd.title, cmd.due_on))
    return next(m for m in state["milestones"] if m["id"] == mid)


async def reschedule_milestone(uow: UnitOfWork, project_id: UUID, milestone_id: str, cmd: RescheduleMilestone
                               ) -> dict[str, Any]:
    state = await change_project(uow, project_id, "milestone_rescheduled",
                                 lambda p: p.reschedule_milestone(milestone_id, cmd.due_on, cmd.reason))
    return next(m for m in state["milestones"] if m["id"] == milestone_id)


async def complete_milestone(uow: UnitOfWork, project_id: UUID, milestone_id: str, cmd: CompleteMilestone
                             ) -> dict[str, Any]:
    state = await change_project(uow, project_id, "milestone_done", lambda p: p.complete_milestone(
        milestone_id, cmd.done_on or _today(uow), cmd.evidence.sha256, cmd.evidence.url))
    return next(m for m in state["milestones"] if m["id"] == milestone_id)


async def define_kpi(uow: UnitOfWork, project_id: UUID, cmd: DefineKpi) -> dict[str, Any]:
    state = await change_project(uow, project_id, "kpi_defined", lambda p: p.define_kpi(
        cmd.code, cmd.name, cmd.unit, cmd.baseline, cmd.target))
    return next(k for k in state["kpis"] if k["code"] == cmd.code)


async def measure_kpi(uow: UnitOfWork, project_id: UUID, code: str, cmd: MeasureKpi) -> dict[str, Any]:
    state = await change_project(uow, project_id, "kpi_measured", lambda p: p.measure_kpi(
        code, cmd.value, cmd.measured_on or _today(uow), cmd.evidence_sha256))
    return next(k for k in state["kpis"] if k["code"] == code)


async def record_outcome(uow: UnitOfWork, project_id: UUID, cmd: RecordOutcome) -> dict[str, Any]:
    oid = str(uuid7())
    state = await change_project(uow, project_id, "outcome_recorded", lambda p: p.record_outcome(
        oid, cmd.statement, cmd.recorded_on or _today(uow)))
    return next(o for o in state["outcomes"] if o["id"] == oid)


async def complete_project(uow: UnitOfWork, project_id: UUID, cmd: CompleteProject) -> dict[str, Any]:
    return await change_project(uow, project_id, "completed",
                                lambda p: p.complete(cmd.completed_on or _today(uow), cmd.summary))


async def cancel_project(uow: UnitOfWork, project_id: UUID, cmd: CancelProject) -> dict[str, Any]:
    return await change_project(uow, project_id, "cancelled",
                                lambda p: p.cancel(cmd.cancelled_on or _today(uow), cmd.reason))


async def flag_overdue_milestones(uow: UnitOfWork, as_of: date) -> list[dict[str, str]]:
    """Record and publish each milestone that became overdue on `as_of` (once per milestone)."""
    flagged: list[dict[str, str]] = []
    for project_id in await _reads(uow).projects_with_unflagged_overdue(as_of):
        project = await uow.get(project_repo, project_id)
        late = project.flag_overdue(as_of)
        if not late:
            continue
        await save_project(uow, project, "milestone_overdue", as_of)
        flagged += [{"project_id": str(project_id), "milestone_id": m, "title": project.milestones[m].title}
                    for m in late]
    return flagged


async def reassess_projects(uow: UnitOfWork, as_of: date) -> list[str]:
    """Announce running projects whose completeness changed with time alone (an agreement's term ran out)."""
    reads = _reads(uow)
    changed = []
    for row in await reads.projects_in():
        members = [p["partner_id"] for p in row.state["partners"]]
        helix = assess(members, await reads.partner_facts(members),
                       await reads.agreement_facts(row.state["agreement_ids"]), as_of)
        if helix.complete != row.helix_complete:
            await save_project(uow, await uow.get(project_repo, row.id), "helix_reassessed", as_of)
            changed.append(str(row.id))
    return changed
