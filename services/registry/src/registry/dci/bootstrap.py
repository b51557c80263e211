"""DCI Social Registry v1.0.0 API for ministries (sync/async search, txn status, subscribe/notify).

`install(app, settings)` adds the `/dci` routes and returns the lifespan hook of the background worker
(async searches, notify, callback delivery). Wiring only; the parts live in the modules beside this one.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from registry.entrypoints.dci import tables as tables  # registers the DCI tables on the registry metadata
from registry.entrypoints.dci.context import Dci
from registry.entrypoints.dci.routes import router
from registry.entrypoints.dci.worker import worker_lifespan


def install(app: FastAPI, settings: Any) -> list[Any]:
    """Add the DCI routes to the app; return extra lifespan hooks (callback sender, notifier)."""
    if not getattr(settings, "dci_enabled", True):
        return []
    app.state.dci = Dci.from_settings(settings, app.state.registry.keyring)
    app.include_router(router)
    return [worker_lifespan]
