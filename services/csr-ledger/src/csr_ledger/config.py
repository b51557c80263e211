"""Settings of the csr-ledger service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-csr-ledger")


class Settings(KitSettings):
    service_name: str = "csr-ledger"
