"""The DCI clients as the database holds them (`dci_clients`, `dci_client_keys`, `dci_client_audit`), and the
short per-instance cache every registry instance reads them through.

Every instance reads the same table, so a client added, rotated or revoked by one instance (or the CLI) is seen
by all within `ClientDirectory.ttl_s`; the instance that made the change sees it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from gotong.adapters.sql import Database, Sql, jsonb
from gotong.domain.errors import Conflict, NotFound
from registry.dci.adapters.clients import DciClient, origin
from registry.dci.adapters.signature import load_public_key


def _client(row: asyncpg.Record, keys: list[asyncpg.Record]) -> DciClient:
    public = {k["key_id"]: load_public_key(jsonb(k["public_jwk"])) for k in keys}
    until = {k["key_id"]: k["valid_until"] for k in keys if k["valid_until"] is not None}
    scopes = jsonb(row["scopes"]) if row["scopes"] is not None else None
    origins = {origin(o) for o in jsonb(row["callback_origins"])}
    return DciClient(row["client_id"], row["sender_id"], public, row["callback_base"], frozenset(origins),
                     frozenset(scopes) if scopes is not None else None, key_until=until, jwks_url=row["jwks_url"],
                     sandbox=row["sandbox"], revoked=(row["revoked_reason"] or "revoked")
                     if row["status"] == "revoked" else None,
                     encryption_key=jsonb(row["encryption_jwk"]) if row["encryption_jwk"] is not None else None)


class DciClients:
    """SQL of the clients, their keys and the audit of every change (in the caller's transaction)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def all(self) -> list[DciClient]:
        rows = await self.sql.fetch("SELECT * FROM dci_clients ORDER BY client_id")
        keys = await self.sql.fetch("SELECT * FROM dci_client_keys ORDER BY client_id, added_at, key_id")
        by_client: dict[str, list[asyncpg.Record]] = {}
        for k in keys:
            by_client.setdefault(k["client_id"], []).append(k)
        return [_client(r, by_client.get(r["client_id"], [])) for r in rows]

    async def one(self, client_id: str, *, lock: bool = False) -> DciClient | None:
        row = await self.sql.fetchrow("SELECT * FROM dci_clients WHERE client_id = $1"
                                      + (" FOR UPDATE" if lock else ""), client_id)
        if row is None:
            return None
        keys = await self.sql.fetch("SELECT * FROM dci_client_keys WHERE client_id = $1 ORDER BY added_at, key_id",
                                    client_id)
        return _client(row, list(keys))

    async def add(self, *, client_id: str, sender_id: str, name: str | None, jwks_url: str | None,
                  callback_base: str | None, callback_origins: list[str], scopes: list[str] | None,
                  sandbox: bool, keys: dict[str, dict[str, Any]], if_absent: bool = False,
                  encryption_key: dict[str, str] | None = None) -> bool:
        """Insert a client and its keys; False if `if_absent` and it exists. A taken client or sender id is a
        `Conflict` naming the field."""
        taken = await self.sql.fetchrow("SELECT client_id, sender_id FROM dci_clients WHERE client_id = $1 OR "
                                        "sender_id = $2 LIMIT 1", client_id, sender_id)
        if taken is not None:
            if if_absent:
                return False
            same = taken["client_id"] == client_id
            raise Conflict(f"{'client_id' if same else 'sender_id'} is already registered",
                           field="client_id" if same else "sender_id")
        await self.sql.execute(
            "INSERT INTO dci_clients (client_id, sender_id, name, jwks_url, callback_base, callback_origins, scopes, "
            "sandbox, encryption_jwk) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", client_id, sender_id, name,
            jwks_url, callback_base, orjson.dumps(callback_origins).decode(),
            orjson.dumps(scopes).decode() if scopes is not None else None, sandbox,
            orjson.dumps(encryption_key).decode() if encryption_key is not None else None)
        for key_id, jwk in keys.items():
            await self.add_key(client_id, key_id, jwk)
        return True

    async def add_key(self, client_id: str, key_id: str, jwk: dict[str, Any]) -> None:
        done = await self.sql.fetchval(
            "INSERT INTO dci_client_keys (client_id, key_id, public_jwk) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING "
            "RETURNING key_id", client_id, key_id, orjson.dumps(jwk).decode())
        if done is None:
            raise Conflict(f"key {key_id} is already registered for this client", field="key_id")

    async def set_encryption_key(self, client_id: str, jwk: dict[str, str] | None) -> None:
        await self.sql.execute("UPDATE dci_clients SET encryption_jwk = $2, updated_at = now() WHERE client_id = $1",
                               client_id, orjson.dumps(jwk).decode() if jwk is not None else None)

    async def close_keys(self, client_id: str, until: datetime) -> list[str]:
        """Every key of the client still valid after `until` now ends at `until`; returns their ids."""
        rows = await self.sql.fetch(
            "UPDATE dci_client_keys SET valid_until = $2 WHERE client_id = $1 AND (valid_until IS NULL OR "
            "valid_until > $2) RETURNING key_id", client_id, until)
        return sorted(r["key_id"] for r in rows)

    async def revoke(self, client_id: str, reason: str) -> None:
        await self.sql.execute("UPDATE dci_clients SET status = 'revoked', revoked_reason = $2, updated_at = now() "
                               "WHERE client_id = $1", client_id, reason)

    async def touch(self, client_id: str) -> None:
        await self.sql.execute("UPDATE dci_clients SET updated_at = now() WHERE client_id = $1", client_id)

    async def audit(self, client_id: str, action: str, actor: str, at: datetime, details: dict[str, Any]) -> None:
        await self.sql.execute("INSERT INTO dci_client_audit (client_id, action, actor, at, details) "
                               "VALUES ($1, $2, $3, $4, $5)", client_id, action, actor, at,
                               orjson.dumps(details).decode())

    async def audit_trail(self, client_id: str | None, limit: int = 500) -> list[dict[str, Any]]:
        rows = await self.sql.fetch("SELECT * FROM dci_client_audit WHERE ($1::text IS NULL OR client_id = $1) "
                                    "ORDER BY id LIMIT $2", client_id, limit)
        return [{**dict(r), "details": jsonb(r["details"])} for r in rows]

    async def must(self, client_id: str, *, lock: bool = False) -> DciClient:
        found = await self.one(client_id, lock=lock)
        if found is None:
            raise NotFound("no DCI client with this client_id", field="client_id")
        return found

    async def mark_sandbox(self, household_ids: list[Any]) -> int:
        """Households that are synthetic/test records: what a sandbox client may see."""
        status = await self.sql.execute("INSERT INTO dci_sandbox_households (household_id) SELECT unnest($1::uuid[]) "
                                        "ON CONFLICT DO NOTHING", household_ids)
        return int(status.split()[-1])


    async def mark_all_sandbox(self) -> int:
        """Every household of the register is a synthetic/test record (the local demo's register)."""
        status = await self.sql.execute("INSERT INTO dci_sandbox_households (household_id) SELECT household_id "
                                        "FROM households ON CONFLICT DO NOTHING")
        return int(status.split()[-1])


class ClientDirectory:
    """The clients as this instance sees them: the table, re-read at most every `ttl_s` seconds (and at once after
    a change made here). `fresh` always reads the table (callback delivery does)."""

    def __init__(self, ttl_s: float = 2.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.monotonic = monotonic
        self.database: Database | None = None
        self._cache: dict[str, DciClient] = {}
        self._loaded_at = float("-inf")

    def bind(self, database: Database) -> None:
        self.database = database

    def invalidate(self) -> None:
        self._loaded_at = float("-inf")

    def _db(self) -> Database:
        if self.database is None:
            raise RuntimeError("the client directory is bound to the database when the app starts")
        return self.database

    async def get(self, client_id: str | None) -> DciClient | None:
        if self.monotonic() - self._loaded_at >= self.ttl_s:
            async with self._db().read() as sql:
                clients = await DciClients(sql).all()
            self._cache = {c.client_id: c for c in clients}
            self._loaded_at = self.monotonic()
        return self._cache.get(client_id or "")

    async def fresh(self, client_id: str) -> DciClient | None:
        async with self._db().read() as sql:
            return await DciClients(sql).one(client_id)
