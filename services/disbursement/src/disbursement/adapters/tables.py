"""The read side: the service's read tables (cycles, programs, payments, reconciliation exceptions, entitlements)
and the queries over them, plus the SQL its projectors write with. All of the service's SQL lives in
`adapters/`; application code asks for one of these classes on its unit of work (`uow.adapter(CycleTable)`)
or on a read snapshot (`Reading(sql).adapter(...)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

import orjson

from disbursement.domain.cycle import Cycle
from disbursement.domain.payment import Instruction, Payment
from disbursement.domain.program import Program
from disbursement.domain.programs import ProgramDefinition
from gotong.adapters.sql import Sql, jsonb
from gotong.domain.errors import NotFound

T = TypeVar("T")


class Reading:
    """Adapters over one read snapshot (what a query gets instead of a unit of work)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql
        self._adapters: dict[type[Any], Any] = {}

    def adapter(self, cls: type[T]) -> T:
        found = self._adapters.get(cls)
        if found is None:
            found = self._adapters[cls] = cls(self.sql)  # type: ignore[call-arg]
        return cast(T, found)


class _Table:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql


# -- programs --------------------------------------------------------------------------------------------------
class ProgramTable(_Table):
    async def project(self, program: Program) -> None:
        await self._project_draft(program)
        d = program.definition
        if d is None:  # only a draft, or a stream from before definitions were recorded whole: nothing in force
            return
        await self.sql.execute(
            "INSERT INTO programs (program_id, code, name, funding_source, csr_allocation_id, rule_version, budget, "
            "definition, defined_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) ON CONFLICT (program_id) "
            "DO UPDATE SET name = excluded.name, funding_source = excluded.funding_source, "
            "csr_allocation_id = excluded.csr_allocation_id, rule_version = excluded.rule_version, "
            "budget = excluded.budget, definition = excluded.definition, defined_at = excluded.defined_at",
            program.id, d.code, d.name, d.funding_source, d.csr_allocation_id, d.rule_version, d.budget,
            orjson.dumps(d.model_dump(mode="json")).decode(), program.defined_at)

    async def _project_draft(self, program: Program) -> None:
        """The pending draft (not in force, not published) in `program_drafts`; none: its row goes."""
        d = program.draft
        if d is None:
            await self.sql.execute("DELETE FROM program_drafts WHERE program_id = $1", program.id)
            return
        await self.sql.execute(
            "INSERT INTO program_drafts (program_id, code, name, rule_version, definition, proposed_by, proposed_at) "
            "VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7) ON CONFLICT (program_id) DO UPDATE SET code = excluded.code, "
            "name = excluded.name, rule_version = excluded.rule_version, definition = excluded.definition, "
            "proposed_by = excluded.proposed_by, proposed_at = excluded.proposed_at",
            program.id, d.code, d.name, d.rule_version, orjson.dumps(d.model_dump(mode="json")).decode(),
            list(program.proposed_by), program.proposed_at)

    async def drafts(self) -> list[Any]:
        """Pending drafts, oldest proposal first, with the rule version in force (None: a new program)."""
        return await self.sql.fetch(
            "SELECT d.*, p.rule_version AS rule_version_in_force FROM program_drafts d "
            "LEFT JOIN programs p USING (program_id) ORDER BY d.proposed_at, d.code")

    async def get(self, code_or_id: str) -> tuple[UUID, ProgramDefinition]:
        row = await self.sql.fetchrow("SELECT program_id, definition FROM programs WHERE code = $1 OR "
                                      "program_id::text = $1", code_or_id)
        if row is None:
            raise NotFound(f"program {code_or_id} is not defined", field="program")
        return row["program_id"], ProgramDefinition.model_validate(jsonb(row["definition"]))

    async def find_id(self, code_or_id: str) -> UUID | None:
        found: UUID | None = await self.sql.fetchval(
            "SELECT program_id FROM programs WHERE code = $1 OR program_id::text = $1", code_or_id)
        return found

    async def csr_program(self, target_id: str) -> UUID | None:
        """The CSR-funded program a CSR allocation names (its code in any case)."""
        found: UUID | None = await self.sql.fetchval(
            "SELECT program_id FROM programs WHERE lower(code) = lower($1) AND funding_source = 'csr'", target_id)
        return found

    async def lock(self, program_id: UUID) -> None:
        """Serialise what spends one program's budget (approvals) until the transaction ends."""
        await self.sql.execute("SELECT 1 FROM programs WHERE program_id = $1 FOR UPDATE", program_id)

    async def committed(self, program_id: UUID, *, excluding: UUID | None = None) -> int:
        """What approved cycles hold: their whole approved amount while they pay (less what came back), only
        what was paid once they are closed."""
        return int(await self.sql.fetchval(_COMMITTED, program_id, excluding))

    async def all(self) -> list[Any]:
        return await self.sql.fetch(
            "SELECT p.*, coalesce(s.committed, 0) AS committed, coalesce(r.returned, 0) AS returned FROM programs p "
            "LEFT JOIN (SELECT program_id, sum(total_amount) AS committed FROM cycles WHERE approved_at IS NOT NULL "
            "GROUP BY program_id) s USING (program_id) LEFT JOIN (SELECT program_id, sum(amount) AS returned "
            "FROM payments WHERE status = 'returned' GROUP BY program_id) r USING (program_id) ORDER BY code")


_COMMITTED = """
SELECT coalesce(sum(CASE WHEN c.status IN ('closed', 'reconciled') THEN coalesce(p.paid, 0)
                         ELSE c.total_amount - coalesce(p.returned, 0) END), 0)
FROM cycles c
LEFT JOIN (SELECT cycle_id, sum(confirmed_amount) FILTER (WHERE status = 'paid') AS paid,
                  sum(amount) FILTER (WHERE status = 'returned') AS returned
           FROM payments WHERE program_id = $1 GROUP BY cycle_id) p USING (cycle_id)
WHERE c.program_id = $1 AND c.approved_at IS NOT NULL AND c.cycle_id IS DISTINCT FROM $2
"""


# -- cycles ----------------------------------------------------------------------------------------------------
class CycleTable(_Table):
    async def project(self, cycle: Cycle) -> None:
        await self.sql.execute(
            "INSERT INTO cycles (cycle_id, program_id, period, cutoff, status, rule_version, households, held, "
            "total_amount, opened_by, computed_by, reviewed_by, approved_by, opened_at, approved_at, closed_at) "
            "VALUES ($1, $2::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
            "ON CONFLICT (cycle_id) DO UPDATE SET status = excluded.status, households = excluded.households, "
            "held = excluded.held, total_amount = excluded.total_amount, computed_by = excluded.computed_by, "
            "reviewed_by = excluded.reviewed_by, approved_by = excluded.approved_by, "
            "approved_at = excluded.approved_at, closed_at = excluded.closed_at",
            cycle.id, cycle.program_id, cycle.period, cycle.cutoff, cycle.status, cycle.rule_version,
            cycle.households, cycle.held, cycle.total_amount, cycle.opened_by, cycle.computed_by, cycle.reviewed_by,
            cycle.approved_by, cycle.opened_at, cycle.approved_at, cycle.closed_at)

    async def exists(self, program_id: UUID, period: str) -> bool:
        return bool(await self.sql.fetchval("SELECT 1 FROM cycles WHERE program_id = $1 AND period = $2",
                                            program_id, period))

    async def row(self, cycle_id: UUID) -> Any:
        row = await self.sql.fetchrow("SELECT c.*, p.code FROM cycles c JOIN programs p USING (program_id) "
                                      "WHERE c.cycle_id = $1", cycle_id)
        if row is None:
            raise NotFound(f"cycle {cycle_id} does not exist", field="cycle_id")
        return row

    async def view(self, cycle_id: UUID) -> dict[str, Any]:
        row = await self.row(cycle_id)
        counts = await self.sql.fetchrow(
            "SELECT count(*) FILTER (WHERE status <> 'cancelled') AS entitlements, "
            "count(*) FILTER (WHERE status = 'held') AS held, "
            "coalesce(sum(amount) FILTER (WHERE status <> 'cancelled'), 0) AS amount FROM entitlements "
            "WHERE cycle_id = $1", cycle_id)
        assert counts is not None
        pays = await self.sql.fetch(
            "SELECT status, count(*) AS n, coalesce(sum(amount), 0) AS amount FROM payments "
            "WHERE program_id = $2 AND cycle_id = $1 GROUP BY status", cycle_id, row["program_id"])
        candidates = await self.sql.fetchval("SELECT count(*) FROM households WHERE NOT erased") \
            if row["status"] == "open" else None
        return {
            "cycle_id": str(row["cycle_id"]), "program_id": str(row["program_id"]), "program_code": row["code"],
            "period": row["period"], "cutoff": row["cutoff"].isoformat(), "status": row["status"],
            "rule_version": row["rule_version"], "households": row["households"], "held": row["held"],
            "total_amount": row["total_amount"], "opened_by": row["opened_by"], "computed_by": row["computed_by"],
            "reviewed_by": row["reviewed_by"], "approved_by": row["approved_by"],
            "approved_at": row["approved_at"].isoformat() if row["approved_at"] else None,
            "progress": {"entitlements": counts["entitlements"], "held": counts["held"],
                         "entitled_amount": int(counts["amount"]), "candidates": candidates},
            "payments": {r["status"]: {"count": r["n"], "amount": int(r["amount"])} for r in pays},
        }

    async def ids(self, program: str | None, status: str | None) -> list[UUID]:
        rows = await self.sql.fetch(
            "SELECT c.cycle_id FROM cycles c JOIN programs p USING (program_id) WHERE ($1::text IS NULL OR "
            "p.code = $1) AND ($2::text IS NULL OR c.status = $2) ORDER BY c.opened_at DESC LIMIT 200",
            program, status)
        return [r["cycle_id"] for r in rows]

    async def close_summary(self, cycle_id: UUID) -> tuple[int, dict[str, int]]:
        """Payments still awaiting the channel, and what the cycle paid, returned, failed, held and left open."""
        s = await self.sql.fetchrow(
            "SELECT count(*) FILTER (WHERE status IN ('instructed', 'reissued')) AS in_flight, "
            "count(*) FILTER (WHERE status = 'paid') AS paid_households, "
            "coalesce(sum(confirmed_amount) FILTER (WHERE status = 'paid'), 0) AS paid_amount, "
            "coalesce(sum(amount) FILTER (WHERE status = 'returned'), 0) AS returned_amount, "
            "count(*) FILTER (WHERE status = 'failed') AS failed_payments FROM payments WHERE cycle_id = $1 "
            "AND program_id = (SELECT program_id FROM cycles WHERE cycle_id = $1)", cycle_id)
        assert s is not None
        held = await self.sql.fetchval("SELECT count(*) FROM entitlements WHERE cycle_id = $1 AND status = 'held'",
                                       cycle_id)
        return s["in_flight"], {
            "paid_households": s["paid_households"], "paid_amount": int(s["paid_amount"]),
            "returned_amount": int(s["returned_amount"]), "failed_payments": s["failed_payments"],
            "held_households": held, "open_exceptions": await self.sql.fetchval(
                "SELECT count(*) FROM reconciliation_exceptions WHERE cycle_id = $1 AND status = 'open'", cycle_id)}

    async def open_exceptions(self, cycle_id: UUID) -> int:
        return int(await self.sql.fetchval(
            "SELECT count(*) FROM reconciliation_exceptions WHERE cycle_id = $1 AND status = 'open'", cycle_id))

    async def with_released_unpaid(self) -> list[UUID]:
        """Paying cycles with held entitlements cleared since and not paid yet."""
        return [r["cycle_id"] for r in await self.sql.fetch(_RELEASED_UNPAID)]


_RELEASED_UNPAID = """
SELECT DISTINCT e.cycle_id FROM entitlements e JOIN cycles c USING (cycle_id)
WHERE e.released_at IS NOT NULL AND e.status = 'eligible' AND c.status = 'paying'
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.program_id = e.program_id AND p.cycle_id = e.cycle_id
                  AND p.household_ref = e.household_ref)
"""


# -- payments and exceptions -------------------------------------------------------------------------------------
_PAYMENT_COLUMNS = ("payment_id", "cycle_id", "program_id", "household_ref", "amount", "status", "attempt", "version",
                    "village_code", "regency_code", "province_code", "desil", "instructed_at")

_UPSERT_PAYMENT = """
INSERT INTO payments (payment_id, cycle_id, program_id, household_ref, amount, status, attempt, version,
                      village_code, regency_code, province_code, desil, confirmed_amount, instructed_at, confirmed_at)
VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (payment_id) DO UPDATE SET
    amount = excluded.amount, status = excluded.status, attempt = excluded.attempt, version = excluded.version,
    confirmed_amount = excluded.confirmed_amount, instructed_at = excluded.instructed_at,
    confirmed_at = excluded.confirmed_at,
    -- the dispatcher's bookkeeping (not domain state) starts again with each attempt; an attempt the channel
    -- reported on was sent, even when the dispatcher died after the channel took it and before it said so (the
    -- report can come before a resend would): at the latest when the report was recorded
    sent_at = CASE WHEN payments.attempt = excluded.attempt THEN coalesce(payments.sent_at,
        CASE WHEN excluded.status NOT IN ('instructed', 'reissued') THEN coalesce(excluded.confirmed_at, now()) END)
    END,
    transaction_id = CASE WHEN payments.attempt = excluded.attempt THEN payments.transaction_id END,
    status_checked_at = CASE WHEN payments.attempt = excluded.attempt THEN payments.status_checked_at END
"""

_UPSERT_EXCEPTION = """
INSERT INTO reconciliation_exceptions (exception_id, payment_id, cycle_id, attempt, kind, instructed_amount,
                                       confirmed_amount, reason, status, resolution, resolved_by, created_at,
                                       resolved_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (exception_id) DO UPDATE SET status = excluded.status, resolution = excluded.resolution,
    resolved_by = excluded.resolved_by, resolved_at = excluded.resolved_at
"""


class PaymentTable(_Table):
    async def project(self, payment: Payment) -> None:
        terms, place = payment.terms, payment.place
        assert terms is not None
        assert place is not None
        await self.sql.execute(
            _UPSERT_PAYMENT, payment.id, terms.cycle_id, terms.program_id, place.household_ref, payment.amount,
            payment.status, payment.attempt, payment.version, place.village_code, place.regency_code,
            place.province_code, place.desil, payment.confirmed_amount, payment.instructed_at, payment.confirmed_at)
        if payment.exceptions:
            await self.sql.executemany(_UPSERT_EXCEPTION, [
                (e.exception_id, payment.id, terms.cycle_id, e.attempt, e.kind, e.instructed_amount,
                 e.confirmed_amount, e.reason, e.status, e.resolution, e.resolved_by, e.created_at, e.resolved_at)
                for e in payment.exceptions.values()])

    async def insert_staged(self, cycle_id: UUID, program_id: UUID, at: datetime) -> None:
        """The rows `project` writes for payments just instructed (status instructed, attempt and version 1), for
        the instructions `EntitlementTable.stage_unpaid` staged in this transaction: the bulk path of a cycle's
        instructions (the rows never travel to Python and back)."""
        await self.sql.execute(
            f"INSERT INTO payments ({', '.join(_PAYMENT_COLUMNS)}) SELECT pid, $1, $2, household_ref, amount, "
            "'instructed', 1, 1, village_code, regency_code, province_code, desil, $3 FROM instruct_stage",
            cycle_id, program_id, at)

    async def note_transaction(self, reported: Sequence[tuple[UUID, int]], transaction_id: str) -> None:
        """The sender's transaction a channel's report answered, on the payments (id, attempt reported) of that
        attempt that have none noted (the dispatcher notes it when the channel acknowledges the message)."""
        if reported:
            await self.sql.execute(
                "UPDATE payments p SET transaction_id = $3 FROM unnest($1::uuid[], $2::int[]) AS r(id, attempt) "
                "WHERE p.payment_id = r.id AND p.attempt = r.attempt AND p.transaction_id IS NULL",
                [r[0] for r in reported], [r[1] for r in reported], transaction_id)

    async def lock(self, payment_ids: Sequence[UUID]) -> dict[UUID, bool]:
        """Lock the payments' rows in id order (concurrent reports of the same payments queue); the ids found, each
        with whether its transaction is noted (`note_transaction` is needed only where it is not)."""
        rows = await self.sql.fetch("SELECT payment_id, transaction_id IS NOT NULL FROM payments "
                                    "WHERE payment_id = ANY($1::uuid[]) ORDER BY payment_id FOR UPDATE",
                                    list(payment_ids))
        return {r[0]: r[1] for r in rows}

    async def failed(self, cycle_id: UUID) -> list[UUID]:
        rows = await self.sql.fetch("SELECT payment_id FROM payments WHERE cycle_id = $1 AND status = 'failed' "
                                    "AND program_id = (SELECT program_id FROM cycles WHERE cycle_id = $1) "
                                    "ORDER BY payment_id", cycle_id)
        return [r["payment_id"] for r in rows]

    async def of_exception(self, exception_id: UUID) -> UUID | None:
        found: UUID | None = await self.sql.fetchval(
            "SELECT payment_id FROM reconciliation_exceptions WHERE exception_id = $1", exception_id)
        return found

    async def exceptions(self, cycle_id: UUID | None, status: str | None) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT * FROM reconciliation_exceptions WHERE ($1::uuid IS NULL OR cycle_id = $1) "
            "AND ($2::text IS NULL OR status = $2) ORDER BY created_at, exception_id LIMIT 1000", cycle_id, status)
        return [{"exception_id": str(r["exception_id"]), "payment_id": str(r["payment_id"]),
                 "cycle_id": str(r["cycle_id"]), "attempt": r["attempt"], "kind": r["kind"],
                 "instructed_amount": r["instructed_amount"], "confirmed_amount": r["confirmed_amount"],
                 "reason": r["reason"], "status": r["status"], "resolution": r["resolution"],
                 "created_at": r["created_at"].isoformat()} for r in rows]


# -- entitlements ------------------------------------------------------------------------------------------------
# A payment's id is random (UUIDv4), never derived from its cycle and household: it travels to the channel and into
# the public transparency log, and an id computable from (cycle, household) would let anyone holding one receipt
# find the same household's other payments. Nothing needs it derivable: a payment is instructed in one
# transaction, `_NOT_PAID` skips households paid before (a retry or a crash recovery makes no second id) and
# `payments_once` refuses a concurrent second payment of the same program, cycle and household.
_CANDIDATES = """
SELECT gen_random_uuid() AS pid, e.household_ref, e.amount, e.village_code,
       e.regency_code, e.province_code, e.desil
FROM entitlements e
WHERE e.cycle_id = $1 AND e.status = 'eligible'
"""

# A later `pay` (a retry, households cleared from review): every candidate is checked against `payments`.
_NOT_PAID = """
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.program_id = e.program_id AND p.cycle_id = e.cycle_id
                  AND p.household_ref = e.household_ref)
  -- a household registered twice and merged: if either record was paid in this cycle, the other is not
  AND NOT EXISTS (SELECT 1 FROM households h JOIN payments p ON p.household_ref = h.household_ref
                  AND p.program_id = e.program_id AND p.cycle_id = e.cycle_id WHERE h.merged_into = e.household_ref)
"""


class EntitlementTable(_Table):
    """A cycle's entitlements: computed in bulk from the replica (not a projection of this service's events:
    the cycle's `EntitlementsComputed` records their totals), released or cancelled by the registry's events."""

    async def totals(self, cycle_id: UUID) -> tuple[int, int, int]:
        """Households entitled (held included), held, and the amount, of a cycle."""
        row = await self.sql.fetchrow(
            "SELECT count(*) AS n, count(*) FILTER (WHERE status = 'held') AS held, coalesce(sum(amount), 0) AS amt "
            "FROM entitlements WHERE cycle_id = $1 AND status <> 'cancelled'", cycle_id)
        assert row is not None
        return row["n"], row["held"], int(row["amt"])

    async def excluded(self, codes: list[str], period: str) -> dict[str, frozenset[str]]:
        """Households with an entitlement in one of these programs for the period, and which."""
        if not codes:
            return {}
        rows = await self.sql.fetch(
            "SELECT e.household_ref, array_agg(DISTINCT p.code) AS codes FROM entitlements e "
            "JOIN cycles c USING (cycle_id) JOIN programs p ON p.program_id = e.program_id "
            "WHERE c.period = $1 AND p.code = ANY($2::text[]) AND e.status <> 'cancelled' GROUP BY e.household_ref",
            period, codes)
        return {r["household_ref"]: frozenset(r["codes"]) for r in rows}

    async def programs_of(self, household_ref: str, period: str | None) -> frozenset[str]:
        rows = await self.sql.fetch(
            "SELECT DISTINCT p.code FROM entitlements e JOIN cycles c USING (cycle_id) JOIN programs p "
            "ON p.program_id = e.program_id WHERE e.household_ref = $1 AND c.period = $2 AND e.status <> 'cancelled'",
            household_ref, period)
        return frozenset(r["code"] for r in rows)

    async def stage_unpaid(self, cycle_id: UUID, program_id: UUID, *,
                           released_only: bool = False) -> list[Instruction]:
        """Eligible entitlements of the cycle without a payment (the first `pay` takes them all), kept for this
        transaction in a staging table that `PaymentTable.insert_staged` turns into the payments' rows."""
        query = _CANDIDATES + (" AND e.released_at IS NOT NULL" if released_only else "")
        if await self.sql.fetchval("SELECT EXISTS (SELECT 1 FROM payments WHERE program_id = $1 AND cycle_id = $2)",
                                   program_id, cycle_id):
            query += _NOT_PAID
        await self.sql.execute("DROP TABLE IF EXISTS instruct_stage")
        await self.sql.execute(f"CREATE TEMP TABLE instruct_stage ON COMMIT DROP AS {query}".replace(
            "$1", f"'{UUID(str(cycle_id))}'::uuid"))  # a UUID: safe to put in the text (DDL takes no parameters)
        return [Instruction(*r) for r in await self.sql.fetch("SELECT * FROM instruct_stage")]

    async def page(self, cycle_id: UUID, after: str, limit: int) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT household_ref, amount, status, members_counted, desil, desil_rule_version, village_code "
            "FROM entitlements WHERE cycle_id = $1 AND household_ref > $2 ORDER BY household_ref LIMIT $3",
            cycle_id, after, limit)
        return [dict(r) for r in rows]

    async def one(self, cycle_id: UUID, household_ref: str) -> Any:
        return await self.sql.fetchrow("SELECT * FROM entitlements WHERE cycle_id = $1 AND household_ref = $2",
                                       cycle_id, household_ref)
