"""Reads on the read tables (through the read-side adapter): lists with filters and cursors, one aggregate with
its checks, the network. The Triple Helix is judged by the domain (`assess`) on facts the adapter reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from gotong.domain.errors import NotFound, ValidationFailed
from partnership.adapters.reads import PartnershipReads
from partnership.application.regions import region_name
from partnership.domain.helix import HelixAssessment, PartnerFacts, assess
from partnership.domain.project import Milestone


async def helix_of(reads: PartnershipReads, partner_ids: Iterable[str], agreement_ids: Iterable[str],
                   as_of: date) -> tuple[HelixAssessment, dict[str, PartnerFacts]]:
    members = list(partner_ids)
    facts = await reads.partner_facts(members)
    return assess(members, facts, await reads.agreement_facts(agreement_ids), as_of), facts


# -- partners -----------------------------------------------------------------------------------------------

async def list_partners(reads: PartnershipReads, *, limit: int, after: Any = None, strand: str | None = None,
                        kind: str | None = None, region: str | None = None, status: str | None = None,
                        q: str | None = None) -> list[dict[str, Any]]:
    rows = await reads.partners(limit=limit, after=after, strand=strand, kind=kind, region=region, status=status,
                                q=q)
    return [{**r, "region_name": region_name(r["region_code"])} for r in rows]


async def get_partner(reads: PartnershipReads, partner_id: UUID, with_contact: bool) -> dict[str, Any]:
    state = await reads.partner(partner_id)
    if state is None:
        raise NotFound(f"partner {partner_id} is not registered", field="partner_id")
    out: dict[str, Any] = {**state, "region_name": region_name(state["region_code"])}
    out["agreements"] = await reads.agreements_of_partner(partner_id)
    out["projects"] = await reads.projects_of_partner(partner_id)
    if with_contact:
        out["contact"] = await reads.contact(partner_id)
    return out


# -- agreements ---------------------------------------------------------------------------------------------

async def _named_parties(reads: PartnershipReads, parties: list[dict[str, str]]) -> list[dict[str, Any]]:
    facts = await reads.partner_facts([p["partner_id"] for p in parties])
    return [{**p, "name": facts[p["partner_id"]].name if p["partner_id"] in facts else None,
             "strand": facts[p["partner_id"]].strand if p["partner_id"] in facts else None} for p in parties]


async def list_agreements(reads: PartnershipReads, *, limit: int, after: Any = None, status: str | None = None,
                          kind: str | None = None, partner_id: UUID | None = None,
                          ending_before: date | None = None) -> list[dict[str, Any]]:
    return await reads.agreements(limit=limit, after=after, status=status, kind=kind, partner_id=partner_id,
                                  ending_before=ending_before)


async def get_agreement(reads: PartnershipReads, agreement_id: UUID) -> dict[str, Any]:
    out = await reads.agreement(agreement_id)
    if out is None:
        raise NotFound(f"agreement {agreement_id} does not exist", field="agreement_id")
    out["parties"] = await _named_parties(reads, out["parties"])
    out["projects"] = await reads.projects_of_agreement(agreement_id)
    return out


# -- projects -----------------------------------------------------------------------------------------------

def milestone_view(m: dict[str, Any], as_of: date) -> dict[str, Any]:
    state = Milestone(m["title"], date.fromisoformat(m["due_on"]),
                      date.fromisoformat(m["done_on"]) if m["done_on"] else None).state_on(as_of)
    late = (as_of - date.fromisoformat(m["due_on"])).days if state == "overdue" else 0
    return {**m, "state": state, "days_overdue": late}


async def list_projects(reads: PartnershipReads, *, limit: int, after: Any = None, region: str | None = None,
                        status: str | None = None, partner_id: UUID | None = None,
                        agreement_id: UUID | None = None, helix_complete: bool | None = None) -> list[dict[str, Any]]:
    rows = await reads.projects(limit=limit, after=after, region=region, status=status, partner_id=partner_id,
                                agreement_id=agreement_id, helix_complete=helix_complete)
    return [{"id": str(r.id), "title": r.title, "status": r.status, "region_code": r.region_code,
             "region_name": region_name(r.region_code), "budget": r.budget, "partners": len(r.partner_ids),
             "agreements": len(r.agreement_ids), "helix_complete": r.helix_complete,
             "committed_rupiah": r.state["committed_rupiah"], "delivered_rupiah": r.state["delivered_rupiah"]}
            for r in rows]


async def _project_row(reads: PartnershipReads, project_id: UUID) -> Any:
    row = await reads.project(project_id)
    if row is None:
        raise NotFound(f"project {project_id} does not exist", field="project_id")
    return row


async def project_helix(reads: PartnershipReads, project_id: UUID, as_of: date) -> dict[str, Any]:
    state = (await _project_row(reads, project_id)).state
    helix, _ = await helix_of(reads, [p["partner_id"] for p in state["partners"]], state["agreement_ids"], as_of)
    return helix.to_dict()


async def project_contributions(reads: PartnershipReads, project_id: UUID) -> list[dict[str, Any]]:
    """Commitments vs deliveries per partner, with names and strands."""
    state = (await _project_row(reads, project_id)).state
    facts = await reads.partner_facts(state["contribution_totals"])
    return [{"partner_id": pid, "name": facts[pid].name if pid in facts else None,
             "strand": facts[pid].strand if pid in facts else None, **totals,
             "delivered_share": round(totals["delivered_rupiah"] / totals["committed_rupiah"], 4)
             if totals["committed_rupiah"] else None}
            for pid, totals in state["contribution_totals"].items()]


async def get_project(reads: PartnershipReads, project_id: UUID, as_of: date) -> dict[str, Any]:
    row = await _project_row(reads, project_id)
    out = dict(row.state)
    out["region_name"] = region_name(out["region_code"])
    out["partners"] = await _named_parties(reads, out["partners"])
    out["milestones"] = [milestone_view(m, as_of) for m in out["milestones"]]
    out["helix"] = await project_helix(reads, project_id, as_of)
    out["contributions_by_partner"] = await project_contributions(reads, project_id)
    out["agreements"] = await reads.agreements_brief(list(row.agreement_ids))
    del out["contribution_totals"]
    return out


async def overdue_milestones(reads: PartnershipReads, as_of: date, region: str | None = None
                             ) -> list[dict[str, Any]]:
    rows = await reads.overdue_milestones(as_of, region)
    return [{"project_id": str(r.project_id), "project_title": r.project_title, "region_code": r.region_code,
             "milestone_id": r.milestone_id, "title": r.title, "due_on": r.due_on.isoformat(),
             "days_overdue": (as_of - r.due_on).days, "flagged": r.flagged_overdue} for r in rows]


async def milestones_page(reads: PartnershipReads, *, limit: int, after: Any, state: str | None, as_of: date,
                          region: str | None = None, project_id: UUID | None = None) -> list[dict[str, Any]]:
    """A page of milestones across projects by due date; `days_overdue` for those open past `as_of`. `after` is
    the cursor's (due_on, project_id, milestone_id); another shape is refused naming `cursor`."""
    start = None
    if after is not None:
        try:
            start = (date.fromisoformat(after[0]), UUID(str(after[1])), str(after[2]))
        except (TypeError, ValueError, IndexError, KeyError) as err:
            raise ValidationFailed("cursor is not one this API issued", field="cursor") from err
    rows = await reads.milestones(limit=limit, after=start, state=state, as_of=as_of, region=region,
                                  project_id=project_id)
    return [{"project_id": str(r.project_id), "project_title": r.project_title, "region_code": r.region_code,
             "project_status": r.project_status, "milestone_id": r.milestone_id, "title": r.title,
             "due_on": r.due_on.isoformat(), "done_on": r.done_on.isoformat() if r.done_on else None,
             "days_overdue": (as_of - r.due_on).days if r.done_on is None and r.due_on < as_of else 0,
             "flagged": r.flagged_overdue} for r in rows]


async def checks(reads: PartnershipReads, as_of: date, region: str | None = None) -> dict[str, Any]:
    """Every running project: Triple Helix completeness (with reasons), overdue milestones, contributions
    outstanding. What `gotong partnership check` prints."""
    out = []
    for row in await reads.projects_in(region):
        state = row.state
        helix, _ = await helix_of(reads, [p["partner_id"] for p in state["partners"]], state["agreement_ids"], as_of)
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

async def network(reads: PartnershipReads, as_of: date, region: str | None = None,
                  include_ended: bool = False) -> dict[str, Any]:
    """Who works with whom on what: partner and project nodes; `participates` edges (partner → project, with
    role and contributions) and `collaborates` edges (partner ↔ partner, the projects they share and the
    agreements of those projects both are party to)."""
    rows = await reads.projects_in(region, running_only=not include_ended)
    partner_ids = sorted({str(p) for r in rows for p in r.partner_ids})
    facts = await reads.partner_facts(partner_ids)
    seats = await reads.partner_seats(partner_ids)
    nodes: list[dict[str, Any]] = [
        {"id": pid, "type": "partner", "label": facts[pid].name, "strand": facts[pid].strand,
         "status": facts[pid].status, "region_code": seats.get(pid)} for pid in partner_ids if pid in facts]
    edges: list[dict[str, Any]] = []
    pairs: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        state = r.state
        helix, _ = await helix_of(reads, [p["partner_id"] for p in state["partners"]], state["agreement_ids"], as_of)
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
    deals = await reads.agreement_facts(sorted({str(a) for r in rows for a in r.agreement_ids}))
    for (a, b), shared in sorted(pairs.items()):
        together = [{"id": d.id, "title": d.title, "status": d.status} for d in deals if {a, b} <= d.parties]
        edges.append({"source": a, "target": b, "type": "collaborates", "projects": shared, "weight": len(shared),
                      "agreements": together})
    return {"as_of": as_of.isoformat(), "region": region, "region_name": region_name(region) if region else None,
            "nodes": nodes, "edges": edges}
