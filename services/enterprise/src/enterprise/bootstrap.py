"""How the launcher finds, migrates and runs the enterprise service (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from enterprise.cli import enterprise
from enterprise.config import Settings
from enterprise.demo import load_demo
from enterprise.entrypoints.api.app import create_app
from gotong.service import ServiceSpec

service = ServiceSpec(
    name="enterprise",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8104,
    demo_data=load_demo,
    cli=enterprise,
    consumes=("csr-ledger.events", "registry.events"),
)
