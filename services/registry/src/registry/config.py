"""Settings of the registry service, from environment variables."""

from __future__ import annotations

import base64
import binascii
from importlib.metadata import version
from typing import Literal

from pydantic import AliasChoices, Field, field_validator

from gotong.settings import KitSettings

VERSION = version("gotong-registry")

DEV_MASTER_SECRET = "Z290b25nLWRldmVsb3BtZW50LW1hc3Rlci1zZWNyZXQtMzJieXRlcyE"


class Settings(KitSettings):
    service_name: str = "registry"
    master_secret: str = Field(
        default=DEV_MASTER_SECRET, validation_alias=AliasChoices("registry_master_secret", "master_secret"),
        description="REGISTRY_MASTER_SECRET, base64url of ≥ 32 random bytes: wraps every household's data key and "
                    "keys the blind indexes. From a KMS/secret store in production; the default is for local use.")
    civil_registry: Literal["simulator"] = Field(
        default="simulator", description="CIVIL_REGISTRY, the Dukcapil adapter; only the deterministic simulator "
                                         "exists yet, so production must choose it explicitly")
    civil_death_rate: float = Field(default=0.002, ge=0, le=1, description="Dukcapil simulator: recorded deaths")
    civil_mismatch_rate: float = Field(default=0.01, ge=0, le=1, description="Dukcapil simulator: mismatches")
    civil_not_found_rate: float = Field(default=0.002, ge=0, le=1, description="Dukcapil simulator: unknown NIKs")
    status_check_per_minute: int = Field(default=30, ge=1, description="public status check limit per client address")
    status_challenge_bits: int = Field(
        default=16, ge=1, le=40, description="STATUS_CHALLENGE_BITS, the proof of work asked of an address over the "
                                             "limit on /cek-status: leading zero bits of SHA-256 (2^bits tries)")
    status_challenge_ttl_s: int = Field(default=300, ge=10, description="STATUS_CHALLENGE_TTL_S, how long a "
                                                                        "challenge may be solved and redeemed")
    grievance_url: str | None = Field(
        default=None, description="GRIEVANCE_URL, the grievance service: the status page's answer links its form for "
                                  "a complaint or an objection (`gotong up` sets it)")
    canvas_projector_url: str | None = Field(
        default=None, description="CANVAS_PROJECTOR_URL, the transparency portal: the status page links each "
                                  "payment to its receipt there (`gotong up` sets it)")
    consume_disbursement: bool = True
    #: The public check carries a country's traffic: counted by /metrics, not traced (set [] to trace it).
    otel_untraced_urls: list[str] = ["public/status-check"]
    # DCI Social Registry API for ministries (`registry.dci`; see the README's "DCI API")
    dci_enabled: bool = True
    dci_sender_id: str = Field(default="dtsen.gotong.id", description="this registry's DCI sender/receiver id")
    dci_signing_key: str | None = Field(
        default=None, description="DCI_SIGNING_KEY, base64url of a 32-byte Ed25519 seed signing responses and "
                                  "callbacks; by default derived from the master secret (stable across restarts)")
    dci_encryption_enabled: bool | None = Field(
        default=None, description="DCI_ENCRYPTION_ENABLED: accept encrypted messages (JWE, `is_msg_encrypted`) and "
                                  "encrypt answers to clients that registered an encryption key; default on locally, "
                                  "off in production unless set (then DCI_ENCRYPTION_KEY is required)")
    dci_encryption_key: str | None = Field(
        default=None, description="DCI_ENCRYPTION_KEY, base64url of a 32-byte X25519 private key that clients encrypt "
                                  "to; by default derived from the master secret (stable across restarts)")
    dci_clients_file: str | None = Field(default=None, description="JSON file listing the ministry clients")
    dci_clients: list[dict[str, object]] = Field(default=[], description="ministry clients inline (JSON)")
    dci_test_callback_origins: list[str] = Field(
        default=[], description="TESTS ONLY: callback origins allowed although they resolve to loopback/private")
    dci_signature_max_ttl_s: int = Field(default=3600, ge=1, description="longest expires - created accepted")
    dci_clock_skew_s: int = Field(default=60, ge=0)
    dci_page_size_max: int = Field(default=1000, ge=1)
    dci_batch_max: int = Field(default=10, ge=1, description="search/subscribe requests per message")
    dci_worker_interval_s: float = Field(default=1.0, gt=0, description="async search, notify and callback loop")
    dci_callback_timeout_s: float = Field(default=5.0, gt=0)
    dci_callback_max_attempts: int = Field(default=8, ge=1)

    @field_validator("master_secret")
    @classmethod
    def _strong_master_secret(cls, v: str) -> str:
        if len(_b64url(v, "REGISTRY_MASTER_SECRET")) < 32:
            raise ValueError("REGISTRY_MASTER_SECRET must be base64url of at least 32 random bytes")
        return v

    @field_validator("dci_signing_key")
    @classmethod
    def _ed25519_seed(cls, v: str | None) -> str | None:
        if v is not None and len(_b64url(v, "DCI_SIGNING_KEY")) != 32:
            raise ValueError("DCI_SIGNING_KEY must be base64url of a 32-byte Ed25519 seed")
        return v

    @field_validator("dci_encryption_key")
    @classmethod
    def _x25519_key(cls, v: str | None) -> str | None:
        if v is not None and len(_b64url(v, "DCI_ENCRYPTION_KEY")) != 32:
            raise ValueError("DCI_ENCRYPTION_KEY must be base64url of a 32-byte X25519 private key")
        return v

    @property
    def dci_encryption(self) -> bool:
        """Whether encrypted messages are accepted (DCI_ENCRYPTION_ENABLED, default: on unless in production)."""
        if self.dci_encryption_enabled is None:
            return self.gotong_env != "production"
        return self.dci_encryption_enabled

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.master_secret == DEV_MASTER_SECRET:
            problems.append("REGISTRY_MASTER_SECRET is not set (the default is a public development secret); "
                            "base64url of at least 32 random bytes")
        if self.dci_enabled and not self.dci_signing_key:
            problems.append("DCI_SIGNING_KEY is not set (base64url of a 32-byte Ed25519 seed)")
        if self.dci_enabled and self.dci_encryption and not self.dci_encryption_key:
            problems.append("DCI_ENCRYPTION_KEY is not set although DCI_ENCRYPTION_ENABLED is "
                            "(base64url of a 32-byte X25519 private key)")
        if self.dci_test_callback_origins:
            problems.append("DCI_TEST_CALLBACK_ORIGINS is for tests only")
        if not self.explicitly_set("civil_registry"):
            problems.append("CIVIL_REGISTRY is not set: only the Dukcapil simulator exists yet; "
                            "set CIVIL_REGISTRY=simulator to run on simulated civil-registry checks knowingly")
        return problems


def _b64url(text: str, name: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} is not base64url") from None
