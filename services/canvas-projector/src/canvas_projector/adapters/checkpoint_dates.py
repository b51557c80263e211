"""When each checkpoint was signed, by its tree size: the date the verification page states for a receipt."""

from __future__ import annotations

from datetime import datetime

from gotong.adapters.sql import Sql


class CheckpointDates:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def signed_at(self, size: int) -> datetime | None:
        """When the checkpoint of `size` leaves was signed, or None if no checkpoint has that size."""
        at = await self.sql.fetchval("SELECT signed_at FROM tlog_checkpoints WHERE size = $1", size)
        return at if isinstance(at, datetime) else None
