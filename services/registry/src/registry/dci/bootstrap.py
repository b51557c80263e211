"""Wiring of the DCI API into the registry's app: `install(app, settings)` builds the DCI context, adds the
`/dci` routes (answering refusals in the spec's form), the admin API of clients, and returns the lifespan hooks:
the client table (bound and seeded from DCI_CLIENTS) and the background worker (async searches, notify, callback
delivery)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from gotong.api.app import runtime
from registry.adapters.crypto import KeyRing
from registry.config import Settings
from registry.dci.adapters import tables as tables  # registers the DCI tables on the registry metadata
from registry.dci.application import clients
from registry.dci.application.context import Dci
from registry.dci.entrypoints.admin import router as admin_router
from registry.dci.entrypoints.inbound import dci_of
from registry.dci.entrypoints.responses import DciResponses
from registry.dci.entrypoints.routes import router
from registry.dci.entrypoints.worker import worker_lifespan


@contextlib.asynccontextmanager
async def clients_lifespan(app: Any) -> AsyncIterator[None]:
    """The client directory reads the app's database; clients of the settings are added if absent."""
    ctx, kit = dci_of(app), runtime(app)
    ctx.clients.bind(kit.database)
    if ctx.seeds:
        async with kit.units.begin() as uow:
            await clients.seed(uow, ctx.seeds)
    yield


def install(app: FastAPI, settings: Settings, keyring: KeyRing | None = None) -> list[Any]:
    """Add the DCI routes to the app; return extra lifespan hooks (client table, callback sender, notifier). The
    keyring is the registry's (default: `app.state.registry.keyring`)."""
    if not settings.dci_enabled:
        return []
    app.state.dci = Dci.from_settings(settings, keyring or app.state.registry.keyring)
    app.include_router(router)
    app.include_router(admin_router)
    app.add_middleware(DciResponses, sender_id=settings.dci_sender_id)
    return [clients_lifespan, worker_lifespan]
