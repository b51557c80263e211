"""How the launcher finds, migrates and runs the partnership service (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from gotong.service import ServiceSpec
from partnership.cli import partnership
from partnership.config import Settings
from partnership.demo import load_demo
from partnership.entrypoints.api.app import create_app

service = ServiceSpec(
    name="partnership",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8105,
    demo_data=load_demo,
    cli=partnership,
)
