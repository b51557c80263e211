"""The canvas-projector's composition root: how the launcher finds, migrates and runs it (entry point
`gotong.services`), and the app — consumers, the sealer, the public API, the portal and open data."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from canvas_projector.adapters.signing_key import load_log
from canvas_projector.config import VERSION, Settings
from canvas_projector.entrypoints.api import page_cache
from canvas_projector.entrypoints.api.canvas import router as canvas_router
from canvas_projector.entrypoints.api.opendata import router as opendata_router
from canvas_projector.entrypoints.api.portal import STATIC
from canvas_projector.entrypoints.api.portal import errors as portal_errors
from canvas_projector.entrypoints.api.portal.assets import PortalAssets
from canvas_projector.entrypoints.api.portal.grievance_page import router as grievance_page_router
from canvas_projector.entrypoints.api.portal.pages import router as portal_router
from canvas_projector.entrypoints.api.transparency import router as transparency_router
from canvas_projector.entrypoints.cli import cli
from canvas_projector.entrypoints.consumers.catalog import catalog_consumer
from canvas_projector.entrypoints.consumers.grievance import grievance_consumer
from canvas_projector.entrypoints.consumers.network import network_consumer
from canvas_projector.entrypoints.consumers.transparency import sealer_lifespan, transparency_consumer
from canvas_projector.entrypoints.state import ProjectorState
from gotong.api.app import LifespanHook
from gotong.api.app import create_app as create_kit_app
from gotong.messaging.consumer import consumer_hook
from gotong.messaging.relay import relay_lifespan
from gotong.messaging.topics import events_topic
from gotong.service import ServiceSpec

DESCRIPTION = (
    "The read side: Business Model Canvas read models across all approaches, and the transparency log — an "
    "RFC 9162 Merkle tree of every disbursement record with signed checkpoints, inclusion and consistency "
    "proofs, and receipts anyone can verify offline."
)


def create_app(settings: Settings | None = None, *, consumers: bool = True) -> FastAPI:
    """The app; `consumers=False` runs it without reading any topic (tests that feed the handlers directly)."""
    settings = settings or Settings()
    hooks: list[LifespanHook] = [relay_lifespan]
    if consumers:
        hooks.append(consumer_hook(transparency_consumer, catalog_consumer, network_consumer,
                                   grievance_consumer))
    hooks.append(sealer_lifespan)
    app = create_kit_app(settings, title="Gotong canvas projector", version=VERSION, description=DESCRIPTION,
                         routers=[transparency_router, opendata_router, canvas_router, portal_router,
                                  grievance_page_router],
                         lifespan_hooks=hooks)
    app.mount("/static", PortalAssets(directory=STATIC), name="static")
    portal_errors.install(app)  # a browser gets an HTML page, an API client problem+json
    page_cache.install(app)  # public pages made once per change of the read model
    app.state.projector = ProjectorState(settings, load_log(settings))
    return app


service = ServiceSpec(
    name="canvas-projector",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8106,
    cli=cli,
    consumes=tuple(events_topic(s) for s in ("disbursement", "csr-ledger", "enterprise", "partnership", "registry",
                                                        "grievance")),
    # a local run keeps the log's signing key with the run's state (created on first start)
    environment=lambda root: {"TLOG_SIGNING_KEY_PATH": str(root / "tlog" / "signing-key.pem")},
    public_page="/",
)
