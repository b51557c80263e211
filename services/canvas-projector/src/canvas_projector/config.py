"""Settings of the canvas-projector service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-canvas-projector")


class Settings(KitSettings):
    service_name: str = "canvas-projector"
