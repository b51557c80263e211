"""Applying other services' published facts to the replicas the canvas, the portal and open data read."""

from __future__ import annotations

from datetime import datetime

from gotong_contracts import csr_ledger, disbursement, enterprise, partnership, registry

from canvas_projector.adapters.replicas import CatalogReplica, NetworkReplica


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _metric(report: enterprise.ImpactReportAccepted, name: str) -> int:
    return next((m.value for m in report.metrics if m.name == name), 0)


async def apply_catalog_fact(replica: CatalogReplica, fact: object) -> None:
    """Programs and company CSR money; facts of other types change nothing."""
    match fact:
        case disbursement.ProgramDefined():
            await replica.program(fact.program_id, fact.code, fact.name, fact.funding_source,
                                  fact.eligibility_summary, _at(fact.occurred_at))
        case csr_ledger.CompanyRegistered():
            await replica.company(fact.company_id, fact.name, fact.sector, fact.tjsl_mandatory,
                                  _at(fact.occurred_at))
        case csr_ledger.PledgeMade():
            await replica.flow(f"pledge:{fact.pledge_id}", "pledge", fact.company_id, fact.amount, f"{fact.year}",
                               _at(fact.occurred_at))
        case csr_ledger.DepositReceived():
            await replica.flow(f"deposit:{fact.transfer_id}", "deposit", fact.company_id, fact.amount, None,
                               _at(fact.occurred_at))
        case csr_ledger.AllocationDecided() if fact.status == "approved":
            await replica.flow(f"allocation:{fact.allocation_id}", "allocation", fact.company_id, fact.amount,
                               fact.target_name, _at(fact.occurred_at))
        case csr_ledger.SpendingRecorded():
            sign = 1 if fact.status == "paid" else -1
            # one flow per ledger transfer: a reissued attempt, and each funder's part, count on their own
            key = f"spending:{fact.transfer_id}" if fact.transfer_id else f"spending:{fact.payment_id}:{fact.status}"
            await replica.flow(key, "spending", fact.company_id, sign * fact.amount, fact.program_id,
                               _at(fact.occurred_at))
        case _:
            return


async def apply_network_fact(replica: NetworkReplica, fact: object) -> None:
    """Social enterprises, Triple Helix partners and projects, and the register's households."""
    match fact:
        case enterprise.EnterpriseRegistered() | enterprise.EnterpriseProfileUpdated():
            await replica.enterprise(fact.enterprise_id, fact.name, fact.legal_form, fact.province_code,
                                     fact.regency_code, fact.groups_served, fact.groups_employed,
                                     _at(fact.occurred_at))
        case enterprise.EnterpriseStatusChanged():
            await replica.enterprise_status(fact.enterprise_id, fact.status)
        case enterprise.ImpactReportAccepted():
            await replica.report(fact.enterprise_id, fact.period, fact.version, fact.period_end,
                                 _metric(fact, "earned_revenue"), _metric(fact, "total_expenses"),
                                 _metric(fact, "grants_received"), _metric(fact, "employees"),
                                 _metric(fact, "employees_vulnerable"), _metric(fact, "beneficiaries_served"),
                                 _at(fact.occurred_at))
        case enterprise.HouseholdGraduated():
            await replica.graduation(fact.household_ref, fact.enterprise_id, fact.province_code,
                                     _at(fact.occurred_at))
        case partnership.PartnerRegistered():
            await replica.partner(fact.partner_id, fact.name, fact.strand, fact.kind, fact.province_code,
                                  _at(fact.occurred_at))
        case partnership.PartnerStatusChanged():
            await replica.partner_active(fact.partner_id, fact.status == "active")
        case partnership.ProjectChanged():
            await replica.project(fact.project_id, fact.version, fact.title, fact.status, fact.province_code,
                                  fact.budget, [p.partner_id for p in fact.partners], fact.strands_present,
                                  fact.helix_complete, fact.committed_rupiah, fact.delivered_rupiah,
                                  fact.milestones_overdue, _at(fact.occurred_at))
        case registry.HouseholdChanged():
            await replica.household(fact.household_ref, fact.household_version, fact.province_code,
                                    fact.verification, fact.desil, _at(fact.occurred_at), fact.regency_code)
        case registry.HouseholdRanked():
            await replica.household_desil(fact.household_ref, fact.desil)
        case registry.HouseholdErased():
            await replica.household_erased(fact.household_ref)
        case registry.HouseholdsMerged():
            await replica.households_merged(fact.merged_refs)
        case _:
            return
