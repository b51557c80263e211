"""Keeps what the canvas and the portal need from the other approaches: social enterprises and their accepted
reports (`enterprise.events`), Triple Helix partners and projects (`partnership.events`), and the register's
size, verification and desil per province (`registry.events`). Every write is keyed, so a redelivery or a
replay changes nothing; event-carried state keeps the highest version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.contracts import enterprise, partnership, registry
from gotong.contracts.base import parse_contract
from gotong.eventstore.postgres import driver_connection
from gotong.messaging.consumer import Delivered, EventConsumer

CONSUMER = "canvas-projector.network"
TOPICS = ["enterprise.events", "partnership.events", "registry.events"]
_EVENTS: dict[str, dict[str, Any]] = {"enterprise.events": enterprise.EVENTS,
                                      "partnership.events": partnership.EVENTS,
                                      "registry.events": registry.EVENTS}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _metric(report: enterprise.ImpactReportAccepted, name: str) -> int:
    return next((m.value for m in report.metrics if m.name == name), 0)


async def on_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    fact = parse_contract(e.event_type, e.schema_version, e.data, _EVENTS.get(message.topic, {}))
    if fact is None:
        return
    d = await driver_connection(conn)
    match fact:
        case enterprise.EnterpriseRegistered() | enterprise.EnterpriseProfileUpdated():
            await d.execute(
                "INSERT INTO proj_enterprises (enterprise_id, name, legal_form, province_code, regency_code, "
                "groups_served, groups_employed, status, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                "'registered', $8) ON CONFLICT (enterprise_id) DO UPDATE SET name = excluded.name, "
                "legal_form = excluded.legal_form, province_code = excluded.province_code, "
                "regency_code = excluded.regency_code, groups_served = excluded.groups_served, "
                "groups_employed = excluded.groups_employed",
                fact.enterprise_id, fact.name, fact.legal_form, fact.province_code, fact.regency_code,
                ",".join(fact.groups_served), ",".join(fact.groups_employed), _at(fact.occurred_at))
        case enterprise.EnterpriseStatusChanged():
            await d.execute("UPDATE proj_enterprises SET status = $2 WHERE enterprise_id = $1",
                            fact.enterprise_id, fact.status)
        case enterprise.ImpactReportAccepted():
            await d.execute(
                "INSERT INTO proj_enterprise_reports (enterprise_id, period, version, period_end, earned_revenue, "
                "total_expenses, grants_received, employees, employees_vulnerable, beneficiaries, accepted_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (enterprise_id, period) DO UPDATE "
                "SET version = excluded.version, period_end = excluded.period_end, "
                "earned_revenue = excluded.earned_revenue, total_expenses = excluded.total_expenses, "
                "grants_received = excluded.grants_received, employees = excluded.employees, "
                "employees_vulnerable = excluded.employees_vulnerable, beneficiaries = excluded.beneficiaries, "
                "accepted_at = excluded.accepted_at WHERE proj_enterprise_reports.version < excluded.version",
                fact.enterprise_id, fact.period, fact.version, fact.period_end, _metric(fact, "earned_revenue"),
                _metric(fact, "total_expenses"), _metric(fact, "grants_received"), _metric(fact, "employees"),
                _metric(fact, "employees_vulnerable"), _metric(fact, "beneficiaries_served"), _at(fact.occurred_at))
        case enterprise.HouseholdGraduated():
            await d.execute("INSERT INTO proj_graduations VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                            fact.household_ref, fact.enterprise_id, fact.province_code, _at(fact.occurred_at))
        case partnership.PartnerRegistered():
            await d.execute(
                "INSERT INTO proj_partners (partner_id, name, strand, kind, province_code, registered_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (partner_id) DO NOTHING",
                fact.partner_id, fact.name, fact.strand, fact.kind, fact.province_code, _at(fact.occurred_at))
        case partnership.PartnerStatusChanged():
            await d.execute("UPDATE proj_partners SET active = $2 WHERE partner_id = $1", fact.partner_id,
                            str(fact.status == "active").lower())
        case partnership.ProjectChanged():
            await d.execute(
                "INSERT INTO proj_projects VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                "ON CONFLICT (project_id) DO UPDATE SET version = excluded.version, title = excluded.title, "
                "status = excluded.status, province_code = excluded.province_code, budget = excluded.budget, "
                "partner_ids = excluded.partner_ids, strands_present = excluded.strands_present, "
                "helix_complete = excluded.helix_complete, committed = excluded.committed, "
                "delivered = excluded.delivered, milestones_overdue = excluded.milestones_overdue, "
                "changed_at = excluded.changed_at WHERE proj_projects.version < excluded.version",
                fact.project_id, fact.version, fact.title, fact.status, fact.province_code, fact.budget,
                ",".join(p.partner_id for p in fact.partners), ",".join(fact.strands_present),
                str(fact.helix_complete).lower(), fact.committed_rupiah, fact.delivered_rupiah,
                fact.milestones_overdue, _at(fact.occurred_at))
        case registry.HouseholdChanged():
            await d.execute(
                "INSERT INTO proj_registry_households VALUES ($1, $2, $3, $4, $5, 'false', $6) "
                "ON CONFLICT (household_ref) DO UPDATE SET version = excluded.version, "
                "province_code = excluded.province_code, verification = excluded.verification, "
                "desil = coalesce(excluded.desil, proj_registry_households.desil), changed_at = excluded.changed_at "
                "WHERE proj_registry_households.version < excluded.version",
                fact.household_ref, fact.household_version, fact.province_code, fact.verification, fact.desil,
                _at(fact.occurred_at))
        case registry.HouseholdRanked():
            await d.execute("UPDATE proj_registry_households SET desil = $2 WHERE household_ref = $1",
                            fact.household_ref, fact.desil)
        case registry.HouseholdErased():
            await d.execute("UPDATE proj_registry_households SET erased = 'true' WHERE household_ref = $1",
                            fact.household_ref)
        case registry.HouseholdsMerged():
            await d.execute("DELETE FROM proj_registry_households WHERE household_ref = ANY($1::text[])",
                            fact.merged_refs)
        case _:
            return


def network_consumer(app: Any) -> EventConsumer:
    return EventConsumer(app.state.engine, name=CONSUMER, topics=TOPICS, handler=on_event,
                         bootstrap=app.state.settings.kafka_bootstrap_servers)
