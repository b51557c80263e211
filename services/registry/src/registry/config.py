"""Settings of the registry service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from pydantic import Field

from gotong.settings import KitSettings

VERSION = version("gotong-registry")

DEV_MASTER_SECRET = "Z290b25nLWRldmVsb3BtZW50LW1hc3Rlci1zZWNyZXQtMzJieXRlcyE"


class Settings(KitSettings):
    service_name: str = "registry"
    master_secret: str = Field(
        default=DEV_MASTER_SECRET,
        description="REGISTRY_MASTER_SECRET, base64url of ≥ 32 random bytes: wraps every household's data key and "
                    "keys the blind indexes. From a KMS/secret store in production; the default is for local use.")
    civil_death_rate: float = Field(default=0.002, ge=0, le=1, description="Dukcapil simulator: recorded deaths")
    civil_mismatch_rate: float = Field(default=0.01, ge=0, le=1, description="Dukcapil simulator: mismatches")
    civil_not_found_rate: float = Field(default=0.002, ge=0, le=1, description="Dukcapil simulator: unknown NIKs")
    status_check_per_minute: int = Field(default=30, ge=1, description="public status check limit per client address")
    consume_disbursement: bool = True
