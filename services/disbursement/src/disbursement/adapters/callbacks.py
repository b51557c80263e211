"""`g2p_callbacks`: every accepted callback of the payment channel once, the replay guard."""

from __future__ import annotations

from datetime import datetime

from gotong.adapters.sql import Sql


class ReceivedCallbacks:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def record(self, sender_id: str, message_id: str, action: str, digest: str, expires_at: datetime) -> bool:
        """Record a callback; False when (sender_id, message_id) was recorded before. Runs in the transaction that
        applies the callback, so a concurrent first one is waited for and a failed one is not remembered."""
        first = await self.sql.fetchval(
            "INSERT INTO g2p_callbacks (sender_id, message_id, action, digest, expires_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING message_id",
            sender_id, message_id, action, digest, expires_at)
        return first is not None

    async def forget_expired(self, before: datetime) -> int:
        """Drop callbacks whose signature expired before `before` (a replay of one is refused as expired)."""
        status = await self.sql.execute("DELETE FROM g2p_callbacks WHERE expires_at < $1", before)
        return int(status.split()[-1])
