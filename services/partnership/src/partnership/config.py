"""Settings of the partnership service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-partnership")


class Settings(KitSettings):
    service_name: str = "partnership"
    #: How often milestones that passed their due date are flagged and published (0 turns it off).
    overdue_check_interval_s: float = 3600.0
