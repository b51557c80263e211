"""Settings of the canvas-projector service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-canvas-projector")


class Settings(KitSettings):
    service_name: str = "canvas-projector"
    #: The log's origin line in every checkpoint (C2SP tlog-checkpoint) and the signing key's name.
    tlog_origin: str = "transparansi.gotong.id/disbursements/v1"
    tlog_key_name: str = "transparansi.gotong.id"
    #: Ed25519 private key (PEM) of the log; created on first start if missing. Keep it secret and backed up.
    tlog_signing_key_path: str = ".gotong/tlog/signing-key.pem"
    tlog_seal_interval_s: float = 1.0
