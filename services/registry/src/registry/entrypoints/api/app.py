"""The registry service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware

from gotong.api.app import create_app as create_kit_app
from gotong.eventstore.model import RecordedEvent
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import VERSION, Settings
from registry.entrypoints import dci
from registry.entrypoints.api.public import FastStatusCheck, fast_status_lifespan, public_router
from registry.entrypoints.api.routes import router
from registry.entrypoints.consumers.disbursement import disbursement_consumer

DESCRIPTION = (
    "The digital social-economic registry (DTSEN): households and their members, verification, the "
    "welfare ranking (desil 1–10, the national income decile) and the public \"is my aid coming?\" "
    "check. Personal data (NIK, No. KK, names, addresses) is kept encrypted per household and found "
    "by a blind index; other services refer to people only by a pseudonymous reference."
)


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    """Internal household events -> `registry.events` contracts. Sealed personal data never leaves."""
    data = event.data
    state = data.get("state")
    at = event.occurred_at.isoformat()
    if event.event_type == "HouseholdRanked":
        return "HouseholdRanked", 1, {
            "household_ref": str(event.stream_id), "desil": data["desil"], "desil_province": data["desil_province"],
            "previous_desil": data.get("previous_desil"), "rule_version": data["rule_version"],
            "snapshot": data["snapshot"], "province_code": (state or {}).get("province_code", ""),
            "regency_code": (state or {}).get("regency_code", ""), "occurred_at": at}
    if event.event_type == "HouseholdErased":
        return "HouseholdErased", 1, {"household_ref": str(event.stream_id), "occurred_at": at}
    if event.event_type == "HouseholdMergedAway":
        return "HouseholdsMerged", 1, {"surviving_ref": data["into"], "merged_refs": [str(event.stream_id)],
                                       "occurred_at": at}
    if state is not None:
        return "HouseholdChanged", 1, {**state, "occurred_at": at}
    return None


def deps_from(settings: Settings) -> Deps:
    return Deps(KeyRing.from_text(settings.master_secret), DukcapilSimulator(
        death_rate=settings.civil_death_rate, mismatch_rate=settings.civil_mismatch_rate,
        not_found_rate=settings.civil_not_found_rate))


def create_app(settings: Settings | None = None, deps: Deps | None = None) -> FastAPI:
    settings = settings or Settings()
    hooks: list[Any] = [relay_lifespan, fast_status_lifespan]
    if settings.consume_disbursement:
        hooks.append(lambda app: consumers_lifespan(app, [disbursement_consumer]))
    app = create_kit_app(settings, title="Gotong registry", version=VERSION, description=DESCRIPTION,
                         routers=[router, public_router(settings.status_check_per_minute)], lifespan_hooks=hooks)
    # the public check's hot path, inside the kit's metrics, rate limit and size limit
    app.user_middleware.append(Middleware(FastStatusCheck, per_minute=settings.status_check_per_minute,
                                          holder=app.state))
    app.state.contract_mapper = publish_contract
    app.state.registry = deps or deps_from(settings)
    hooks.extend(dci.install(app, settings))  # the kit enters `hooks` at startup, so these run too
    return app
