"""Onboarding of DCI clients without a restart: add one (its Ed25519 keys inline or a JWKS URL, callback
origins, a cap on its scopes, the sandbox flag, its encryption key), list them, rotate a key with an overlap
window, set its encryption key, revoke one.
Every change is written with its audit line (who, when, what) in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from pydantic import BaseModel, ConfigDict, Field

from gotong.application.uow import UnitOfWork
from gotong.domain.errors import Conflict, ValidationFailed
from registry.dci.adapters.callbacks import CallbackPolicy
from registry.dci.adapters.clients import SANDBOX, DciClient, origin
from registry.dci.adapters.directory import DciClients
from registry.dci.adapters.encryption import load_encryption_key
from registry.dci.adapters.encryption import thumbprint as encryption_kid
from registry.dci.adapters.jwks import check_url
from registry.dci.adapters.signature import load_public_key, public_jwk, thumbprint

#: The scopes a client's cap may name (see `entrypoints.routes`).
DCI_SCOPES = frozenset({"dci:search", "dci:search:identity", "dci:search:socioeconomic", "dci:subscribe"})
Text = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$",
                               description="the unique_key_id of kidId (default: the RFC 7638 thumbprint)")
    public_key: str | dict[str, str] = Field(description="an OKP/Ed25519 JWK, a PEM, or base64 of the 32 raw bytes")


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Text
    sender_id: str | None = Field(default=None, min_length=1, max_length=200,
                                  pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")
    name: str | None = Field(default=None, max_length=200)
    keys: list[KeyIn] = Field(default=[], max_length=10)
    jwks_url: str | None = Field(default=None, max_length=2000)
    callback_base: str | None = Field(default=None, max_length=2000)
    callback_origins: list[str] = Field(default=[], max_length=20)
    scopes: list[str] | None = Field(default=None, max_length=10)
    sandbox: bool = False
    encryption_key: dict[str, str] | None = Field(
        default=None, description="its public encryption key as a JWK: X25519 (kty OKP, crv X25519) or RSA "
                                  "(≥ 2048 bits); answers to its encrypted messages are encrypted to it")


class EncryptionKeySet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    encryption_key: dict[str, str] | None = Field(
        description="the client's public X25519 or RSA JWK; null removes it (it can no longer send encrypted)")


class KeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: KeyIn
    old_valid_until: datetime | None = Field(
        default=None, description="until when the keys in use stay valid (default: now + overlap_hours)")
    overlap_hours: float = Field(default=24.0, ge=0, le=24 * 90)


class ClientRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


def _key(k: KeyIn, i: int) -> tuple[str, dict[str, Any]]:
    try:
        key = load_public_key(k.public_key)
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm) as err:
        raise ValidationFailed("not an Ed25519 public key (OKP JWK, PEM or base64 of 32 bytes)",
                               field=f"keys.{i}.public_key" if i >= 0 else "key.public_key") from err
    return k.key_id or thumbprint(key), public_jwk(key)


def _encryption_key(value: dict[str, str] | None, field: str) -> dict[str, str] | None:
    if value is None:
        return None
    try:
        return load_encryption_key(value)
    except ValueError as err:
        raise ValidationFailed(f"{err} (a public X25519 or RSA JWK)", field=field) from err


def public(client: DciClient, now: datetime) -> dict[str, Any]:
    """What the admin API and CLI show of a client (public keys only, never a secret)."""
    valid = client.keys_at(now)
    return {"client_id": client.client_id, "sender_id": client.sender_id, "jwks_url": client.jwks_url,
            "callback_base": client.callback_base, "callback_origins": sorted(client.callback_origins),
            "scopes": sorted(client.scopes) if client.scopes is not None else None, "sandbox": client.sandbox,
            "status": "revoked" if client.revoked else "active", "revoked_reason": client.revoked,
            "keys": [{"key_id": kid, **public_jwk(key), "valid": kid in valid,
                      "valid_until": client.key_until[kid].isoformat() if kid in client.key_until else None}
                     for kid, key in client.keys.items()],
            "encryption_key": {**client.encryption_key, "kid": encryption_kid(client.encryption_key)}
            if client.encryption_key is not None else None}


def _checked(body: ClientCreate, policy: CallbackPolicy) -> dict[str, Any]:
    if not body.keys and not body.jwks_url:
        raise ValidationFailed("give at least one key or a jwks_url", field="keys")
    keys: dict[str, dict[str, Any]] = {}
    for i, k in enumerate(body.keys):
        kid, jwk = _key(k, i)
        if kid in keys:
            raise ValidationFailed("two keys have the same key_id", field=f"keys.{i}.key_id")
        keys[kid] = jwk
    if body.jwks_url is not None:
        try:
            check_url(policy, body.jwks_url)
        except ValueError as err:
            raise ValidationFailed(str(err), field="jwks_url") from err
    origins: list[str] = []
    for i, o in enumerate([*body.callback_origins, *([body.callback_base] if body.callback_base else [])]):
        name = f"callback_origins.{i}" if i < len(body.callback_origins) else "callback_base"
        try:
            found = origin(o)
        except ValueError as err:
            raise ValidationFailed("not an absolute http(s) URL", field=name) from err
        if not found.startswith("https://") and found not in policy.test_origins:
            raise ValidationFailed("callbacks go over https only", field=name)
        origins.append(found)
    if body.scopes is not None:
        unknown = sorted(set(body.scopes) - DCI_SCOPES)
        if unknown:
            raise ValidationFailed(f"unknown scope(s) {', '.join(unknown)}; use {', '.join(sorted(DCI_SCOPES))}",
                                   field="scopes")
    return {"keys": keys, "origins": sorted(set(origins)),
            "encryption_key": _encryption_key(body.encryption_key, "encryption_key")}


async def add(uow: UnitOfWork, policy: CallbackPolicy, body: ClientCreate, actor: str) -> dict[str, Any]:
    checked = _checked(body, policy)
    clients = uow.adapter(DciClients)
    sender_id = body.sender_id or body.client_id
    await clients.add(client_id=body.client_id, sender_id=sender_id, name=body.name, jwks_url=body.jwks_url,
                      callback_base=body.callback_base.rstrip("/") if body.callback_base else None,
                      callback_origins=checked["origins"], scopes=sorted(set(body.scopes)) if body.scopes is not None
                      else None, sandbox=body.sandbox, keys=checked["keys"], encryption_key=checked["encryption_key"])
    await clients.audit(body.client_id, "add", actor, uow.clock.now(), {
        "sender_id": sender_id, "key_ids": sorted(checked["keys"]), "jwks_url": body.jwks_url,
        "callback_origins": checked["origins"], "scopes": body.scopes, "sandbox": body.sandbox,
        "encryption_kid": encryption_kid(checked["encryption_key"]) if checked["encryption_key"] else None})
    return public(await clients.must(body.client_id), uow.clock.now())


async def seed(uow: UnitOfWork, seeds: list[DciClient]) -> int:
    """Add the clients of DCI_CLIENTS / DCI_CLIENTS_FILE that the table does not hold yet; returns how many."""
    clients, added = uow.adapter(DciClients), 0
    for c in seeds:
        keys = {kid: public_jwk(key) for kid, key in c.keys.items()}
        if await clients.add(client_id=c.client_id, sender_id=c.sender_id, name=None, jwks_url=c.jwks_url,
                             callback_base=c.callback_base, callback_origins=sorted(c.callback_origins),
                             scopes=sorted(c.scopes) if c.scopes is not None else None, sandbox=c.sandbox,
                             keys=keys, if_absent=True, encryption_key=c.encryption_key):
            await clients.audit(c.client_id, "seed", "settings:DCI_CLIENTS", uow.clock.now(),
                                {"sender_id": c.sender_id, "key_ids": sorted(keys)})
            added += 1
    return added


async def rotate_key(uow: UnitOfWork, client_id: str, body: KeyRotate, actor: str) -> dict[str, Any]:
    """Add a key; the keys in use stay valid until `old_valid_until` (the overlap), then only the new one is."""
    clients = uow.adapter(DciClients)
    client = await clients.must(client_id, lock=True)
    if client.revoked:
        raise Conflict("the client is revoked; register it again under a new client_id", field="client_id")
    now = uow.clock.now()
    until = body.old_valid_until or now + timedelta(hours=body.overlap_hours)
    if until.tzinfo is None:
        raise ValidationFailed("give a time zone (e.g. Z or +07:00)", field="old_valid_until")
    kid, jwk = _key(body.key, -1)
    closed = await clients.close_keys(client_id, until)  # before the new key is added: it stays open
    await clients.add_key(client_id, kid, jwk)
    await clients.touch(client_id)
    await clients.audit(client_id, "rotate-key", actor, now, {"new_key_id": kid, "old_key_ids": closed,
                                                              "old_valid_until": until.isoformat()})
    return public(await clients.must(client_id), now)


async def set_encryption_key(uow: UnitOfWork, client_id: str, body: EncryptionKeySet, actor: str) -> dict[str, Any]:
    """Register (or replace, or with null remove) the client's public encryption key; effective at once."""
    clients = uow.adapter(DciClients)
    client = await clients.must(client_id, lock=True)
    if client.revoked:
        raise Conflict("the client is revoked; register it again under a new client_id", field="client_id")
    key = _encryption_key(body.encryption_key, "encryption_key")
    await clients.set_encryption_key(client_id, key)
    await clients.audit(client_id, "set-encryption-key", actor, uow.clock.now(),
                        {"encryption_kid": encryption_kid(key) if key else None,
                         "previous_kid": encryption_kid(client.encryption_key) if client.encryption_key else None})
    return public(await clients.must(client_id), uow.clock.now())


async def revoke(uow: UnitOfWork, client_id: str, body: ClientRevoke, actor: str) -> dict[str, Any]:
    clients = uow.adapter(DciClients)
    client = await clients.must(client_id, lock=True)
    if client.revoked:
        raise Conflict("the client is revoked already", field="client_id")
    await clients.revoke(client_id, body.reason)
    await clients.audit(client_id, "revoke", actor, uow.clock.now(), {"reason": body.reason})
    return public(await clients.must(client_id), uow.clock.now())


async def listed(uow: UnitOfWork) -> list[dict[str, Any]]:
    now = uow.clock.now()
    return [public(c, now) for c in await uow.adapter(DciClients).all()]


async def audit(uow: UnitOfWork, client_id: str | None) -> list[dict[str, Any]]:
    rows = await uow.adapter(DciClients).audit_trail(client_id)
    return [{**r, "at": r["at"].isoformat()} for r in rows]


__all__ = ["SANDBOX", "ClientCreate", "ClientRevoke", "EncryptionKeySet", "KeyRotate", "add", "audit", "listed",
           "revoke", "rotate_key", "seed", "set_encryption_key"]
