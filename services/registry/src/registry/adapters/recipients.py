"""`recipients`: which programs a household received in which period (a replica of disbursement's events)."""

from __future__ import annotations

from uuid import UUID

from registry.adapters.households import Queryable

# later statuses win over earlier ones; a reissue that is paid ends as paid
RANK = {"instructed": 1, "failed": 2, "reissued": 3, "returned": 4, "paid": 5}


class Recipients:
    def __init__(self, sql: Queryable) -> None:
        self.sql = sql

    async def record(self, household_id: UUID, program_code: str, period: str, status: str, *,
                     amount: int | None = None, payment_id: str | None = None) -> None:
        await self.sql.execute(
            "INSERT INTO recipients (household_id, program_code, period, status, amount, payment_id) "
            "VALUES ($1, $2, $3, $4, $6, $7) "
            "ON CONFLICT (household_id, program_code, period) DO UPDATE SET status = EXCLUDED.status, "
            "amount = coalesce(EXCLUDED.amount, recipients.amount), "
            "payment_id = coalesce(EXCLUDED.payment_id, recipients.payment_id), "
            "updated_at = now() WHERE $5 >= (CASE recipients.status WHEN 'instructed' THEN 1 WHEN 'failed' THEN 2 "
            "WHEN 'reissued' THEN 3 WHEN 'returned' THEN 4 WHEN 'paid' THEN 5 ELSE 0 END)",
            household_id, program_code, period, status, RANK[status], amount, payment_id)
