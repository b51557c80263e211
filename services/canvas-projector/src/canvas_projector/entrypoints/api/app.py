"""The canvas-projector's web app: the composition root (transparency log consumer, sealer, public API)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from canvas_projector.bmc.routes import router as canvas_router
from canvas_projector.config import VERSION, Settings
from canvas_projector.entrypoints.api.transparency import router as transparency_router
from canvas_projector.entrypoints.consumers.catalog import catalog_consumer
from canvas_projector.entrypoints.consumers.network import network_consumer
from canvas_projector.entrypoints.consumers.transparency import load_log, sealer_lifespan, transparency_consumer
from canvas_projector.opendata.routes import router as opendata_router
from canvas_projector.portal.pages import router as pages_router
from canvas_projector.portal.routes import HERE as PORTAL
from canvas_projector.portal.routes import router as portal_router
from gotong.api.app import create_app as create_kit_app
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan

DESCRIPTION = (
    "The read side: Business Model Canvas read models across all approaches, and the transparency log — an "
    "RFC 9162 Merkle tree of every disbursement record with signed checkpoints, inclusion and consistency "
    "proofs, and receipts anyone can verify offline."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    consumers = [transparency_consumer, catalog_consumer, network_consumer]
    hooks: list[Any] = [relay_lifespan, lambda app: consumers_lifespan(app, consumers), sealer_lifespan]
    app = create_kit_app(settings, title="Gotong canvas projector", version=VERSION, description=DESCRIPTION,
                         routers=[transparency_router, opendata_router, canvas_router, portal_router, pages_router],
                         lifespan_hooks=hooks)
    app.mount("/static", StaticFiles(directory=PORTAL / "static"), name="static")
    app.state.tlog = load_log(settings)
    return app
