"""The partnership service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from fastapi import FastAPI

from gotong.api.app import create_app as create_kit_app
from gotong.messaging.relay import relay_lifespan
from partnership.config import VERSION, Settings

DESCRIPTION = (
    "The Triple Helix: government, campus and industry partners, their agreements, joint projects, "
    "contributions and milestones."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_kit_app(
        settings, title="Gotong partnership", version=VERSION, description=DESCRIPTION,
        lifespan_hooks=[relay_lifespan],
    )
