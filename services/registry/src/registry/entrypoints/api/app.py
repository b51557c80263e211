"""The registry service's web app: built by the composition root, `registry.bootstrap` (kept importable here)."""

from __future__ import annotations

from registry.application.publishing import publish_contract
from registry.bootstrap import DESCRIPTION, create_app, deps_from

__all__ = ["DESCRIPTION", "create_app", "deps_from", "publish_contract"]
