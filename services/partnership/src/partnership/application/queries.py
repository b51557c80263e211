"""Reads on the read tables: lists with filters and cursors, one aggregate with its checks, the network."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.domain.errors import NotFound, ValidationFailed
from partnership.application.regions import region_name
from partnership.application.store import agreement_facts, helix_of, partner_facts
from partnership.domain.project import Milestone
from partnership.tables import agreements, milestones, partner_contacts, partners, projects


def _page(stmt: Select[Any], table: Any, after: Any, limit: int) -> Select[Any]:
    if after is not None:
        try:
            start = UUID(str(after))
        except ValueError as err:
            raise ValidationFailed("cursor is not one this API issued", field="cursor") from err
        stmt = stmt.where(table.c.id > start)
    return stmt.order_by(table.c.id).limit(limit)


def _in_region(column: Any, region: str) -> Any:
    """A region and everything inside it: 35 matches 35 and 35.78 and 35.78.01."""
    return or_(column == region, column.like(region + ".%"))


# -- partners -----------------------------------------------------------------------------------------------

async def list_partners(conn: AsyncConnection, *, limit: int, after: Any = None, strand: str | None = None,
                        kind: str | None = None, region: str | None = None, status: str | None = None,
                        q: str | None = None) -> list[dict[str, Any]]:
    stmt = select(partners.c.id, partners.c.state)
    if strand:
        stmt = stmt.where(partners.c.strand == strand)
    if kind:
        stmt = stmt.where(partners.c.kind == kind)
    if region:
        stmt = stmt.where(_in_region(partners.c.region_code, region))
    if status:
        stmt = stmt.where(partners.c.status == status)
    if q:
        stmt = stmt.where(partners.c.name.ilike(f"%{q}%"))
    rows = (await conn.execute(_page(stmt, partners, after, limit))).all()
    return [{**r.state, "region_name": region_name(r.state["region_code"])} for r in rows]


async def get_partner(conn: AsyncConnection, partner_id: UUID, with_contact: bool) -> dict[str, Any]:
    row = (await conn.execute(select(partners.c.state).where(partners.c.id == partner_id))).first()
    if row is None:
        raise NotFound(f"partner {partner_id} is not registered", field="partner_id")
    out: dict[str, Any] = {**row.state, "region_name": region_name(row.state["region_code"])}
    out["agreements"] = [{"id": str(r.id), "kind": r.kind, "title": r.title, "status": r.status}
                         for r in (await conn.execute(select(agreements.c.id, agreements.c.kind, agreements.c.title,
                                                             agreements.c.status)
                                                      .where(agreements.c.partner_ids.contains([partner_id]))
                                                      .order_by(agreements.c.id))).all()]
    out["projects"] = [{"id": str(r.id), "title": r.title, "status": r.status, "region_code": r.region_code}
                       for r in (await conn.execute(select(projects.c.id, projects.c.title, projects.c.status,
                                                           projects.c.region_code)
                                                    .where(projects.c.partner_ids.contains([partner_id]))
                                                    .order_by(projects.c.id))).all()]
    if with_contact:
        contact = (await conn.execute(select(partner_contacts.c.contact)
                                      .where(partner_contacts.c.partner_id == partner_id))).scalar_one_or_none()
        out["contact"] = contact
    return out


# -- agreements ---------------------------------------------------------------------------------------------

async def _named_parties(conn: AsyncConnection, parties: list[dict[str, str]]) -> list[dict[str, Any]]:
    facts = await partner_facts(conn, [p["partner_id"] for p in parties])
    return [{**p, "name": facts[p["partner_id"]].name if p["partner_id"] in facts else None,
             "strand": facts[p["partner_id"]].strand if p["partner_id"] in facts else None} for p in parties]


async def list_agreements(conn: AsyncConnection, *, limit: int, after: Any = None, status: str | None = None,
                          kind: str | None = None, partner_id: UUID | None = None,
                          ending_before: date | None = None) -> list[dict[str, Any]]:
    stmt = select(agreements.c.id, agreements.c.state)
    if status:
        stmt = stmt.where(agreements.c.status == status)
    if kind:
        stmt = stmt.where(agreements.c.kind == kind)
    if partner_id:
        stmt = stmt.where(agreements.c.partner_ids.contains([partner_id]))
    if ending_before:
        stmt = stmt.where(agreements.c.ends_on < ending_before)
    rows = (await conn.execute(_page(stmt, agreements, after, limit))).all()
    return [dict(r.state) for r in rows]


async def get_agreement(conn: AsyncConnection, agreement_id: UUID) -> dict[str, Any]:
    row = (await conn.execute(select(agreements.c.state).where(agreements.c.id == agreement_id))).first()
    if row is None:
        raise NotFound(f"agreement {agreement_id} does not exist", field="agreement_id")
    out = dict(row.state)
    out["parties"] = await _named_parties(conn, out["parties"])
    out["projects"] = [{"id": str(r.id), "title": r.title} for r in (await conn.execute(
        select(projects.c.id, projects.c.title).where(projects.c.agreement_ids.contains([agreement_id]))
        .order_by(projects.c.id))).all()]
    return out


# -- projects -----------------------------------------------------------------------------------------------

def milestone_view(m: dict[str, Any], as_of: date) -> dict[str, Any]:
    state = Milestone(m["title"], date.fromisoformat(m["due_on"]),
                      date.fromisoformat(m["done_on"]) if m["done_on"] else None).state_on(as_of)
    late = (as_of - date.fromisoformat(m["due_on"])).days if state == "overdue" else 0
    return {**m, "state": state, "days_overdue": late}


async def list_projects(conn: AsyncConnection, *, limit: int, after: Any = None, region: str | None = None,
                        status: str | None = None, partner_id: UUID | None = None,
                        agreement_id: UUID | None = None, helix_complete: bool | None = None) -> list[dict[str, Any]]:
    stmt = select(projects)
    if region:
        stmt = stmt.where(_in_region(projects.c.region_code, region))
    if status:
        stmt = stmt.where(projects.c.status == status)
    if partner_id:
        stmt = stmt.where(projects.c.partner_ids.contains([partner_id]))
    if agreement_id:
        stmt = stmt.where(projects.c.agreement_ids.contains([agreement_id]))
    if helix_complete is not None:
        stmt = stmt.where(projects.c.helix_complete.is_(helix_complete))
    rows = (await conn.execute(_page(stmt, projects, after, limit))).all()
    return [{"id": str(r.id), "title": r.title, "status": r.status, "region_code": r.region_code,
             "region_name": region_name(r.region_code), "budget": r.budget, "partners": len(r.partner_ids),
             "agreements": len(r.agreement_ids), "helix_complete": r.helix_complete,
             "committed_rupiah": r.state["committed_rupiah"], "delivered_rupiah": r.state["delivered_rupiah"]}
            for r in rows]


async def _project_row(conn: AsyncConnection, project_id: UUID) -> Any:
    row = (await conn.execute(select(projects).where(projects.c.id == project_id))).first()
    if row is None:
        raise NotFound(f"project {project_id} does not exist", field="project_id")
    return row


async def project_helix(conn: AsyncConnection, project_id: UUID, as_of: date) -> dict[str, Any]:
    row = await _project_row(conn, project_id)
    state = row.state
    helix, _ = await helix_of(conn, [p["partner_id"] for p in state["partners"]], state["agreement_ids"], as_of)
    return helix.to_dict()


async def project_contributions(conn: AsyncConnection, project_id: UUID) -> list[dict[str, Any]]:
    """Commitments vs deliveries per partner, with names and strands."""
    state = (await _project_row(conn, project_id)).state
    facts = await partner_facts(conn, state["contribution_totals"])
    return [{"partner_id": pid, "name": facts[pid].name if pid in facts else None,
             "strand": facts[pid].strand if pid in facts else None, **totals,
             "delivered_share": round(totals["delivered_rupiah"] / totals["committed_rupiah"], 4)
             if totals["committed_rupiah"] else None}
            for pid, totals in state["contribution_totals"].items()]


async def get_project(conn: AsyncConnection, project_id: UUID, as_of: date) -> dict[str, Any]:
    row = await _project_row(conn, project_id)
    out = dict(row.state)
    out["region_name"] = region_name(out["region_code"])
    out["partners"] = await _named_parties(conn, out["partners"])
    out["milestones"] = [milestone_view(m, as_of) for m in out["milestones"]]
    out["helix"] = await project_helix(conn, project_id, as_of)
    out["contributions_by_partner"] = await project_contributions(conn, project_id)
    out["agreements"] = [{"id": str(r.id), "kind": r.kind, "title": r.title, "status": r.status,
                          "ends_on": r.ends_on.isoformat()} for r in (await conn.execute(
                              select(agreements.c.id, agreements.c.kind, agreements.c.title, agreements.c.status,
                                     agreements.c.ends_on).where(agreements.c.id.in_(row.agreement_ids))
                              .order_by(agreements.c.id))).all()]
    del out["contribution_totals"]
    return out


async def overdue_milestones(conn: AsyncConnection, as_of: date, region: str | None = None) -> list[dict[str, Any]]:
    stmt = (select(milestones, projects.c.title.label("project_title"), projects.c.region_code)
            .join(projects, projects.c.id == milestones.c.project_id)
            .where(milestones.c.done_on.is_(None), milestones.c.due_on < as_of, projects.c.status == "running"))
    if region:
        stmt = stmt.where(_in_region(projects.c.region_code, region))
    rows = (await conn.execute(stmt.order_by(milestones.c.due_on, milestones.c.project_id))).all()
    return [{"project_id": str(r.project_id), "project_title": r.project_title, "region_code": r.region_code,
             "milestone_id": r.milestone_id, "title": r.title, "due_on": r.due_on.isoformat(),
             "days_overdue": (as_of - r.due_on).days, "flagged": r.flagged_overdue} for r in rows]


async def checks(conn: AsyncConnection, as_of: date, region: str | None = None) -> dict[str, Any]:
    """Every running project: Triple Helix completeness (with reasons), overdue milestones, contributions
    outstanding. What `gotong partnership check` prints."""
    stmt = select(projects).where(projects.c.status == "running")
    if region:
        stmt = stmt.where(_in_region(projects.c.region_code, region))
    out = []
    for row in (await conn.execute(stmt.order_by(projects.c.id))).all():
        state = row.state
        helix, _ = await helix_of(conn, [p["partner_id"] for p in state["partners"]], state["agreement_ids"], as_of)
        late = [m for m in (milestone_view(m, as_of) for m in state["milestones"]) if m["state"] == "overdue"]
        out.append({"id": str(row.id), "title": row.title, "region_code": row.region_code,
                    "helix_complete": helix.complete, "helix_missing": helix.missing, "reasons": helix.reasons(),
                    "overdue_milestones": [{"id": m["id"], "title": m["title"], "due_on": m["due_on"],
                                            "days_overdue": m["days_overdue"]} for m in late],
                    "committed_rupiah": state["committed_rupiah"], "delivered_rupiah": state["delivered_rupiah"],
                    "outstanding_rupiah": state["committed_rupiah"] - state["delivered_rupiah"]})
    return {"as_of": as_of.isoformat(), "projects": out,
            "incomplete": sum(not p["helix_complete"] for p in out),
            "with_overdue_milestones": sum(bool(p["overdue_milestones"]) for p in out)}


# -- network ------------------------------------------------------------------------------------------------

async def network(conn: AsyncConnection, as_of: date, region: str | None = None,
                  include_ended: bool = False) -> dict[str, Any]:
    """Who works with whom on what: partner and project nodes; `participates` edges (partner → project, with
    role and contributions) and `collaborates` edges (partner ↔ partner, the projects they share and the
    agreements of those projects both are party to)."""
    stmt = select(projects)
    if region:
        stmt = stmt.where(_in_region(projects.c.region_code, region))
    if not include_ended:
        stmt = stmt.where(projects.c.status == "running")
    rows = (await conn.execute(stmt.order_by(projects.c.id))).all()
    partner_ids = sorted({str(p) for r in rows for p in r.partner_ids})
    facts = await partner_facts(conn, partner_ids)
    seats = {str(r.id): r.region_code for r in (await conn.execute(
        select(partners.c.id, partners.c.region_code).where(partners.c.id.in_([UUID(p) for p in partner_ids]))))}
    nodes: list[dict[str, Any]] = [
        {"id": pid, "type": "partner", "label": facts[pid].name, "strand": facts[pid].strand,
         "status": facts[pid].status, "region_code": seats.get(pid)} for pid in partner_ids if pid in facts]
    edges: list[dict[str, Any]] = []
    pairs: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        state = r.state
        helix, _ = await helix_of(conn, [p["partner_id"] for p in state["partners"]], state["agreement_ids"], as_of)
        pid = str(r.id)
        nodes.append({"id": pid, "type": "project", "label": r.title, "region_code": r.region_code,
                      "region_name": region_name(r.region_code), "status": r.status,
                      "helix_complete": helix.complete, "budget": r.budget})
        members = [p["partner_id"] for p in state["partners"]]
        for p in state["partners"]:
            totals = state["contribution_totals"].get(p["partner_id"], {})
            edges.append({"source": p["partner_id"], "target": pid, "type": "participates", "role": p["role"],
                          "committed_rupiah": totals.get("committed_rupiah", 0),
                          "delivered_rupiah": totals.get("delivered_rupiah", 0)})
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pairs.setdefault((min(a, b), max(a, b)), []).append(pid)
    deals = await agreement_facts(conn, sorted({str(a) for r in rows for a in r.agreement_ids}))
    for (a, b), shared in sorted(pairs.items()):
        together = [{"id": d.id, "title": d.title, "status": d.status} for d in deals if {a, b} <= d.parties]
        edges.append({"source": a, "target": b, "type": "collaborates", "projects": shared, "weight": len(shared),
                      "agreements": together})
    return {"as_of": as_of.isoformat(), "region": region, "region_name": region_name(region) if region else None,
            "nodes": nodes, "edges": edges}
