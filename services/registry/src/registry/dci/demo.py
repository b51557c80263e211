"""`gotong up` demo data for the DCI API: a sandbox ministry client, and the demo households marked as the
synthetic/test records it may see. Its key is derived from the local master secret, so every `gotong up` prints
the same one (local mode only: a production registry has no demo data)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore.postgres import PostgresEventStore
from registry.dci.adapters.callbacks import CallbackPolicy
from registry.dci.adapters.directory import DciClients
from registry.dci.adapters.signature import public_jwk
from registry.dci.application import clients
from registry.dci.application.clients import ClientCreate, KeyIn

#: The demo's OAuth2 machine client (`gotong up` writes its secret to the clients file): the sandbox DCI client.
SANDBOX_CLIENT = "ministry-client"
SANDBOX_KEY_ID = "sandbox-1"
SANDBOX_SCOPES = ["dci:search", "dci:search:identity", "dci:search:socioeconomic", "dci:subscribe"]


def sandbox_key(master_secret: str) -> Ed25519PrivateKey:
    master = base64.urlsafe_b64decode(master_secret + "=" * (-len(master_secret) % 4))
    seed = hmac.new(master, b"gotong-dci-sandbox-ministry", hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


async def load_sandbox(settings: Any) -> dict[str, Any]:
    """Register the sandbox client (once) and mark every household of the demo as a test record; returns the
    keys file `gotong registry dci sign --keys` reads."""
    key = sandbox_key(settings.master_secret)
    engine = create_engine(settings.service_database_url, pool_size=1)
    try:
        async with UnitOfWorkFactory(PostgresEventStore(engine)).begin() as uow:
            table = uow.adapter(DciClients)
            if await table.one(SANDBOX_CLIENT) is None:
                body = ClientCreate(client_id=SANDBOX_CLIENT, name="sandbox ministry (gotong up)", sandbox=True,
                                    keys=[KeyIn(key_id=SANDBOX_KEY_ID, public_key=public_jwk(key.public_key()))],
                                    scopes=SANDBOX_SCOPES)
                await clients.add(uow, CallbackPolicy(settings.dci_test_callback_origins), body, "demo-loader")
            await table.mark_all_sandbox()
    finally:
        await engine.dispose()
    seed = key.private_bytes_raw()
    return {"private_key": base64.b64encode(seed).decode(), "key_id": SANDBOX_KEY_ID, "sender_id": SANDBOX_CLIENT}


def with_sandbox(load_demo: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """The registry's demo data, then the DCI sandbox client, whose keys are printed."""

    async def load(settings: Any) -> None:
        await load_demo(settings)
        if not settings.dci_enabled:
            return
        keys = await load_sandbox(settings)
        click.echo(f"DCI sandbox ministry: OAuth2 client `{SANDBOX_CLIENT}` (secret in the clients file), sender_id "
                   f"`{SANDBOX_CLIENT}`, sandbox: its searches and notifies see only the synthetic demo "
                   "households. Its signing keys (save as sandbox.json for `gotong registry dci sign --keys`):")
        click.echo("  " + json.dumps(keys))

    return load
