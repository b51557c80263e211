"""How the launcher finds, migrates and runs the disbursement service (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from disbursement.cli import cycle
from disbursement.config import Settings
from disbursement.demo import load_demo
from disbursement.entrypoints.api.app import create_app
from gotong.service import ServiceSpec

service = ServiceSpec(
    name="disbursement",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8102,
    demo_data=load_demo,
    cli=cycle,
    consumes=("registry.events", "csr-ledger.events"),
)
