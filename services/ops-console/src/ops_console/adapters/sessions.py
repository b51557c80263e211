"""Officers' sessions and pending sign-ins, server-side. The browser holds only a random id; the table keeps
its SHA-256, the officer's access token (never sent to the browser) and the session's CSRF token."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from gotong.adapters.sql import Sql

SIGN_IN_TTL = timedelta(minutes=10)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    username: str
    display_name: str
    roles: list[str]
    scopes: frozenset[str]
    access_token: str
    csrf: str
    last_seen_at: datetime
    token_expires_at: datetime

    def may(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True)
class PendingSignIn:
    verifier: str
    nonce: str
    return_to: str


class Sessions:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def begin_sign_in(self, state: str, pending: PendingSignIn, now: datetime) -> None:
        await self.sql.execute("DELETE FROM console_sign_ins WHERE created_at < $1", now - SIGN_IN_TTL)
        await self.sql.execute("INSERT INTO console_sign_ins (state_hash, verifier, nonce, return_to, created_at) "
                               "VALUES ($1, $2, $3, $4, $5)", digest(state), pending.verifier, pending.nonce,
                               pending.return_to, now)

    async def take_sign_in(self, state: str, now: datetime) -> PendingSignIn | None:
        """The pending sign-in `state` names, used up (a state works once, for ten minutes)."""
        row = await self.sql.fetchrow("DELETE FROM console_sign_ins WHERE state_hash = $1 "
                                      "RETURNING verifier, nonce, return_to, created_at", digest(state))
        if row is None or row["created_at"] < now - SIGN_IN_TTL:
            return None
        return PendingSignIn(row["verifier"], row["nonce"], row["return_to"])

    async def open(self, session_id: str, s: Session, now: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO console_sessions (id_hash, username, display_name, roles, scopes, access_token, csrf, "
            "created_at, last_seen_at, token_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
            digest(session_id), s.username, s.display_name, " ".join(s.roles), " ".join(sorted(s.scopes)),
            s.access_token, s.csrf, now, s.token_expires_at)

    async def find(self, session_id: str) -> Session | None:
        row = await self.sql.fetchrow(
            "SELECT username, display_name, roles, scopes, access_token, csrf, last_seen_at, token_expires_at "
            "FROM console_sessions WHERE id_hash = $1", digest(session_id))
        if row is None:
            return None
        return Session(row["username"], row["display_name"], row["roles"].split(), frozenset(row["scopes"].split()),
                       row["access_token"], row["csrf"], row["last_seen_at"], row["token_expires_at"])

    async def touch(self, session_id: str, now: datetime) -> None:
        await self.sql.execute("UPDATE console_sessions SET last_seen_at = $2 WHERE id_hash = $1",
                               digest(session_id), now)

    async def close(self, session_id: str) -> None:
        await self.sql.execute("DELETE FROM console_sessions WHERE id_hash = $1", digest(session_id))

    async def sweep(self, idle: timedelta, now: datetime) -> int:
        done = await self.sql.execute("DELETE FROM console_sessions WHERE last_seen_at < $1 OR token_expires_at < $2",
                                      now - idle, now)
        return int(done.split()[-1])
