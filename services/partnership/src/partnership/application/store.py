"""Saving aggregates: events appended, read tables updated and the contract events published, all in the
caller's transaction. Published events go to one `publication` stream per aggregate, because what they carry
(strands of the parties, Triple Helix completeness) is judged across aggregates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid5

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.application.repository import Repository
from gotong.contracts.base import IntegrationEvent
from gotong.contracts.partnership import (
    AgreementParty,
    AgreementStatusChanged,
    PartnerRegistered,
    PartnerStatusChanged,
    ProjectChanged,
    ProjectPartner,
)
from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import Conflict, NotFound
from gotong.eventstore import EventData, EventMetadata, EventStoreTx
from partnership.domain.agreement import Agreement
from partnership.domain.events import registry
from partnership.domain.helix import AgreementFacts, HelixAssessment, PartnerFacts, assess
from partnership.domain.partner import Partner
from partnership.domain.project import Project
from partnership.tables import agreements, milestones, partners, projects

A = TypeVar("A", bound=Aggregate)
NAMESPACE = UUID("8f1d4a52-3c1e-4a8e-9b1f-6a7f0d2c5e11")
PUBLICATION = "publication"
partner_repo = Repository(Partner, registry)
agreement_repo = Repository(Agreement, registry)
project_repo = Repository(Project, registry)


def publication_stream(aggregate_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"publication:{aggregate_id}")


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def _publish(tx: EventStoreTx, table: Any, aggregate_id: UUID, event: IntegrationEvent,
                   meta: EventMetadata) -> int:
    """Append `event` to the aggregate's publication stream; returns its version there."""
    conn: AsyncConnection = tx.connection
    current = (await conn.execute(select(table.c.published_version).where(table.c.id == aggregate_id))).scalar_one()
    version = current + 1
    await tx.append(publication_stream(aggregate_id), PUBLICATION, current,
                    [EventData(event.event_type, event.model_dump(mode="json"), event.schema_version, metadata=meta)])
    await conn.execute(update(table).where(table.c.id == aggregate_id).values(published_version=version))
    return int(version)


# -- facts for the helix check -------------------------------------------------------------------------------

async def partner_facts(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, PartnerFacts]:
    wanted = [UUID(i) for i in ids]
    rows = (await conn.execute(select(partners.c.id, partners.c.name, partners.c.strand, partners.c.status)
                               .where(partners.c.id.in_(wanted)))).all() if wanted else []
    return {str(r.id): PartnerFacts(str(r.id), r.name, r.strand, r.status) for r in rows}


async def agreement_facts(conn: AsyncConnection, ids: Iterable[str]) -> list[AgreementFacts]:
    wanted = [UUID(i) for i in ids]
    if not wanted:
        return []
    rows = (await conn.execute(select(agreements.c.id, agreements.c.title, agreements.c.status,
                                      agreements.c.partner_ids, agreements.c.ends_on)
                               .where(agreements.c.id.in_(wanted)))).all()
    order = {a: i for i, a in enumerate(wanted)}
    return sorted((AgreementFacts(str(r.id), r.title, r.status, frozenset(str(p) for p in r.partner_ids), r.ends_on)
                   for r in rows), key=lambda a: order[UUID(a.id)])


async def helix_of(conn: AsyncConnection, partner_ids: Iterable[str], agreement_ids: Iterable[str],
                   as_of: date) -> tuple[HelixAssessment, dict[str, PartnerFacts]]:
    facts = await partner_facts(conn, list(partner_ids))
    return assess(list(partner_ids), facts, await agreement_facts(conn, agreement_ids), as_of), facts


# -- read table rows (also what a rebuild writes) -----------------------------------------------------------

def partner_values(partner: Partner) -> dict[str, Any]:
    return {"name": partner.name, "strand": partner.strand, "kind": partner.kind,
            "region_code": partner.region_code, "province_code": partner.region_code[:2],
            "status": partner.status, "state": partner.to_state(),
            "name_key": f"{partner.strand}:{' '.join(partner.name.lower().split())}"}


def agreement_values(agreement: Agreement) -> dict[str, Any]:
    return {"kind": agreement.kind, "title": agreement.title, "status": agreement.status,
            "starts_on": agreement.starts_on, "ends_on": agreement.ends_on,
            "partner_ids": [UUID(p) for p in agreement.parties], "state": agreement.to_state()}


def project_state(project: Project) -> dict[str, Any]:
    totals = project.totals_by_partner()
    return {**project.to_state(), "contribution_totals": totals,
            "committed_rupiah": sum(t["committed_rupiah"] for t in totals.values()),
            "delivered_rupiah": sum(t["delivered_rupiah"] for t in totals.values())}


def project_values(project: Project) -> dict[str, Any]:
    return {"title": project.title, "status": project.status, "region_code": project.region_code,
            "province_code": project.region_code[:2], "budget": project.budget,
            "partner_ids": [UUID(p) for p in project.partners],
            "agreement_ids": [UUID(a) for a in project.agreement_ids], "state": project_state(project)}


async def write_milestones(conn: AsyncConnection, project: Project) -> None:
    await conn.execute(milestones.delete().where(milestones.c.project_id == project.id))
    if project.milestones:
        await conn.execute(insert(milestones), [
            {"project_id": project.id, "milestone_id": mid, "title": m.title, "due_on": m.due_on,
             "done_on": m.done_on, "flagged_overdue": m.flagged_overdue_on is not None}
            for mid, m in project.milestones.items()])


# -- partners ------------------------------------------------------------------------------------------------

async def save_partner(tx: EventStoreTx, partner: Partner, meta: EventMetadata, as_of: date) -> None:
    new = partner.persisted_version == 0
    status_changed = any(e.event_type in ("PartnerDeactivated", "PartnerReactivated")
                         for e in partner.pending_events)
    await partner_repo.save(tx, partner, meta)
    conn: AsyncConnection = tx.connection
    values = partner_values(partner)
    if new:
        stmt = insert(partners).values(id=partner.id, **values).on_conflict_do_nothing(index_elements=["name_key"])
        if (await conn.execute(stmt.returning(partners.c.id))).first() is None:
            raise Conflict(f"a {partner.strand} partner with this name is registered already", field="name")
        await _publish(tx, partners, partner.id, PartnerRegistered(
            partner_id=str(partner.id), name=partner.name, strand=partner.strand, kind=partner.kind,
            region_code=partner.region_code, province_code=partner.region_code[:2], occurred_at=_now()), meta)
        return
    await conn.execute(update(partners).where(partners.c.id == partner.id).values(**values))
    if status_changed:
        await _publish(tx, partners, partner.id, PartnerStatusChanged(
            partner_id=str(partner.id), status="active" if partner.status == "active" else "inactive",
            occurred_at=_now()), meta)
        affected = (await conn.execute(select(projects.c.id).where(projects.c.partner_ids.contains([partner.id]))
                                       .order_by(projects.c.id))).scalars().all()
        await republish_projects(tx, affected, f"partner_{partner.status}", meta, as_of)


# -- agreements ----------------------------------------------------------------------------------------------

async def save_agreement(tx: EventStoreTx, agreement: Agreement, meta: EventMetadata, as_of: date) -> None:
    new = agreement.persisted_version == 0
    status_moved = new or any(e.event_type.startswith("Agreement") and e.event_type != "AgreementDrafted"
                              for e in agreement.pending_events)
    await agreement_repo.save(tx, agreement, meta)
    conn: AsyncConnection = tx.connection
    values = agreement_values(agreement)
    if new:
        await conn.execute(insert(agreements).values(id=agreement.id, **values))
    else:
        await conn.execute(update(agreements).where(agreements.c.id == agreement.id).values(**values))
    if not status_moved:
        return
    facts = await partner_facts(conn, agreement.parties)
    await _publish(tx, agreements, agreement.id, AgreementStatusChanged(
        agreement_id=str(agreement.id), kind=agreement.kind, title=agreement.title, status=agreement.status,
        previous_status=agreement.previous_status,
        parties=[AgreementParty(partner_id=p, strand=facts[p].strand, role=r) for p, r in agreement.parties.items()
                 if p in facts],
        starts_on=agreement.starts_on, ends_on=agreement.ends_on, effective_on=agreement.effective_on or as_of,
        document_sha256=[d["sha256"] for d in agreement.documents], occurred_at=_now()), meta)
    if not new:
        affected = (await conn.execute(select(projects.c.id).where(projects.c.agreement_ids.contains([agreement.id]))
                                       .order_by(projects.c.id))).scalars().all()
        await republish_projects(tx, affected, f"agreement_{agreement.status}", meta, as_of)


# -- projects ------------------------------------------------------------------------------------------------

async def save_project(tx: EventStoreTx, project: Project, change: str, meta: EventMetadata, as_of: date) -> None:
    new = project.persisted_version == 0
    await project_repo.save(tx, project, meta)
    conn: AsyncConnection = tx.connection
    values = project_values(project)
    if new:
        await conn.execute(insert(projects).values(id=project.id, **values))
    else:
        await conn.execute(update(projects).where(projects.c.id == project.id).values(**values))
    await write_milestones(conn, project)
    await publish_project(tx, project, change, meta, as_of)


async def publish_project(tx: EventStoreTx, project: Project, change: str, meta: EventMetadata,
                          as_of: date) -> ProjectChanged:
    conn: AsyncConnection = tx.connection
    helix, facts = await helix_of(conn, project.partners, project.agreement_ids, as_of)
    totals = project.totals_by_partner()
    counts = project.milestone_counts(as_of)
    version = (await conn.execute(select(projects.c.published_version)
                                  .where(projects.c.id == project.id))).scalar_one() + 1
    event = ProjectChanged(
        project_id=str(project.id), version=version, change=change, title=project.title,
        status="completed" if project.status == "completed" else
        "cancelled" if project.status == "cancelled" else "running",
        region_code=project.region_code, province_code=project.region_code[:2], budget=project.budget,
        sdgs=project.sdgs, agreement_ids=list(project.agreement_ids),
        partners=[ProjectPartner(partner_id=p, strand=facts[p].strand, role=role,
                                 committed_rupiah=totals[p]["committed_rupiah"],
                                 delivered_rupiah=totals[p]["delivered_rupiah"])
                  for p, role in project.partners.items() if p in facts],
        strands_present=helix.present, helix_complete=helix.complete, helix_missing=helix.missing,
        committed_rupiah=sum(t["committed_rupiah"] for t in totals.values()),
        delivered_rupiah=sum(t["delivered_rupiah"] for t in totals.values()),
        milestones_done=counts["done"], milestones_due=counts["due"], milestones_overdue=counts["overdue"],
        as_of=as_of, occurred_at=_now())
    await _publish(tx, projects, project.id, event, meta)
    await conn.execute(update(projects).where(projects.c.id == project.id).values(helix_complete=helix.complete))
    return event


async def republish_projects(tx: EventStoreTx, project_ids: Iterable[UUID], change: str, meta: EventMetadata,
                             as_of: date) -> None:
    """A partner or agreement changed: the projects that depend on it publish their new state."""
    for pid in project_ids:
        await publish_project(tx, await project_repo.get(tx, pid), change, meta, as_of)


async def find(repo: Repository[A], tx: EventStoreTx, id: UUID) -> A | None:
    """The aggregate if `id` is a stream of its type (a project's id given as an agreement's finds nothing)."""
    recorded = await tx.load(id)
    if not recorded or recorded[0].stream_type != repo.aggregate.stream_type:
        return None
    return repo.aggregate.replay(
        id, ((e.version, repo.registry.decode(e.event_type, e.schema_version, e.data)) for e in recorded))


async def load(repo: Repository[A], tx: EventStoreTx, id: UUID, field: str) -> A:
    """The aggregate, or 404 naming the path parameter."""
    found = await find(repo, tx, id)
    if found is None:
        raise NotFound(f"{repo.aggregate.stream_type} {id} does not exist", field=field)
    return found


async def reassess_projects(tx: EventStoreTx, as_of: date, meta: EventMetadata) -> list[str]:
    """Republish running projects whose completeness changed with time alone (an agreement's term ran out)."""
    rows = (await tx.connection.execute(select(projects.c.id, projects.c.helix_complete, projects.c.state)
                                        .where(projects.c.status == "running").order_by(projects.c.id))).all()
    changed = []
    for row in rows:
        helix, _ = await helix_of(tx.connection, [p["partner_id"] for p in row.state["partners"]],
                                  row.state["agreement_ids"], as_of)
        if helix.complete != row.helix_complete:
            await publish_project(tx, await project_repo.get(tx, row.id), "helix_reassessed", meta, as_of)
            changed.append(str(row.id))
    return changed


async def count_partners(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(partners))).scalar_one())
