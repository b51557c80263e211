"""The registry's tables now live in `registry.adapters.tables`; this name stays for the migrations and DCI."""

from registry.adapters.tables import *  # noqa: F403
from registry.adapters.tables import metadata

__all__ = ["metadata"]
