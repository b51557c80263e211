"""`gotong registry dci client ...`: register, list, rotate the key of and revoke DCI clients, on the registry's
database (DATABASE_URL), without a restart of any registry instance. Every change is audited with `--by`.

    gotong registry dci client add kemensos --by admin-1 --public-key "$(jq -r .public_key kemensos.pub.json)" \\
        --key-id k1 --callback-base https://dci.kemensos.go.id/dci --scope dci:search --scope dci:subscribe
    gotong registry dci client rotate-key kemensos --by admin-1 --key-id k2 --public-key ... --overlap-hours 24
    gotong registry dci client set-encryption-key kemensos --by admin-1 --encryption-key '{"kty": "OKP", ...}'
    gotong registry dci client revoke kemensos --by admin-1 --reason "contract ended"
    gotong registry dci client list / audit [CLIENT_ID]
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import click
from pydantic import ValidationError

from gotong.application.uow import UnitOfWork, UnitOfWorkFactory
from gotong.db import create_engine
from gotong.domain.errors import DomainError
from gotong.eventstore.postgres import PostgresEventStore
from registry.config import Settings
from registry.dci.adapters.callbacks import CallbackPolicy
from registry.dci.application import clients
from registry.dci.application.clients import ClientCreate, ClientRevoke, EncryptionKeySet, KeyIn, KeyRotate


def _run(fn: Callable[[UnitOfWork, Settings], Awaitable[Any]]) -> Any:
    """`fn` in one transaction on the registry database; a refusal is a clear error naming the field."""
    settings = Settings()

    async def go() -> Any:
        engine = create_engine(settings.service_database_url, pool_size=1)
        try:
            async with UnitOfWorkFactory(PostgresEventStore(engine)).begin() as uow:
                return await fn(uow, settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except DomainError as err:
        raise click.ClickException(f"{err.field}: {err.detail}" if err.field else str(err.detail)) from None


def _model(cls: Any, **values: Any) -> Any:
    try:
        return cls.model_validate(values)
    except ValidationError as err:
        first = err.errors()[0]
        raise click.ClickException(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def _public_key(value: str) -> str | dict[str, str]:
    """A JWK given as JSON text is passed on as an object; base64 or PEM as text."""
    text = value.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as err:
            raise click.ClickException("--public-key: not valid JSON") from err
        return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else text
    return text


def _jwk(value: str | None, option: str) -> dict[str, str] | None:
    """An encryption key given as JWK JSON text."""
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as err:
        raise click.ClickException(f"{option}: not valid JSON (a public X25519 or RSA JWK)") from err
    if not isinstance(parsed, dict):
        raise click.ClickException(f"{option}: a JWK is a JSON object")
    return {str(k): str(v) for k, v in parsed.items()}


def _echo(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))


@click.group("client")
def client() -> None:
    """DCI clients of the registry: add, list, rotate-key, revoke, audit (no restart needed)."""


@client.command("add")
@click.argument("client_id")
@click.option("--by", "actor", required=True, help="who registers it (recorded in the audit)")
@click.option("--sender-id", default=None, help="header.sender_id of its messages (default: the client id)")
@click.option("--name", default=None)
@click.option("--public-key", default=None, help="Ed25519 public key: base64 of 32 bytes, PEM, or a JWK as JSON")
@click.option("--key-id", default=None, help="the unique_key_id its kidId names (default: RFC 7638 thumbprint)")
@click.option("--jwks-url", default=None, help="https URL where it publishes its keys (instead of or besides a key)")
@click.option("--callback-base", default=None, help="https base of its callbacks (on-search, notify, ...)")
@click.option("--callback-origin", "origins", multiple=True, help="another origin callbacks may go to")
@click.option("--scope", "scopes", multiple=True, help="cap on its scopes (repeat; omit to trust its token)")
@click.option("--sandbox", is_flag=True, help="searches and notifies see only synthetic/test households")
@click.option("--encryption-key", default=None,
              help="its public X25519 or RSA JWK (JSON): answers to its encrypted messages are encrypted to it")
def add(client_id: str, actor: str, sender_id: str | None, name: str | None, public_key: str | None,
        key_id: str | None, jwks_url: str | None, callback_base: str | None, origins: tuple[str, ...],
        scopes: tuple[str, ...], sandbox: bool, encryption_key: str | None) -> None:
    """Register CLIENT_ID (its OAuth2 client id) for the DCI API."""
    keys = [{"key_id": key_id, "public_key": _public_key(public_key)}] if public_key else []
    body = _model(ClientCreate, client_id=client_id, sender_id=sender_id, name=name, keys=keys, jwks_url=jwks_url,
                  callback_base=callback_base, callback_origins=list(origins),
                  scopes=list(scopes) if scopes else None, sandbox=sandbox,
                  encryption_key=_jwk(encryption_key, "--encryption-key"))
    _echo(_run(lambda uow, s: clients.add(uow, CallbackPolicy(s.dci_test_callback_origins), body, f"cli:{actor}")))


@client.command("list")
def list_cmd() -> None:
    """Every client, its keys (valid now or not, until when) and status."""
    _echo(_run(lambda uow, _: clients.listed(uow)))


@client.command("rotate-key")
@click.argument("client_id")
@click.option("--by", "actor", required=True)
@click.option("--public-key", required=True, help="the new Ed25519 public key (base64, PEM or JWK JSON)")
@click.option("--key-id", default=None)
@click.option("--old-valid-until", default=None, help="ISO time (with zone) the keys in use stop being valid")
@click.option("--overlap-hours", default=24.0, show_default=True, help="if no --old-valid-until: now + this")
def rotate_key(client_id: str, actor: str, public_key: str, key_id: str | None, old_valid_until: str | None,
               overlap_hours: float) -> None:
    """Add a new key; the keys in use stay valid until the end of the overlap window, then only the new one."""
    until: datetime | None = None
    if old_valid_until:
        try:
            until = datetime.fromisoformat(old_valid_until)
        except ValueError:
            raise click.ClickException("--old-valid-until: not an ISO 8601 time") from None
    body = _model(KeyRotate, key=KeyIn(key_id=key_id, public_key=_public_key(public_key)),
                  old_valid_until=until, overlap_hours=overlap_hours)
    _echo(_run(lambda uow, _: clients.rotate_key(uow, client_id, body, f"cli:{actor}")))


@client.command("set-encryption-key")
@click.argument("client_id")
@click.option("--by", "actor", required=True)
@click.option("--encryption-key", default=None, help="its public X25519 or RSA JWK (JSON)")
@click.option("--remove", is_flag=True, help="remove its key: it can no longer send encrypted messages")
def set_encryption_key(client_id: str, actor: str, encryption_key: str | None, remove: bool) -> None:
    """Register, replace or remove CLIENT_ID's public encryption key (effective at once)."""
    if (encryption_key is None) == (not remove):
        raise click.ClickException("give --encryption-key JWK or --remove")
    body = _model(EncryptionKeySet, encryption_key=_jwk(encryption_key, "--encryption-key"))
    _echo(_run(lambda uow, _: clients.set_encryption_key(uow, client_id, body, f"cli:{actor}")))


@client.command("revoke")
@click.argument("client_id")
@click.option("--by", "actor", required=True)
@click.option("--reason", required=True, help="recorded in the audit and on every callback it stops")
def revoke(client_id: str, actor: str, reason: str) -> None:
    """Revoke CLIENT_ID: its messages are refused and callbacks to it stop."""
    body = _model(ClientRevoke, reason=reason)
    _echo(_run(lambda uow, _: clients.revoke(uow, client_id, body, f"cli:{actor}")))


@client.command("audit")
@click.argument("client_id", required=False)
def audit(client_id: str | None) -> None:
    """Who changed which client, when, and what."""
    _echo(_run(lambda uow, _: clients.audit(uow, client_id)))
