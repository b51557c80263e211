"""Replicas of other services' published facts (the `proj_*` tables). Every write is keyed, so a redelivery or
a replay changes nothing; event-carried state keeps the highest version. They are filled from other services'
topics, not from this service's store: a rebuild means replaying those topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gotong.adapters.sql import Sql


class CatalogReplica:
    """Programs (from `disbursement.events`) and company CSR money (from `csr-ledger.events`)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def program(self, program_id: str, code: str, name: str, funding_source: str, eligibility_summary: str,
                      defined_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_programs (program_id, code, name, funding_source, eligibility_summary, defined_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (program_id) DO UPDATE SET code = excluded.code, "
            "name = excluded.name, funding_source = excluded.funding_source, "
            "eligibility_summary = excluded.eligibility_summary",
            program_id, code, name, funding_source, eligibility_summary, defined_at)

    async def company(self, company_id: str, name: str, sector: str, tjsl_mandatory: bool,
                      registered_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_companies (company_id, name, sector, tjsl_mandatory, registered_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id) DO NOTHING",
            company_id, name, sector, str(tjsl_mandatory).lower(), registered_at)

    async def flow(self, flow_key: str, kind: str, company_id: str, amount: int, counterpart: str | None,
                   occurred_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_csr_flows (flow_key, kind, company_id, amount, counterpart, occurred_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (flow_key) DO NOTHING",
            flow_key, kind, company_id, amount, counterpart, occurred_at)


class NetworkReplica:
    """Social enterprises and their accepted reports, Triple Helix partners and projects, and the register's
    households (pseudonymous, only counted)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def enterprise(self, enterprise_id: str, name: str | None, legal_form: str, province_code: str,
                         regency_code: str, groups_served: Sequence[str], groups_employed: Sequence[str],
                         registered_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_enterprises (enterprise_id, name, legal_form, province_code, regency_code, "
            "groups_served, groups_employed, status, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
            "'registered', $8) ON CONFLICT (enterprise_id) DO UPDATE SET name = excluded.name, "
            "legal_form = excluded.legal_form, province_code = excluded.province_code, "
            "regency_code = excluded.regency_code, groups_served = excluded.groups_served, "
            "groups_employed = excluded.groups_employed",
            enterprise_id, name, legal_form, province_code, regency_code, ",".join(groups_served),
            ",".join(groups_employed), registered_at)

    async def enterprise_status(self, enterprise_id: str, status: str) -> None:
        await self.sql.execute("UPDATE proj_enterprises SET status = $2 WHERE enterprise_id = $1",
                               enterprise_id, status)

    async def report(self, enterprise_id: str, period: str, version: int, period_end: str, earned_revenue: int,
                     total_expenses: int, grants_received: int, employees: int, employees_vulnerable: int,
                     beneficiaries: int, accepted_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_enterprise_reports (enterprise_id, period, version, period_end, earned_revenue, "
            "total_expenses, grants_received, employees, employees_vulnerable, beneficiaries, accepted_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (enterprise_id, period) DO UPDATE "
            "SET version = excluded.version, period_end = excluded.period_end, "
            "earned_revenue = excluded.earned_revenue, total_expenses = excluded.total_expenses, "
            "grants_received = excluded.grants_received, employees = excluded.employees, "
            "employees_vulnerable = excluded.employees_vulnerable, beneficiaries = excluded.beneficiaries, "
            "accepted_at = excluded.accepted_at WHERE proj_enterprise_reports.version < excluded.version",
            enterprise_id, period, version, period_end, earned_revenue, total_expenses, grants_received,
            employees, employees_vulnerable, beneficiaries, accepted_at)

    async def graduation(self, household_ref: str, enterprise_id: str, province_code: str,
                         occurred_at: datetime) -> None:
        await self.sql.execute("INSERT INTO proj_graduations VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                               household_ref, enterprise_id, province_code, occurred_at)

    async def partner(self, partner_id: str, name: str, strand: str, kind: str, province_code: str,
                      registered_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_partners (partner_id, name, strand, kind, province_code, registered_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (partner_id) DO NOTHING",
            partner_id, name, strand, kind, province_code, registered_at)

    async def partner_active(self, partner_id: str, active: bool) -> None:
        await self.sql.execute("UPDATE proj_partners SET active = $2 WHERE partner_id = $1", partner_id,
                               str(active).lower())

    async def project(self, project_id: str, version: int, title: str, status: str, province_code: str,
                      budget: int, partner_ids: Sequence[str], strands_present: Sequence[str], helix_complete: bool,
                      committed: int, delivered: int, milestones_overdue: int, changed_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_projects VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
            "ON CONFLICT (project_id) DO UPDATE SET version = excluded.version, title = excluded.title, "
            "status = excluded.status, province_code = excluded.province_code, budget = excluded.budget, "
            "partner_ids = excluded.partner_ids, strands_present = excluded.strands_present, "
            "helix_complete = excluded.helix_complete, committed = excluded.committed, "
            "delivered = excluded.delivered, milestones_overdue = excluded.milestones_overdue, "
            "changed_at = excluded.changed_at WHERE proj_projects.version < excluded.version",
            project_id, version, title, status, province_code, budget, ",".join(partner_ids),
            ",".join(strands_present), str(helix_complete).lower(), committed, delivered, milestones_overdue,
            changed_at)

    async def household(self, household_ref: str, version: int, province_code: str, verification: str,
                        desil: int | None, changed_at: datetime, regency_code: str | None = None) -> None:
        await self.sql.execute(
            "INSERT INTO proj_registry_households (household_ref, version, province_code, verification, desil, "
            "erased, changed_at, regency_code) VALUES ($1, $2, $3, $4, $5, 'false', $6, $7) "
            "ON CONFLICT (household_ref) DO UPDATE SET version = excluded.version, "
            "province_code = excluded.province_code, verification = excluded.verification, "
            "desil = coalesce(excluded.desil, proj_registry_households.desil), changed_at = excluded.changed_at, "
            "regency_code = excluded.regency_code WHERE proj_registry_households.version < excluded.version",
            household_ref, version, province_code, verification, desil, changed_at, regency_code)

    async def household_desil(self, household_ref: str, desil: int) -> None:
        await self.sql.execute("UPDATE proj_registry_households SET desil = $2 WHERE household_ref = $1",
                               household_ref, desil)

    async def household_erased(self, household_ref: str) -> None:
        await self.sql.execute("UPDATE proj_registry_households SET erased = 'true' WHERE household_ref = $1",
                               household_ref)

    async def households_merged(self, merged_refs: Sequence[str]) -> None:
        await self.sql.execute("DELETE FROM proj_registry_households WHERE household_ref = ANY($1::text[])",
                               list(merged_refs))
