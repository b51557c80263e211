"""IATI 2.03 activities (iatistandard.org/en/iati-standard/203/activity-standard): programs and company CSR
funds as activities, money movements as transactions with the standard TransactionType codes:

  1 Incoming Funds (CSR deposits)      2 Outgoing Commitment (CSR allocations)
  3 Disbursement (payments to households, net of returns)      13 Incoming Pledge (CSR pledges)

Amounts are whole rupiah (`default-currency="IDR"`); transactions are aggregates (per period, per company), never
per household.

- **Reporting organisation.** Gotong has no identifier from a registration agency yet: the reporting-org ref and
  every activity identifier's prefix is the `IATI_REPORTING_ORG_REF` setting, by default `XI-IATI-GOTONG`, the
  form of identifier the IATI Secretariat allocates (the `XI-IATI` list) to organisations no registration agency
  lists. Operators set the identifier they are given (an `ID-…` agency prefix or the allocated `XI-IATI-…`).
- **Sector.** Every activity is DAC 5-digit sector 16010 *Social protection* (vocabulary 1), 100%.
- **Money counted once.** A company's CSR fund and the program it funds are two activities. The fund's
  disbursements to a program name the program's activity (`receiver-activity-id`); the program reports the same
  money as incoming funds naming the fund's activity (`provider-activity-id`). Aggregators follow the links and
  count it once; only the program's disbursements to households leave Gotong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

REPORTING_ORG_REF = "XI-IATI-GOTONG"  # the default of the IATI_REPORTING_ORG_REF setting (see above)
SECTOR_SOCIAL_PROTECTION = "16010"  # DAC 5-digit purpose code (Sector vocabulary 1)
REPORTING_ORG_TYPE = "10"  # OrganisationType 10: Government
ACTIVITY_STATUS_IMPLEMENTATION = "2"
ACTIVITY_DATE_ACTUAL_START = "2"
ROLE_FUNDING, ROLE_IMPLEMENTING = "1", "4"

INCOMING_FUNDS, OUTGOING_COMMITMENT, DISBURSEMENT, INCOMING_PLEDGE = "1", "2", "3", "13"


@dataclass(frozen=True)
class Transaction:
    type: str
    day: date
    amount: int
    description: str
    provider: str | None = None
    receiver: str | None = None
    provider_activity: str | None = None  # the IATI activity the money came from
    receiver_activity: str | None = None  # the IATI activity the money went to


@dataclass
class Activity:
    identifier: str
    title: str
    description: str
    funder: str
    start: date
    transactions: list[Transaction] = field(default_factory=list)


Row = Mapping[str, Any]
#: CSR flow kind -> IATI TransactionType
FLOW_TYPES = {"pledge": INCOMING_PLEDGE, "deposit": INCOMING_FUNDS, "allocation": OUTGOING_COMMITMENT,
              "spending": DISBURSEMENT}


def build_activities(ref: str, programs: Sequence[Row], program_periods: Sequence[Row],
                     flows: Sequence[Row]) -> list[Activity]:
    """The activities of the IATI file, from the replicas' rows.

    programs: program_id, code, name, eligibility_summary, funding_source.
    program_periods: code, period, first_at, last_at, amount (net of returns) — per program and period.
    flows: company_id, name, registered_at, kind, amount, counterpart, occurred_at — ordered by company name
    and time.
    """
    by_code = {r["code"]: r for r in programs}
    by_program_id = {r["program_id"]: r for r in programs}
    activities: dict[str, Activity] = {}

    def program_activity(code: str, start: date) -> Activity:
        program = by_code.get(code)
        activity = activities.setdefault(code, Activity(
            f"{ref}-{code}", program["name"] if program else code,
            program["eligibility_summary"] if program else f"Program {code}",
            "Pemerintah Indonesia" if not program or program["funding_source"] != "csr" else "Dana CSR perusahaan",
            start))
        activity.start = min(activity.start, start)
        return activity

    for row in program_periods:
        activity = program_activity(row["code"], row["first_at"].date())
        if row["amount"] > 0:
            activity.transactions.append(Transaction(
                DISBURSEMENT, row["last_at"].date(), row["amount"], f"Penyaluran {row['period']}",
                receiver="Rumah tangga penerima (agregat)"))
    spent: dict[tuple[str, str, str], tuple[int, date]] = {}
    names: dict[str, str] = {}
    for f in flows:
        activity = activities.setdefault(f"csr:{f['company_id']}", Activity(
            f"{ref}-CSR-{f['company_id']}", f"Dana TJSL {f['name']}",
            f"Dana tanggung jawab sosial dan lingkungan {f['name']} yang dikelola di Gotong.", f["name"],
            f["registered_at"].date()))
        names[activity.identifier] = f["name"]
        if f["kind"] == "spending":  # net of returns, per program and month (a return is a negative flow)
            key = (activity.identifier, f["counterpart"] or "", f["occurred_at"].strftime("%Y-%m"))
            amount, _ = spent.get(key, (0, f["occurred_at"].date()))
            spent[key] = (amount + f["amount"], f["occurred_at"].date())
        elif f["amount"] > 0:
            incoming = f["kind"] in ("pledge", "deposit")
            activity.transactions.append(Transaction(
                FLOW_TYPES[f["kind"]], f["occurred_at"].date(), f["amount"], f["kind"],
                provider=f["name"] if incoming else None, receiver=None if incoming else (f["counterpart"] or None)))
    by_id = {a.identifier: a for a in activities.values()}
    for (fund_id, target, month), (amount, day) in spent.items():
        if not amount:
            continue  # a month whose returns exceed its payments reports the correction as a negative value
        program = by_program_id.get(target)
        if program is None:  # the program's definition has not reached the projector yet: name what we know
            by_id[fund_id].transactions.append(Transaction(
                DISBURSEMENT, day, amount, f"Penyaluran {month}", receiver=f"Program {target}"))
            continue
        receiver = program_activity(program["code"], day)
        # The same money, once from each side, linked: the fund disbursed it to the program's activity, which
        # received it from the fund's activity. Aggregators count it once.
        by_id[fund_id].transactions.append(Transaction(
            DISBURSEMENT, day, amount, f"Penyaluran {month} ke {program['name']}", receiver=program["name"],
            receiver_activity=receiver.identifier))
        receiver.transactions.append(Transaction(
            INCOMING_FUNDS, day, amount, f"Dana CSR {month}", provider=names[fund_id],
            provider_activity=fund_id))
    return list(activities.values())
