"""The canvas-projector service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from fastapi import FastAPI

from canvas_projector.config import VERSION, Settings
from gotong.api.app import create_app as create_kit_app
from gotong.messaging.relay import relay_lifespan

DESCRIPTION = (
    "The read side: Business Model Canvas read models built from every other service's events, the "
    "transparency log, and the public portal and open data."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_kit_app(
        settings, title="Gotong canvas projector", version=VERSION, description=DESCRIPTION,
        lifespan_hooks=[relay_lifespan],
    )
