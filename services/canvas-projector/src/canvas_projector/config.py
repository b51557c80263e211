"""Settings of the canvas-projector service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from pydantic import Field

from gotong.settings import KitSettings

VERSION = version("gotong-canvas-projector")


class Settings(KitSettings):
    service_name: str = "canvas-projector"
    #: The log's origin line in every checkpoint (C2SP tlog-checkpoint) and the signing key's name.
    tlog_origin: str = "transparansi.gotong.id/disbursements/v1"
    tlog_key_name: str = "transparansi.gotong.id"
    #: Ed25519 private key (PEM text) of the log, from a secret store; every replica signs with the same key.
    tlog_signing_key: str | None = Field(default=None, repr=False)
    #: Or a file holding it. Locally it is created on first start if missing; in production it must exist.
    #: Keep it secret and backed up: a new key means readers can no longer verify old checkpoints against it.
    tlog_signing_key_path: str = ".gotong/tlog/signing-key.pem"
    tlog_seal_interval_s: float = 1.0
    #: IATI organisation identifier of the publisher: prefix of every activity id (see opendata/iati.py).
    iati_reporting_org_ref: str = Field(default="XI-IATI-GOTONG", pattern=r"^[A-Z]{2}-[A-Za-z0-9-]{2,60}$")
    #: REGISTRY_URL, the public address of the registry, whose `/cek-status` page the portal's menu links to
    #: ("check your aid"); `gotong up` sets it. Unset: no such link.
    registry_url: str | None = None
    #: GRIEVANCE_URL, where citizens send a grievance (the accountability page links its form); `gotong up` sets it.
    grievance_url: str | None = None

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.tlog_signing_key:
            path = Path(self.tlog_signing_key_path)
            if not self.explicitly_set("tlog_signing_key_path"):
                problems.append("TLOG_SIGNING_KEY is not set (the transparency log's Ed25519 private key, PEM, "
                                "shared by every replica; or TLOG_SIGNING_KEY_PATH to a file holding it)")
            elif not path.is_file():
                problems.append(f"TLOG_SIGNING_KEY_PATH names no file ({path}); production never creates the key")
        return problems
