"""Settings of the enterprise service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-enterprise")


class Settings(KitSettings):
    service_name: str = "enterprise"
    #: Replicate CSR grants to enterprises from `csr-ledger.events`.
    consume_csr: bool = True
    #: Replicate household references (erased, merged, desil) from `registry.events`.
    consume_registry: bool = True
