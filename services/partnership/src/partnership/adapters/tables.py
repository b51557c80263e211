"""The partnership service's read tables and their projectors (projections of the partners', agreements' and
projects' streams, written by `uow.save` in the command's own transaction and by `gotong partnership rebuild`),
and the erasable contact persons; the kit's tables live in `kit_metadata`."""

from __future__ import annotations

from typing import Any
from uuid import UUID as PyUUID

from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, insert
from sqlalchemy.exc import IntegrityError

from gotong.adapters.sql import Sql
from gotong.application.uow import Projectors
from gotong.domain.errors import Conflict
from partnership.domain.agreement import Agreement
from partnership.domain.partner import Partner
from partnership.domain.project import Project

metadata = MetaData()

partners = Table(
    "partners", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False, unique=True),  # lower-cased name + strand: no duplicate partner
    Column("strand", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("region_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("published_version", Integer, nullable=False, server_default="0"),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("partners_strand_region", "strand", "region_code"),
)

#: Contact persons are personal data: kept here only (never in events, which are forever), erasable.
partner_contacts = Table(
    "partner_contacts", metadata,
    Column("partner_id", UUID(as_uuid=True), primary_key=True),
    Column("contact", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

agreements = Table(
    "agreements", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("partner_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("state", JSONB, nullable=False),
    Column("published_version", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("agreements_partner_ids", "partner_ids", postgresql_using="gin"),
)

projects = Table(
    "projects", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("region_code", Text, nullable=False),
    Column("province_code", Text, nullable=False),
    Column("budget", BigInteger, nullable=False),
    Column("partner_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("agreement_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("helix_complete", Boolean, nullable=False, server_default="false"),  # as of the last publication
    Column("state", JSONB, nullable=False),
    Column("published_version", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("projects_partner_ids", "partner_ids", postgresql_using="gin"),
    Index("projects_agreement_ids", "agreement_ids", postgresql_using="gin"),
)

milestones = Table(
    "milestones", metadata,
    Column("project_id", UUID(as_uuid=True), primary_key=True),
    Column("milestone_id", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("done_on", Date),
    Column("flagged_overdue", Boolean, nullable=False, server_default="false"),
    Index("milestones_open", "due_on", postgresql_where="done_on IS NULL AND NOT flagged_overdue"),
)


# -- projectors ------------------------------------------------------------------------------------------------

#: `partner_contacts` is not listed: contact persons are not events (erasable personal data), a rebuild keeps them.
projectors = Projectors(tables=[partners.name, agreements.name, projects.name, milestones.name])


def partner_values(partner: Partner) -> dict[str, Any]:
    return {"name": partner.name, "strand": partner.strand, "kind": partner.kind,
            "region_code": partner.region_code, "province_code": partner.region_code[:2],
            "status": partner.status, "state": partner.to_state(), "name_key": partner.name_key}


def agreement_values(agreement: Agreement) -> dict[str, Any]:
    return {"kind": agreement.kind, "title": agreement.title, "status": agreement.status,
            "starts_on": agreement.starts_on, "ends_on": agreement.ends_on,
            "partner_ids": [PyUUID(p) for p in agreement.parties], "state": agreement.to_state()}


def project_values(project: Project) -> dict[str, Any]:
    return {"title": project.title, "status": project.status, "region_code": project.region_code,
            "province_code": project.region_code[:2], "budget": project.budget,
            "partner_ids": [PyUUID(p) for p in project.partners],
            "agreement_ids": [PyUUID(a) for a in project.agreement_ids], "state": project.view(),
            "helix_complete": project.helix_complete, "published_version": project.published_version}


async def _upsert(sql: Sql, table: Any, id: PyUUID, values: dict[str, Any]) -> None:
    stmt = insert(table).values(id=id, **values)
    await sql.run(stmt.on_conflict_do_update(index_elements=[table.c.id], set_=values))


@projectors.state(Partner)
async def save_partner(sql: Sql, partner: Partner) -> None:
    try:
        await _upsert(sql, partners, partner.id, partner_values(partner))
    except (IntegrityError, UniqueViolationError) as err:  # two registrations of one name at once (the command
        # checked the name first): the transaction is lost either way, say why
        raise Conflict(f"a {partner.strand} partner with this name is registered already", field="name") from err


@projectors.state(Agreement)
async def save_agreement(sql: Sql, agreement: Agreement) -> None:
    await _upsert(sql, agreements, agreement.id, agreement_values(agreement))


@projectors.state(Project)
async def save_project(sql: Sql, project: Project) -> None:
    await _upsert(sql, projects, project.id, project_values(project))
    await sql.run(milestones.delete().where(milestones.c.project_id == project.id))
    if project.milestones:
        await sql.run(insert(milestones), [
            {"project_id": project.id, "milestone_id": mid, "title": m.title, "due_on": m.due_on,
             "done_on": m.done_on, "flagged_overdue": m.flagged_overdue_on is not None}
            for mid, m in project.milestones.items()])
