"""Settings of the registry service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-registry")


class Settings(KitSettings):
    service_name: str = "registry"
