"""Read-side SQL on the read tables (SQLAlchemy Core): partners, agreements, projects, milestones, contacts, and
the facts the Triple Helix check judges (partners' strand and status, agreements' status, parties and term)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, literal, or_, select, tuple_

from gotong.adapters.sql import Sql
from gotong.domain.errors import ValidationFailed
from partnership.adapters.tables import agreements, milestones, partner_contacts, partners, projects
from partnership.domain.helix import AgreementFacts, PartnerFacts


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


class PartnershipReads:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def _all(self, stmt: Any) -> list[Any]:
        return list((await self.sql.run(stmt)).all())

    # -- facts for the helix check and the command guards ---------------------------------------------------
    async def partner_facts(self, ids: Iterable[str]) -> dict[str, PartnerFacts]:
        wanted = [UUID(i) for i in ids]
        rows = await self._all(select(partners.c.id, partners.c.name, partners.c.strand, partners.c.status)
                               .where(partners.c.id.in_(wanted))) if wanted else []
        return {str(r.id): PartnerFacts(str(r.id), r.name, r.strand, r.status) for r in rows}

    async def agreement_facts(self, ids: Iterable[str]) -> list[AgreementFacts]:
        wanted = [UUID(i) for i in ids]
        if not wanted:
            return []
        rows = await self._all(select(agreements.c.id, agreements.c.title, agreements.c.status,
                                      agreements.c.partner_ids, agreements.c.ends_on)
                               .where(agreements.c.id.in_(wanted)))
        order = {a: i for i, a in enumerate(wanted)}
        return sorted((AgreementFacts(str(r.id), r.title, r.status, frozenset(str(p) for p in r.partner_ids),
                                      r.ends_on) for r in rows), key=lambda a: order[UUID(a.id)])

    async def partner_statuses(self, ids: list[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        return {r.id: r.status for r in await self._all(
            select(partners.c.id, partners.c.status).where(partners.c.id.in_(ids)))}

    async def agreement_statuses(self, ids: list[UUID]) -> dict[UUID, str]:
        if not ids:
            return {}
        return {r.id: r.status for r in await self._all(
            select(agreements.c.id, agreements.c.status).where(agreements.c.id.in_(ids)))}

    async def name_taken(self, name_key: str) -> bool:
        found = await self.sql.run(select(partners.c.id).where(partners.c.name_key == name_key))
        return found.first() is not None

    async def projects_with_partner(self, partner_id: UUID) -> list[UUID]:
        return [r.id for r in await self._all(select(projects.c.id).where(projects.c.partner_ids.contains(
            [partner_id])).order_by(projects.c.id))]

    async def projects_with_agreement(self, agreement_id: UUID) -> list[UUID]:
        return [r.id for r in await self._all(select(projects.c.id).where(projects.c.agreement_ids.contains(
            [agreement_id])).order_by(projects.c.id))]

    async def projects_with_unflagged_overdue(self, as_of: date) -> list[UUID]:
        return [r.project_id for r in await self._all(
            select(milestones.c.project_id).distinct().join(projects, projects.c.id == milestones.c.project_id)
            .where(milestones.c.done_on.is_(None), milestones.c.due_on < as_of,
                   milestones.c.flagged_overdue.is_(False), projects.c.status == "running")
            .order_by(milestones.c.project_id))]

    async def count_partners(self) -> int:
        return int((await self.sql.run(select(func.count()).select_from(partners))).scalar_one())

    # -- partners ----------------------------------------------------------------------------------------
    async def partners(self, *, limit: int, after: Any = None, strand: str | None = None, kind: str | None = None,
                       region: str | None = None, status: str | None = None,
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
        return [dict(r.state) for r in await self._all(_page(stmt, partners, after, limit))]

    async def contact(self, partner_id: UUID) -> Any:
        return (await self.sql.run(select(partner_contacts.c.contact)
                                   .where(partner_contacts.c.partner_id == partner_id))).scalar_one_or_none()

    async def partner(self, partner_id: UUID) -> dict[str, Any] | None:
        row = (await self.sql.run(select(partners.c.state).where(partners.c.id == partner_id))).first()
        return dict(row.state) if row is not None else None

    async def agreements_of_partner(self, partner_id: UUID) -> list[dict[str, Any]]:
        return [{"id": str(r.id), "kind": r.kind, "title": r.title, "status": r.status}
                for r in await self._all(select(agreements.c.id, agreements.c.kind, agreements.c.title,
                                                agreements.c.status)
                                         .where(agreements.c.partner_ids.contains([partner_id]))
                                         .order_by(agreements.c.id))]

    async def projects_of_partner(self, partner_id: UUID) -> list[dict[str, Any]]:
        return [{"id": str(r.id), "title": r.title, "status": r.status, "region_code": r.region_code}
                for r in await self._all(select(projects.c.id, projects.c.title, projects.c.status,
                                                projects.c.region_code)
                                         .where(projects.c.partner_ids.contains([partner_id]))
                                         .order_by(projects.c.id))]

    async def partner_seats(self, ids: list[str]) -> dict[str, str]:
        return {str(r.id): r.region_code for r in await self._all(
            select(partners.c.id, partners.c.region_code).where(partners.c.id.in_([UUID(p) for p in ids])))}

    # -- agreements --------------------------------------------------------------------------------------
    async def agreements(self, *, limit: int, after: Any = None, status: str | None = None,
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
        return [dict(r.state) for r in await self._all(_page(stmt, agreements, after, limit))]

    async def agreement(self, agreement_id: UUID) -> dict[str, Any] | None:
        row = (await self.sql.run(select(agreements.c.state).where(agreements.c.id == agreement_id))).first()
        return dict(row.state) if row is not None else None

    async def projects_of_agreement(self, agreement_id: UUID) -> list[dict[str, Any]]:
        return [{"id": str(r.id), "title": r.title} for r in await self._all(
            select(projects.c.id, projects.c.title).where(projects.c.agreement_ids.contains([agreement_id]))
            .order_by(projects.c.id))]

    async def agreements_brief(self, ids: list[UUID]) -> list[dict[str, Any]]:
        return [{"id": str(r.id), "kind": r.kind, "title": r.title, "status": r.status,
                 "ends_on": r.ends_on.isoformat()} for r in await self._all(
                    select(agreements.c.id, agreements.c.kind, agreements.c.title, agreements.c.status,
                           agreements.c.ends_on).where(agreements.c.id.in_(ids)).order_by(agreements.c.id))]

    # -- projects ----------------------------------------------------------------------------------------
    async def projects(self, *, limit: int, after: Any = None, region: str | None = None, status: str | None = None,
                       partner_id: UUID | None = None, agreement_id: UUID | None = None,
                       helix_complete: bool | None = None) -> list[Any]:
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
        return await self._all(_page(stmt, projects, after, limit))

    async def project(self, project_id: UUID) -> Any:
        """The project's row (None when there is none)."""
        return (await self.sql.run(select(projects).where(projects.c.id == project_id))).first()

    async def projects_in(self, region: str | None = None, *, running_only: bool = True) -> list[Any]:
        stmt = select(projects)
        if region:
            stmt = stmt.where(_in_region(projects.c.region_code, region))
        if running_only:
            stmt = stmt.where(projects.c.status == "running")
        return await self._all(stmt.order_by(projects.c.id))

    async def overdue_milestones(self, as_of: date, region: str | None = None) -> list[Any]:
        stmt = (select(milestones, projects.c.title.label("project_title"), projects.c.region_code)
                .join(projects, projects.c.id == milestones.c.project_id)
                .where(milestones.c.done_on.is_(None), milestones.c.due_on < as_of, projects.c.status == "running"))
        if region:
            stmt = stmt.where(_in_region(projects.c.region_code, region))
        return await self._all(stmt.order_by(milestones.c.due_on, milestones.c.project_id))

    async def milestones(self, *, limit: int, after: tuple[date, UUID, str] | None, state: str | None,
                         as_of: date, region: str | None = None, project_id: UUID | None = None) -> list[Any]:
        """Milestones by due date (then project, milestone); `state`: open, overdue (open past `as_of`, in a
        running project) or done. `after` is the previous page's last (due_on, project_id, milestone_id)."""
        stmt = (select(milestones, projects.c.title.label("project_title"), projects.c.region_code,
                       projects.c.status.label("project_status"))
                .join(projects, projects.c.id == milestones.c.project_id))
        if state == "open":
            stmt = stmt.where(milestones.c.done_on.is_(None))
        elif state == "overdue":
            stmt = stmt.where(milestones.c.done_on.is_(None), milestones.c.due_on < as_of,
                              projects.c.status == "running")
        elif state == "done":
            stmt = stmt.where(milestones.c.done_on.is_not(None))
        if region:
            stmt = stmt.where(_in_region(projects.c.region_code, region))
        if project_id:
            stmt = stmt.where(milestones.c.project_id == project_id)
        if after is not None:
            stmt = stmt.where(tuple_(milestones.c.due_on, milestones.c.project_id, milestones.c.milestone_id)
                              > tuple_(literal(after[0]), literal(after[1]), literal(after[2])))
        return await self._all(stmt.order_by(milestones.c.due_on, milestones.c.project_id,
                                             milestones.c.milestone_id).limit(limit))
