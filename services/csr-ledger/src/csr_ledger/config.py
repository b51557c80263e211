"""Settings of the csr-ledger service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-csr-ledger")


class Settings(KitSettings):
    service_name: str = "csr-ledger"
    #: Allocations above this need a second officer's approval (maker–checker); rupiah.
    allocation_approval_threshold: int = 500_000_000
    #: How long an allocation awaiting approval reserves the funds before it expires.
    allocation_approval_timeout_s: int = 7 * 24 * 3600
    expiry_interval_s: float = 30.0
    consume_disbursement: bool = True
