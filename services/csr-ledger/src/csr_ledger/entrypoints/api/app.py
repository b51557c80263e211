"""The csr-ledger service's web app: built by the composition root (`csr_ledger.bootstrap`)."""

from __future__ import annotations

from csr_ledger.bootstrap import create_app, expire_reservations

__all__ = ["create_app", "expire_reservations"]
