"""The private side of the transparency log: which household each payment reached. The log's records leave the
household out, so that a receipt leads to no other receipt of the same household; the household counts
(households reached) read it from here, by payment id. Nothing public serves this table."""

from __future__ import annotations

from collections.abc import Sequence

from gotong.adapters.sql import Sql

#: The log's records as JSON, each with its household for counting: from the private table, or (records sealed
#: before the household left the record) from the record itself.
#: (No braces: the queries that embed it are format strings.)
RECORDS = ("SELECT convert_from(l.leaf, 'UTF8')::jsonb "
           "|| jsonb_strip_nulls(jsonb_build_object('household_ref', h.household_ref)) AS r "
           "FROM tlog_leaves l LEFT JOIN tlog_payment_households h ON h.payment_id = l.payment_id")


class PaymentHouseholds:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def remember(self, pairs: Sequence[tuple[str, str]]) -> None:
        """(payment id, household ref) pairs, in one statement; a payment's household is written once."""
        if pairs:
            await self.sql.execute(
                "INSERT INTO tlog_payment_households (payment_id, household_ref) "
                "SELECT DISTINCT ON (p) p, h FROM unnest($1::text[], $2::text[]) AS s(p, h) ORDER BY p "
                "ON CONFLICT (payment_id) DO NOTHING", [p for p, _ in pairs], [h for _, h in pairs])
