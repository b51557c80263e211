"""Liveness (`/healthz`), readiness (`/readyz`: the database and registered checks such as Kafka), `/info`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from gotong.api.metrics import HttpMetrics
from gotong.api.problem import problem, problem_responses

#: Registered by other modules in `app.state.readiness_checks`; each returns (name, ok).
ReadinessCheck = Callable[[], Awaitable[tuple[str, bool]]]
CHECK_TIMEOUT_S = 2.0
router = APIRouter(tags=["health"])
log = logging.getLogger("gotong.api.health")


class Alive(BaseModel):
    status: Literal["ok"]
    service: str


class Ready(BaseModel):
    status: Literal["ready"]
    checks: dict[str, Literal["ok", "failing"]]


@router.get("/healthz", summary="The process is alive")
async def healthz(request: Request) -> Alive:
    return Alive(status="ok", service=request.app.state.settings.service_name)


def _database(request: Request) -> ReadinessCheck:
    async def database() -> tuple[str, bool]:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return "database", True

    return database


async def _run(check: ReadinessCheck) -> tuple[str, bool]:
    name = getattr(check, "__name__", None) or "check"
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except TimeoutError:
        log.warning("readiness check %s timed out", name)
    except Exception as err:
        log.warning("readiness check %s failed: %s", name, type(err).__name__)
    return name, False


@router.get("/readyz", summary="Ready: the database and registered checks (Kafka) answer",
            response_model=Ready, responses=problem_responses(503))
async def readyz(request: Request) -> Response:
    checks: list[ReadinessCheck] = [_database(request), *getattr(request.app.state, "readiness_checks", [])]
    results = await asyncio.gather(*(_run(c) for c in checks))
    status = {name: ("ok" if ok else "failing") for name, ok in results}
    failing = [name for name, ok in results if not ok]
    if failing:
        return problem(503, "not-ready", "Not ready", f"failing: {', '.join(failing)}", instance="/readyz",
                       checks=status, headers={"Retry-After": "5", "Cache-Control": "no-store"})
    return JSONResponse({"status": "ready", "checks": status}, headers={"Cache-Control": "no-store"})


class ServiceInfo(BaseModel):
    name: str
    version: str
    topic: str


@router.get("/info", summary="Name, version and the topic this service publishes", tags=["service"])
async def info(request: Request) -> ServiceInfo:
    settings = request.app.state.settings
    return ServiceInfo(name=settings.service_name, version=request.app.version, topic=settings.topic)


__all__ = ["CHECK_TIMEOUT_S", "HttpMetrics", "ReadinessCheck", "router"]
