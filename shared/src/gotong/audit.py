"""`gotong audit`: an independent cross-check that every published figure for the same money agrees.

It reads each service's own store read-only (SQL of its own, none of the services' code) and the public open-data
files, recomputes the money from the raw records and compares, per program, per cycle and per company:

- **payments** — the disbursement event store (every `PaymentRecorded`: paid minus returned, the one definition
  of money that stayed with households) against the disbursement read model (paid per cycle);
- **transparency log** — the log's leaves against those records (per program and period, and record for record),
  and the latest checkpoint's root recomputed from the leaves (RFC 6962 hashing);
- **CSR ledger** — spending per program against the CSR-funded payments, per company against the ledger's own
  transfers, and the ledger's invariants: every account's balances are the sum of its transfers, no account is
  overdrawn, every spending row has its transfer and every spending transfer its row;
- **open data** — `csr-companies.json`, `payments-by-province.json` and `iati-activities.xml` against the above.

With `as_of`, figures are those of records made by then (store-derived checks only: the read models and public
files show the present). Each mismatch is one line naming what disagrees and both figures.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from lxml import etree

#: Net money of a set of payment records: paid adds, returned takes back (the projector's definition too).
NET = "sum(CASE {r}->>'status' WHEN 'paid' THEN ({r}->>'amount')::bigint " \
      "WHEN 'returned' THEN -({r}->>'amount')::bigint ELSE 0 END)"
MIN_CELL = 10  # open data suppresses smaller cells (canvas-projector's portal rule)


@dataclass
class Audit:
    as_of: datetime | None
    checked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    mismatches: list[str] = field(default_factory=list)

    def compare(self, what: str, key: str, a_name: str, a: int, b_name: str, b: int) -> None:
        self.checked[what] += 1
        if a != b:
            self.mismatches.append(f"{what} {key}: {a_name} {a:,} ≠ {b_name} {b:,}")

    def fail(self, what: str, text: str) -> None:
        self.checked[what] += 1
        self.mismatches.append(f"{what}: {text}")

    def summary(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat() if self.as_of else None, "checked": dict(self.checked),
                "mismatches": self.mismatches, "ok": not self.mismatches}


def _pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _compare_maps(audit: Audit, what: str, a_name: str, a: dict[str, int], b_name: str, b: dict[str, int]) -> None:
    for key in sorted(set(a) | set(b)):
        audit.compare(what, key, a_name, a.get(key, 0), b_name, b.get(key, 0))


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 tree head: leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || left || right)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = [hashlib.sha256(b"\x00" + d).digest() for d in leaves]
    # Pairing left to right and carrying an odd last node up unchanged gives the same root as RFC 6962's
    # split at the largest power of two.
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


async def _payments(audit: Audit, disbursement: asyncpg.Connection) -> dict[str, Any]:
    """Money per cycle, per program and period, per CSR program, per province, from the disbursement store."""
    rows = await disbursement.fetch(
        "SELECT data FROM events WHERE event_type = 'PaymentRecorded' AND ($1::timestamptz IS NULL OR "
        "occurred_at <= $1) ORDER BY position", audit.as_of)
    records = [r["data"] if isinstance(r["data"], dict) else json.loads(r["data"]) for r in rows]
    per_cycle: dict[str, int] = defaultdict(int)
    per_period: dict[str, int] = defaultdict(int)
    per_csr_program: dict[str, int] = defaultdict(int)
    per_province_household: dict[tuple[str, str], int] = defaultdict(int)
    keys: set[tuple[str, int, str]] = set()
    for r in records:
        sign = {"paid": 1, "returned": -1}.get(r["status"], 0)
        keys.add((r["payment_id"], int(r.get("attempt", 1)), r["status"]))
        if not sign:
            continue
        amount = sign * int(r["amount"])
        per_cycle[f"{r['program_code']} {r['period']} (cycle {r['cycle_id']})"] += amount
        per_period[f"{r['program_code']} {r['period']}"] += amount
        if r["funding_source"] == "csr":
            per_csr_program[r["program_id"]] += amount
        per_province_household[(r["region_code"].split(".")[0], r["household_ref"])] += amount
    per_province: dict[str, tuple[int, int]] = {}
    for (province, _), amount in per_province_household.items():
        households, total = per_province.get(province, (0, 0))
        per_province[province] = (households + (amount > 0), total + amount)
    return {"per_cycle": per_cycle, "per_period": per_period, "per_csr_program": per_csr_program,
            "per_province": per_province, "records": len(keys)}


async def _read_model(audit: Audit, disbursement: asyncpg.Connection, money: dict[str, Any]) -> None:
    rows = await disbursement.fetch(
        "SELECT g.code, c.period, c.cycle_id, coalesce(sum(p.confirmed_amount) FILTER (WHERE p.status = 'paid'), 0) "
        "AS paid FROM cycles c JOIN programs g USING (program_id) LEFT JOIN payments p ON p.cycle_id = c.cycle_id "
        "AND p.program_id = c.program_id GROUP BY 1, 2, 3")
    model = {f"{r['code']} {r['period']} (cycle {r['cycle_id']})": int(r["paid"]) for r in rows}
    _compare_maps(audit, "paid per cycle", "payment records", dict(money["per_cycle"]), "disbursement payments",
                  model)


async def _transparency_log(audit: Audit, projector: asyncpg.Connection, money: dict[str, Any]) -> None:
    net = NET.format(r="r")
    rows = await projector.fetch(
        f"WITH l AS (SELECT convert_from(leaf, 'UTF8')::jsonb AS r FROM tlog_leaves) "
        f"SELECT r->>'program_code' || ' ' || (r->>'period') AS k, {net} AS amount FROM l "
        "WHERE $1::timestamptz IS NULL OR (r->>'occurred_at')::timestamptz <= $1 GROUP BY 1", audit.as_of)
    _compare_maps(audit, "paid per program and period", "payment records", dict(money["per_period"]),
                  "transparency log", {r["k"]: int(r["amount"]) for r in rows})
    if audit.as_of is not None:
        return
    leaves = [bytes(r["leaf"]) for r in await projector.fetch("SELECT leaf FROM tlog_leaves ORDER BY idx")]
    audit.compare("transparency log", "leaves", "payment records", money["records"], "leaves", len(leaves))
    checkpoint = await projector.fetchrow("SELECT size, root FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
    if checkpoint is not None:
        size = int(checkpoint["size"])
        if size > len(leaves):
            audit.fail("transparency log", f"checkpoint covers {size} leaves, the log holds {len(leaves)}")
        elif merkle_root(leaves[:size]) != bytes(checkpoint["root"]):
            audit.fail("transparency log", f"the root of the checkpoint at {size} is not the root of those leaves")
        else:
            audit.checked["transparency log"] += 1


async def _ledger(audit: Audit, ledger: asyncpg.Connection, money: dict[str, Any]) -> dict[str, int]:
    """Ledger invariants, and CSR spending per program; returns spending per company (by name)."""
    at = audit.as_of
    for r in await ledger.fetch(
            "SELECT a.id, a.code, a.flags, a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending, "
            # posted money: plain transfers and postings of pending ones (not the pending or voiding rows)
            "coalesce((SELECT sum(t.amount) FROM ledger_transfers t WHERE t.debit_account_id = a.id "
            "          AND t.flags & 10 = 0), 0) AS debits, "
            "coalesce((SELECT sum(t.amount) FROM ledger_transfers t WHERE t.credit_account_id = a.id "
            "          AND t.flags & 10 = 0), 0) AS credits "
            "FROM ledger_accounts a ORDER BY a.id"):
        name = f"{r['code']} {r['id']}"
        audit.compare("ledger account", name, "debits posted", int(r["debits_posted"]), "sum of its transfers",
                      int(r["debits"]))
        audit.compare("ledger account", name, "credits posted", int(r["credits_posted"]), "sum of its transfers",
                      int(r["credits"]))
        if r["flags"] & 2 and r["debits_posted"] + r["debits_pending"] > r["credits_posted"]:
            audit.fail("ledger account", f"{name} is overdrawn")
    spending = await ledger.fetch(
        "SELECT t.code, t.amount, t.reference, c.name AS company, "
        "(SELECT s.program_id FROM spending s WHERE s.payment_id = t.reference LIMIT 1) AS program_id "
        "FROM ledger_transfers t JOIN allocations a ON a.account_id IN (t.debit_account_id, t.credit_account_id) "
        "JOIN companies c ON c.id = a.company_id "
        "WHERE t.code IN ('spending', 'reversal') AND ($1::timestamptz IS NULL OR t.timestamp <= $1)", at)
    per_program: dict[str, int] = defaultdict(int)
    per_company: dict[str, int] = defaultdict(int)
    for t in spending:
        amount = int(t["amount"]) * (1 if t["code"] == "spending" else -1)
        if t["program_id"] is None:
            audit.fail("CSR spending", f"{t['code']} transfer for payment {t['reference']} has no spending row")
            continue
        per_program[t["program_id"]] += amount
        per_company[t["company"]] += amount
    _compare_maps(audit, "CSR spending per program", "CSR payment records", dict(money["per_csr_program"]),
                  "ledger transfers", dict(per_program))
    if at is None:
        # Each spending row (an attempt's part) has its spending transfer, each returned one its reversal.
        for r in await ledger.fetch(
                "WITH rows AS (SELECT payment_id, account_id, count(*) AS spent, "
                "                     count(*) FILTER (WHERE status = 'returned') AS returned "
                "              FROM spending GROUP BY 1, 2), "
                "moves AS (SELECT reference AS payment_id, CASE code WHEN 'spending' THEN debit_account_id "
                "                 ELSE credit_account_id END AS account_id, count(*) FILTER (WHERE code = 'spending') "
                "                 AS spent, count(*) FILTER (WHERE code = 'reversal') AS returned "
                "          FROM ledger_transfers WHERE code IN ('spending', 'reversal') GROUP BY 1, 2) "
                "SELECT coalesce(r.payment_id, m.payment_id) AS payment_id, coalesce(r.spent, 0) AS rows_spent, "
                "coalesce(r.returned, 0) AS rows_returned, coalesce(m.spent, 0) AS spent, "
                "coalesce(m.returned, 0) AS returned FROM rows r FULL JOIN moves m USING (payment_id, account_id) "
                "WHERE coalesce(r.spent, 0) <> coalesce(m.spent, 0) OR coalesce(r.returned, 0) <> "
                "coalesce(m.returned, 0)"):
            audit.fail("CSR spending", f"payment {r['payment_id']}: {r['rows_spent']} spending row(s), "
                                       f"{r['rows_returned']} returned, but {r['spent']} spending and "
                                       f"{r['returned']} reversal transfer(s) in the ledger")
        audit.checked["CSR spending"] += 1
        rows_per_company = {r["name"]: int(r["spent"]) for r in await ledger.fetch(
            "SELECT c.name, coalesce(sum(s.amount) FILTER (WHERE s.status = 'paid'), 0) AS spent "
            "FROM companies c LEFT JOIN spending s ON s.company_id = c.id GROUP BY c.name")}
        _compare_maps(audit, "CSR spent per company", "ledger transfers", dict(per_company), "spending rows",
                      dict(rows_per_company))
    return dict(per_company)


async def _open_data(audit: Audit, portal: str, money: dict[str, Any], per_company: dict[str, int],
                     company_ids: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=portal, timeout=30) as http:
        companies = (await http.get("/opendata/csr-companies.json")).raise_for_status().json()
        provinces = (await http.get("/opendata/payments-by-province.json")).raise_for_status().json()
        iati = (await http.get("/opendata/iati-activities.xml")).raise_for_status().content
    published: dict[str, int] = defaultdict(int)
    for c in companies:
        published[c["company"]] += int(c["spent_idr"])
    _compare_maps(audit, "CSR spent per company", "ledger transfers", per_company, "csr-companies.json",
                  dict(published))
    for row in provinces:
        if not row["province_code"]:
            continue  # the small cells, merged
        households, amount = money["per_province"].get(row["province_code"], (0, 0))
        audit.compare("paid per province", row["province_code"], "payment records", amount,
                      "payments-by-province.json", int(row["amount_idr"]))
        audit.compare("households per province", row["province_code"], "payment records", households,
                      "payments-by-province.json", int(row["households"]))
    document = etree.fromstring(iati)
    by_program: dict[str, int] = defaultdict(int)
    by_fund: dict[str, int] = defaultdict(int)
    for activity in document.iter("iati-activity"):
        reporting = activity.find("reporting-org")
        ref = (reporting.get("ref") if reporting is not None else None) or ""
        identifier = (activity.findtext("iati-identifier") or "").removeprefix(f"{ref}-")
        total = sum(int(t.findtext("value") or 0) for t in activity.iter("transaction")
                    if (kind := t.find("transaction-type")) is not None and kind.get("code") == "3")
        fund = identifier.removeprefix("CSR-")
        if fund in company_ids:  # a company's CSR fund (a program's code may start with CSR- too)
            by_fund[company_ids[fund]] += total
        else:
            by_program[identifier] += total
    per_program: dict[str, int] = defaultdict(int)
    for key, amount in money["per_period"].items():
        per_program[key.rsplit(" ", 1)[0]] += amount
    _compare_maps(audit, "paid per program", "payment records", dict(per_program), "IATI activity", dict(by_program))
    _compare_maps(audit, "CSR spent per company", "ledger transfers", per_company, "IATI fund activity",
                  dict(by_fund))


async def run_audit(databases: dict[str, str], portal: str | None, as_of: datetime | None = None) -> Audit:
    """`databases`: service name → its database URL (disbursement, csr-ledger, canvas-projector)."""
    audit = Audit(as_of)
    conns = {name: await asyncpg.connect(_pg(url)) for name, url in databases.items()}
    try:
        for c in conns.values():
            await c.execute("SET default_transaction_read_only = on")
        money = await _payments(audit, conns["disbursement"])
        if as_of is None:
            await _read_model(audit, conns["disbursement"], money)
        await _transparency_log(audit, conns["canvas-projector"], money)
        per_company = await _ledger(audit, conns["csr-ledger"], money)
        if as_of is None and portal:
            ids = {str(r["id"]): r["name"] for r in await conns["csr-ledger"].fetch("SELECT id, name FROM companies")}
            await _open_data(audit, portal, money, per_company, ids)
    finally:
        for c in conns.values():
            await c.close()
    return audit
