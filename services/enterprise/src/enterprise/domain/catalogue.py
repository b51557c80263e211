"""The enterprise domain's vocabulary and report catalogue: legal forms, statuses, groups, suspension reasons,
and the report metrics (IRIS+ codes where one fits, units, which are required). The published contract
(`gotong_contracts.enterprise`) spells the same words for consumers; this is what the rules check against."""

from __future__ import annotations

from typing import Literal, get_args

LegalForm = Literal["pt", "cv", "koperasi", "yayasan", "pt_perorangan"]
EnterpriseStatus = Literal["registered", "verified", "active", "suspended"]
#: Groups an enterprise serves or employs (segments for the canvas).
Group = Literal["women", "disabled", "youth", "elderly", "ex_offenders", "poor_households", "smallholder_farmers",
                "indigenous_communities", "migrant_worker_returnees"]
SuspensionReason = Literal["reports_overdue", "misreporting", "legal_issue", "mission_drift", "requested", "other"]
Relation = Literal["employee", "client"]
Action = Literal["verify", "activate", "suspend", "reinstate"]

LEGAL_FORMS: tuple[str, ...] = get_args(LegalForm)
GROUPS: tuple[str, ...] = get_args(Group)
REASONS: tuple[str, ...] = get_args(SuspensionReason)

#: Report metrics and their codes: IRIS+ where one fits (IRIS+ 5.3, iris.thegiin.org), else a Gotong-local code
#: (`GOT-...`) that promises nothing outside Gotong.
METRIC_CODES: dict[str, str] = {
    "earned_revenue": "PI1775",        # IRIS+ Sales Revenue: revenue from selling products and services
    "total_expenses": "FP2321",        # IRIS+ Total Expenses
    "grants_received": "GOT-GRANT",    # grants and donations received (no single IRIS+ metric)
    "employees": "GOT-EMP",            # people employed at period end, full- and part-time
    "employees_vulnerable": "GOT-EMP-VUL",  # of them, from vulnerable groups (cf. IRIS+ OI8147, OI2003: full-time)
    "beneficiaries_served": "PI4060",  # IRIS+ Client Individuals: Total
    "service_hours": "GOT-SVC-HRS",    # hours of service delivered to beneficiaries
    "operating_expenses": "FP1001",    # IRIS+ Operating Expenses
    "full_time_wages": "OI5887",       # IRIS+ Full-time Wages
    "temporary_employees": "OI9028",   # IRIS+ Temporary Employees
    "client_organizations": "PI9652",  # IRIS+ Client Organizations: Total
    "value_paid_by_clients": "PI7643",  # IRIS+ Value paid by clients
}
#: Derived figure codes (computed by Gotong from the accepted report).
DERIVED_CODES: dict[str, str] = {
    "self_sufficiency": "GOT-SELF-SUFF",     # earned revenue / total expenses
    "grant_dependency": "GOT-GRANT-DEP",     # grants / (earned revenue + grants)
    "cost_per_beneficiary": "GOT-COST-BEN",  # total expenses / beneficiaries served, rupiah
    "revenue_growth": "FP4761",              # IRIS+ Revenue Growth: vs the previous period of the same kind
}
REQUIRED = ("earned_revenue", "total_expenses", "grants_received", "employees", "employees_vulnerable",
            "beneficiaries_served")
OPTIONAL = tuple(k for k in METRIC_CODES if k not in REQUIRED)
RUPIAH = frozenset({"earned_revenue", "total_expenses", "grants_received", "operating_expenses", "full_time_wages",
                    "value_paid_by_clients"})
Unit = Literal["IDR", "people", "organizations", "hours"]
UNITS: dict[str, Unit] = {**dict.fromkeys(RUPIAH, "IDR"), "employees": "people", "employees_vulnerable": "people",
                          "temporary_employees": "people", "beneficiaries_served": "people",
                          "client_organizations": "organizations", "service_hours": "hours"}
