"""How the launcher finds, migrates and runs the canvas-projector service (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from canvas_projector.config import Settings
from canvas_projector.entrypoints.api.app import create_app
from gotong.service import ServiceSpec

service = ServiceSpec(
    name="canvas-projector",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8106,
    consumes=("disbursement.events", "csr-ledger.events", "enterprise.events", "partnership.events",
              "registry.events"),
)
