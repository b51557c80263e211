"""Wiring of the DCI API into the registry's app: `install(app, settings)` builds the DCI context, adds the
`/dci` routes and returns the lifespan hook of the background worker (async searches, notify, callback
delivery)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from registry.adapters.crypto import KeyRing
from registry.config import Settings
from registry.dci.adapters import tables as tables  # registers the DCI tables on the registry metadata
from registry.dci.application.context import Dci
from registry.dci.entrypoints.routes import router
from registry.dci.entrypoints.worker import worker_lifespan


def install(app: FastAPI, settings: Settings, keyring: KeyRing | None = None) -> list[Any]:
    """Add the DCI routes to the app; return extra lifespan hooks (callback sender, notifier). The keyring is
    the registry's (default: `app.state.registry.keyring`)."""
    if not settings.dci_enabled:
        return []
    app.state.dci = Dci.from_settings(settings, keyring or app.state.registry.keyring)
    app.include_router(router)
    return [worker_lifespan]
