"""DCI Social Registry v1.0.0 API for ministries (sync/async search, txn status, subscribe/notify)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def install(app: FastAPI, settings: Any) -> list[Any]:
    """Add the DCI routes to the app; return extra lifespan hooks (callback sender, notifier)."""
    return []
