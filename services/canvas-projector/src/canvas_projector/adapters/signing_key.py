"""The log's Ed25519 signing key, from the settings (a secret) or a key file."""

from __future__ import annotations

from pathlib import Path

from canvas_projector.config import Settings
from canvas_projector.domain.transparency import TransparencyLog
from gotong.api.token_server import load_or_create_key, load_private_key


def load_log(settings: Settings) -> TransparencyLog:
    if settings.tlog_signing_key:
        key = load_private_key(settings.tlog_signing_key.encode(), "TLOG_SIGNING_KEY")
    else:  # production never makes its own key: replicas must share one (checked at start-up)
        key = load_or_create_key(Path(settings.tlog_signing_key_path), create=settings.gotong_env == "local")
    return TransparencyLog(settings.tlog_origin, settings.tlog_key_name, key)
