"""The periodic jobs of a running grievance service: the SLA check and the follow-up worker."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from gotong.api.app import runtime
from gotong.api.periodic import periodic
from grievance.adapters.owners import HttpOwners
from grievance.application.follow_up import drain
from grievance.application.sla import check_deadlines
from grievance.config import Settings

log = logging.getLogger("grievance.jobs")


def _settings(app: Any) -> Settings:
    settings: Settings = app.state.settings
    return settings


async def _sla(app: Any) -> None:
    counts = await check_deadlines(runtime(app).units)
    if any(counts.values()):
        log.info("sla checked", extra=counts)


async def _follow_ups(app: Any) -> None:
    await drain(runtime(app).units, app.state.grievance_owners)


@contextlib.asynccontextmanager
async def owners_lifespan(app: Any) -> AsyncIterator[None]:
    """The HTTP client the follow-up worker asks the owning services with (tests may put their own first)."""
    if getattr(app.state, "grievance_owners", None) is not None:
        yield
        return
    async with httpx.AsyncClient() as http:
        app.state.grievance_owners = HttpOwners(_settings(app), http)
        try:
            yield
        finally:
            app.state.grievance_owners = None


sla_job = periodic("grievance-sla", lambda app: _settings(app).sla_interval_s, _sla)
follow_up_job = periodic("grievance-follow-up", lambda app: _settings(app).follow_up_interval_s, _follow_ups)
