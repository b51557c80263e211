"""How the launcher finds, migrates and runs the registry service (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from gotong.service import ServiceSpec
from registry.cli import registry
from registry.config import Settings
from registry.demo import load_demo
from registry.entrypoints.api.app import create_app

service = ServiceSpec(
    name="registry",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8101,
    demo_data=load_demo,
    cli=registry,
    consumes=("disbursement.events",),
)
