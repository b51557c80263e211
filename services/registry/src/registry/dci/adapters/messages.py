"""`dci_messages`: every accepted DCI message once, the replay guard."""

from __future__ import annotations

from datetime import datetime

from gotong.adapters.sql import Sql


class DciMessages:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def record(self, sender_id: str, message_id: str, action: str, correlation_id: str, digest: str) -> bool:
        """Record a message; False when (sender_id, message_id) was recorded before (a concurrent first one is
        waited for: this runs in the transaction that processes the message)."""
        first = await self.sql.fetchval(
            "INSERT INTO dci_messages (sender_id, message_id, action, correlation_id, digest) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING correlation_id",
            sender_id, message_id, action, correlation_id, digest)
        return first is not None

    async def correlation_of(self, sender_id: str, message_id: str) -> str | None:
        found: str | None = await self.sql.fetchval(
            "SELECT correlation_id FROM dci_messages WHERE sender_id = $1 AND message_id = $2", sender_id, message_id)
        return found

    async def forget(self, received_before: datetime) -> int:
        """Drop message ids received before; returns how many."""
        status = await self.sql.execute("DELETE FROM dci_messages WHERE received_at < $1", received_before)
        return int(status.split()[-1])
