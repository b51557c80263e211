"""The public status check's one query: the blind index, the household's desil and the programs it received."""

from __future__ import annotations

from typing import Any

import asyncpg

from gotong.db import HotPool
from registry.adapters.households import Queryable

# One round trip: the candidate households with their desil (at most two: a name twice in a village is ambiguous),
# then the programs of the single one; no row when there is none or two. $2 chooses the index: NIK + name, or
# village + name. (Each household read once, the ambiguity judged on the two ids as they come, without sorting or
# grouping them: about a tenth less of PostgreSQL's CPU per check than with a GROUP BY and a second households read.)
LOOKUP = """
WITH hit AS (
    SELECT h.household_id, h.desil FROM person_index p JOIN households h USING (household_id)
    WHERE $2 AND p.name_check = $1 AND p.active AND h.status = 'active'
    UNION ALL
    SELECT h.household_id, h.desil FROM name_index n JOIN households h USING (household_id)
    WHERE NOT $2 AND n.name_hash = $1 AND h.status = 'active'
    LIMIT 2),
one AS (SELECT array_agg(household_id) AS ids, min(desil) AS desil FROM hit)
SELECT one.desil, coalesce((SELECT array_agg(r.program_code || '|' || r.period || '|' || r.status || '|'
                                             || coalesce(r.amount::text, '') || '|' || coalesce(r.payment_id, '')
                                             ORDER BY r.period DESC, r.program_code)
                            FROM recipients r WHERE r.household_id = one.ids[1]), '{}') AS programs
FROM one WHERE one.ids[1] = one.ids[cardinality(one.ids)]
"""


class StatusCheck:
    """`sql` may be a pooled asyncpg connection or pool (the hot path) or a transaction's `Sql`."""

    def __init__(self, sql: Queryable) -> None:
        self.sql = sql

    async def lookup(self, key: bytes, by_nik: bool) -> Any:
        return await self.sql.fetchrow(LOOKUP, key, by_nik)


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """The pool's connections run single statements and change no session state: no reset when one goes back.

    asyncpg's own reset is a second round trip per request (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`), which PostgreSQL parses and runs each time: about as much work, on both sides, as the check's
    own statement (py-spy, 2026-12-01)."""


class StatusPool(HotPool):
    """The status check's own small connection pool (opened on first use, closed with the app)."""

    def __init__(self, database_url: str, max_size: int = 8) -> None:
        super().__init__(database_url, max_size, reset=_nothing_to_reset)

    async def lookup(self, key: bytes, by_nik: bool) -> Any:
        return await StatusCheck(await self.connections()).lookup(key, by_nik)
