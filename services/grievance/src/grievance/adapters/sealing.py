"""Personal data at rest: AES-256-GCM under a key per case, the key stored only wrapped by the master key.

Names, NIKs, free text and the reporter's identity are sealed before they enter an event. Deleting the case's
row in `case_keys` makes every copy unreadable at once (crypto-shredding), in the events and any backup of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gotong.adapters.sql import Sql


class KeyRing:
    """The master key that wraps every case's data key, derived from one secret of at least 32 bytes."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the grievance master secret must be at least 32 bytes")
        self._kek = AESGCM(hmac.new(secret, b"gotong-grievance-kek", hashlib.sha256).digest())

    @classmethod
    def from_text(cls, text: str) -> KeyRing:
        return cls(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

    def wrap(self, dek: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._kek.encrypt(nonce, dek, b"dek")

    def unwrap(self, wrapped: bytes) -> bytes:
        return self._kek.decrypt(wrapped[:12], wrapped[12:], b"dek")


def seal(dek: bytes, case_id: UUID, value: dict[str, Any]) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(dek).encrypt(nonce, orjson.dumps(value), case_id.bytes)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(dek: bytes, case_id: UUID, text: str) -> dict[str, Any]:
    raw = base64.urlsafe_b64decode(text)
    try:
        value = orjson.loads(AESGCM(dek).decrypt(raw[:12], raw[12:], case_id.bytes))
    except InvalidTag:
        raise ValueError("sealed value does not belong to this case") from None
    return dict(value)


def new_case_key(keyring: KeyRing) -> tuple[bytes, bytes]:
    """A new case's data key, and the same key wrapped by the master key (what `case_keys` stores)."""
    dek = AESGCM.generate_key(bit_length=256)
    return dek, keyring.wrap(dek)


class CaseKeys:
    """The `case_keys` table, on the unit of work's transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def store(self, case_id: UUID, wrapped: bytes) -> None:
        await self.sql.execute("INSERT INTO case_keys (case_id, wrapped_key) VALUES ($1, $2)", case_id, wrapped)

    async def get(self, keyring: KeyRing, case_id: UUID) -> bytes | None:
        wrapped = await self.sql.fetchval("SELECT wrapped_key FROM case_keys WHERE case_id = $1", case_id)
        return keyring.unwrap(bytes(wrapped)) if wrapped is not None else None

    async def destroy(self, case_id: UUID) -> bool:
        return await self.sql.execute("DELETE FROM case_keys WHERE case_id = $1", case_id) != "DELETE 0"
