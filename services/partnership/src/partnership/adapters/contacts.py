"""Contact persons: personal data, kept only in this erasable table (never in events, which are forever)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from gotong.adapters.sql import Sql
from partnership.adapters.tables import partner_contacts


class Contacts:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def put(self, partner_id: UUID, contact: dict[str, Any]) -> None:
        stmt = insert(partner_contacts).values(partner_id=partner_id, contact=contact)
        await self.sql.run(stmt.on_conflict_do_update(
            index_elements=[partner_contacts.c.partner_id],
            set_={"contact": stmt.excluded.contact, "updated_at": stmt.excluded.updated_at}))

    async def erase(self, partner_id: UUID) -> None:
        await self.sql.run(delete(partner_contacts).where(partner_contacts.c.partner_id == partner_id))
