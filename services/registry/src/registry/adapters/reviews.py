"""The review queue: a projection of the Household review events (flagged, proposed, sent back, decided).

A household has at most one review not yet decided; a flag while one is open gives it the new reasons (and drops
a proposal); otherwise a review opens under the id its event carries (allocated from the table's sequence).
How many reviews there are per status and reason is kept by triggers in `review_counts` (migration 0010).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from gotong.adapters.sql import Sql, jsonb

SEQUENCE = "review_queue_id_seq"
#: Filtered by region or age, a page counts its reviews only this far (or just past itself): beyond, "at least".
COUNTED_UP_TO = 10_000


class ReviewQueue:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    # -- ids and lookups for commands ------------------------------------------------------------------
    async def next_id(self) -> int:
        return int(await self.sql.fetchval(f"SELECT nextval('{SEQUENCE}')"))

    async def next_ids(self, n: int) -> list[int]:
        if n <= 0:
            return []
        rows = await self.sql.fetch(f"SELECT nextval('{SEQUENCE}') AS id FROM generate_series(1, $1)", n)
        return [int(r["id"]) for r in rows]

    async def household_of(self, review_id: int) -> UUID | None:
        found: UUID | None = await self.sql.fetchval("SELECT household_id FROM review_queue WHERE id = $1",
                                                     review_id)
        return found

    # -- the projection ----------------------------------------------------------------------------------
    async def flagged(self, household_id: UUID, reasons: list[dict[str, str]], review_id: int | None,
                      at: datetime) -> None:
        """The household's open review takes the reasons (back to `open`), or a new review opens."""
        text = orjson.dumps(reasons).decode()
        open_id = await self.sql.fetchval(
            "SELECT id FROM review_queue WHERE household_id = $1 AND status <> 'decided'", household_id)
        if open_id is not None:
            await self.sql.execute("UPDATE review_queue SET reasons = $2, status = 'open', proposed_by = NULL, "
                                   "proposal = NULL WHERE id = $1", open_id, text)
            return
        if review_id is None:  # an event of an earlier release: it carried no id
            review_id = await self.next_id()
        await self.sql.execute("INSERT INTO review_queue (id, household_id, reasons, opened_at) "
                               "VALUES ($1, $2, $3, $4)", review_id, household_id, text, at)

    async def proposed(self, household_id: UUID, officer: str, decision: str, note: str) -> None:
        await self.sql.execute("UPDATE review_queue SET status = 'proposed', proposed_by = $2, proposal = $3, "
                               "proposal_note = $4 WHERE household_id = $1 AND status <> 'decided'",
                               household_id, officer, decision, note)

    async def sent_back(self, household_id: UUID) -> None:
        await self.sql.execute("UPDATE review_queue SET status = 'open', proposed_by = NULL, proposal = NULL "
                               "WHERE household_id = $1 AND status <> 'decided'", household_id)

    async def decided(self, household_id: UUID, officer: str, at: datetime) -> None:
        await self.sql.execute("UPDATE review_queue SET status = 'decided', decided_by = $2, decided_at = $3 "
                               "WHERE household_id = $1 AND status <> 'decided'", household_id, officer, at)

    async def copy_opened(self, rows: list[tuple[int, UUID, list[dict[str, str]], datetime]]) -> None:
        """Reviews opened by a bulk import (households new to the register: none has a review yet)."""
        await self.sql.copy("review_queue", [(i, h, orjson.dumps(reasons).decode(), at) for i, h, reasons, at in rows],
                            ["id", "household_id", "reasons", "opened_at"])

    # -- reads -------------------------------------------------------------------------------------------
    async def page(self, status: str | None, limit: int, offset: int, *, reason: str | None = None,
                   region: str | None = None, opened_before: datetime | None = None
                   ) -> tuple[int, bool, list[dict[str, Any]]]:
        """Oldest first, with how many there are and whether that is exact. `reason`: a reason code any of its
        reasons has; `region`: a Kepmendagri code the household's village is in (any level); `opened_before`:
        reviews at least that old."""
        args: list[Any] = []

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        where = []
        if status:
            where.append(f"q.status = {arg(status)}")
        if reason:
            where.append(f"q.reasons @> jsonb_build_array(jsonb_build_object('code', {arg(reason)}::text))")
        if region:
            where.append(f"(h.village_code = {arg(region)} OR h.village_code LIKE {arg(region + '.%')})")
        if opened_before:
            where.append(f"q.opened_at < {arg(opened_before)}")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        joined = "LEFT JOIN households h USING (household_id)"
        rows = await self.sql.fetch(
            f"SELECT q.*, h.verification, h.village_code, NOT EXISTS (SELECT 1 FROM review_queue l "
            f"WHERE l.household_id = q.household_id AND l.id > q.id) AS latest FROM review_queue q "
            f"{joined} {clause} ORDER BY q.id LIMIT {int(limit)} OFFSET {int(offset)}", *args)
        items = [{**dict(r), "reasons": jsonb(r["reasons"])} for r in rows]
        if region is None and opened_before is None:
            return await self.counted(status, reason), True, items
        up_to = max(COUNTED_UP_TO, offset + limit + 1)
        found = int(await self.sql.fetchval(
            f"SELECT count(*) FROM (SELECT 1 FROM review_queue q {joined if region else ''} {clause} "
            f"LIMIT {int(up_to)}) AS upto", *args))
        return found, found < up_to, items

    async def counted(self, status: str | None, reason: str | None) -> int:
        """How many reviews have the status (None: any) and the reason code (None: any), from the counts the
        triggers keep (migration 0010): a few rows however long the queue."""
        total = await self.sql.fetchval(
            "SELECT coalesce(sum(n), 0) FROM review_counts WHERE reason = $1 AND ($2::text IS NULL OR status = $2)",
            reason or "", status)
        return int(total)
