"""Reports for ops and ministries over the read tables: targeting by desil (inclusion/exclusion error against
desil 1–4), coverage per region, amounts paid per program/cycle/region, time from approval to payment; and the
public recipient status by pseudonymous household reference."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from disbursement.adapters.replica import prefilter
from disbursement.adapters.tables import CycleTable, ProgramTable
from gotong.adapters.sql import Sql

POOR = (1, 4)  # the band targeted programs are measured against (DTSEN desil 1–4)


class Reports:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def targeting(self, cycle_id: UUID) -> dict[str, Any]:
        c = await CycleTable(self.sql).row(cycle_id)
        _, definition = await ProgramTable(self.sql).get(c["code"])
        per_desil = await self.sql.fetch(
            "SELECT desil, count(*) AS n FROM entitlements WHERE cycle_id = $1 AND status <> 'cancelled' "
            "GROUP BY desil ORDER BY desil NULLS LAST", cycle_id)
        recipients = sum(r["n"] for r in per_desil)
        outside = sum(r["n"] for r in per_desil if r["desil"] is None or not POOR[0] <= r["desil"] <= POOR[1])
        # The population a program could reach: its regions, desil 1–4 (region rules only; desil is the measure).
        where, params = prefilter(definition, desil=False)
        n = len(params)
        counted = await self.sql.fetchrow(
            f"SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM entitlements e WHERE "
            f"e.cycle_id = ${n + 1} AND e.household_ref = h.household_ref AND e.status <> 'cancelled')) "
            f"FROM households h WHERE {where} AND desil BETWEEN {POOR[0]} AND {POOR[1]}", *params, cycle_id)
        assert counted is not None
        poor_total, poor_missed = counted
        band = definition.desil_band()
        return {
            "cycle_id": str(cycle_id), "program_code": c["code"], "period": c["period"], "recipients": recipients,
            "per_desil": [{"desil": r["desil"], "households": r["n"],
                           "share": round(r["n"] / recipients, 4) if recipients else 0.0} for r in per_desil],
            "targets_desil_1_4": band is not None and band[1] <= POOR[1],
            "inclusion_error": round(outside / recipients, 4) if recipients else 0.0,
            "exclusion_error": round(poor_missed / poor_total, 4) if poor_total else 0.0,
            "desil_1_4_households": poor_total, "desil_1_4_not_reached": poor_missed,
            "definitions": "inclusion error: recipients outside desil 1-4 / recipients; exclusion error: desil 1-4 "
                           "households in the program's regions without an entitlement / all of them",
        }

    async def coverage(self, cycle_id: UUID, level: str) -> dict[str, Any]:
        c = await CycleTable(self.sql).row(cycle_id)
        col = "province_code" if level == "province" else "regency_code"
        rows = await self.sql.fetch(
            f"WITH poor AS (SELECT {col} AS region, count(*) AS n FROM households WHERE NOT erased AND "
            f"merged_into IS NULL AND desil BETWEEN {POOR[0]} AND {POOR[1]} GROUP BY 1), "
            f"got AS (SELECT {col} AS region, count(*) AS n, coalesce(sum(amount), 0) AS amount FROM entitlements "
            f"WHERE cycle_id = $1 AND status <> 'cancelled' GROUP BY 1) "
            f"SELECT coalesce(poor.region, got.region) AS region, coalesce(poor.n, 0) AS poor, "
            f"coalesce(got.n, 0) AS recipients, coalesce(got.amount, 0) AS amount FROM poor FULL JOIN got "
            f"USING (region) ORDER BY 1", cycle_id)
        return {"cycle_id": str(cycle_id), "program_code": c["code"], "period": c["period"], "level": level,
                "regions": [{"region_code": r["region"], "desil_1_4_households": r["poor"],
                             "recipients": r["recipients"], "entitled_amount": int(r["amount"]),
                             "coverage": round(r["recipients"] / r["poor"], 4) if r["poor"] else None} for r in rows]}

    async def paid(self, level: str, program: str | None) -> list[dict[str, Any]]:
        col = "p.province_code" if level == "province" else "p.regency_code"
        rows = await self.sql.fetch(
            f"SELECT g.code, c.period, c.cycle_id, {col} AS region, count(*) FILTER (WHERE p.status = 'paid') AS paid, "
            "coalesce(sum(p.confirmed_amount) FILTER (WHERE p.status = 'paid'), 0) AS paid_amount, "
            "coalesce(sum(p.amount) FILTER (WHERE p.status = 'returned'), 0) AS returned_amount, "
            "count(*) FILTER (WHERE p.status IN ('instructed', 'reissued')) AS in_flight "
            "FROM payments p JOIN cycles c USING (cycle_id) JOIN programs g ON g.program_id = p.program_id "
            "WHERE ($1::text IS NULL OR g.code = $1) GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 4", program)
        return [{"program_code": r["code"], "period": r["period"], "cycle_id": str(r["cycle_id"]),
                 "region_code": r["region"], "paid_households": r["paid"], "paid_amount": int(r["paid_amount"]),
                 "returned_amount": int(r["returned_amount"]), "in_flight": r["in_flight"]} for r in rows]

    async def approval_to_payment(self) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT g.code, c.period, c.cycle_id, c.approved_at, count(p.*) AS paid, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.confirmed_at - c.approved_at)) AS p50, "
            "percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM p.confirmed_at - c.approved_at)) AS p90, "
            "max(extract(epoch FROM p.confirmed_at - c.approved_at)) AS worst "
            "FROM cycles c JOIN programs g USING (program_id) JOIN payments p ON p.cycle_id = c.cycle_id "
            "AND p.status = 'paid' WHERE c.approved_at IS NOT NULL GROUP BY 1, 2, 3, 4 ORDER BY c.approved_at")
        return [{"program_code": r["code"], "period": r["period"], "cycle_id": str(r["cycle_id"]),
                 "approved_at": r["approved_at"].isoformat(), "paid_households": r["paid"],
                 "seconds_to_payment": {"p50": self._num(r["p50"]), "p90": self._num(r["p90"]),
                                        "max": self._num(r["worst"])}}
                for r in rows]

    @staticmethod
    def _num(v: Any) -> float | None:
        return None if v is None else round(float(v), 1)

    async def recipient_programs(self, household_ref: str) -> dict[str, Any]:
        """The public status check: programs received and their period — nothing else."""
        rows = await self.sql.fetch(
            "SELECT DISTINCT g.code, g.name, c.period, CASE WHEN p.status = 'paid' THEN 'paid' "
            "WHEN p.status IN ('instructed', 'reissued') THEN 'in_process' ELSE 'not_paid' END AS status "
            "FROM payments p JOIN cycles c USING (cycle_id) JOIN programs g ON g.program_id = p.program_id "
            "WHERE p.household_ref = $1 ORDER BY c.period DESC, g.code", household_ref)
        return {"household_ref": household_ref,
                "programs": [{"program_code": r["code"], "program_name": r["name"], "period": r["period"],
                              "status": r["status"]} for r in rows]}
