"""Settings of the disbursement service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-disbursement")


class Settings(KitSettings):
    service_name: str = "disbursement"
