"""The partnership service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from gotong.api.app import create_app as create_kit_app
from gotong.messaging.relay import relay_lifespan
from partnership.config import VERSION, Settings

DESCRIPTION = (
    "The Triple Helix: government, campus and industry partners, their agreements, joint projects, "
    "contributions and milestones."
)


class ServiceInfo(BaseModel):
    name: str
    version: str
    topic: str


def info_router(settings: Settings) -> APIRouter:
    router = APIRouter(tags=["service"])

    @router.get("/info", summary="Name, version and the topic this service publishes")
    async def info() -> ServiceInfo:
        return ServiceInfo(name=settings.service_name, version=VERSION, topic=settings.topic)

    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_kit_app(
        settings, title="Gotong partnership", version=VERSION, description=DESCRIPTION,
        routers=[info_router(settings)], lifespan_hooks=[relay_lifespan],
    )
