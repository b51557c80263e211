"""The registry service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from gotong.api.app import create_app as create_kit_app
from gotong.messaging.relay import relay_lifespan
from registry.config import VERSION, Settings

DESCRIPTION = (
    "The digital social-economic registry (DTSEN): households and their members, verification, the "
    "welfare ranking (desil 1–10, the national income decile) and the public \"is my aid coming?\" "
    "check. Personal data (NIK, No. KK, names, addresses) is kept encrypted per household and found "
    "by a blind index; other services refer to people only by a pseudonymous reference."
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
        settings, title="Gotong registry", version=VERSION, description=DESCRIPTION,
        routers=[info_router(settings)], lifespan_hooks=[relay_lifespan],
    )
