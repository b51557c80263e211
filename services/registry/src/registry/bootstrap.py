"""How the launcher finds, migrates and runs the registry service (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from gotong.service import ServiceSpec
from registry.config import Settings
from registry.entrypoints.api.app import create_app

service = ServiceSpec(
    name="registry",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8101,
)
