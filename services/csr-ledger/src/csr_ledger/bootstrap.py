"""How the launcher finds, migrates and runs the csr-ledger service (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from csr_ledger.cli import csr
from csr_ledger.config import Settings
from csr_ledger.demo import load_demo
from csr_ledger.entrypoints.api.app import create_app
from gotong.service import ServiceSpec

service = ServiceSpec(
    name="csr-ledger",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8103,
    demo_data=load_demo,
    cli=csr,
    consumes=("disbursement.events",),
)
