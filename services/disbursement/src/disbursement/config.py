"""Settings of the disbursement service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from pydantic import Field, field_validator

from disbursement.adapters.g2p_signature import trusted_keys
from gotong.settings import KitSettings, refuse_placeholder

VERSION = version("gotong-disbursement")
DEV_CHANNEL_SECRET = "gotong-local-channel-key"


class Settings(KitSettings):
    service_name: str = "disbursement"
    consume_registry: bool = True
    #: Link CSR-funded programs to their approved allocations from `csr-ledger.events`.
    consume_csr_ledger: bool = True
    #: Load the programs shipped as configuration (`disbursement/programs/*.json`) at startup.
    load_shipped_programs: bool = True
    #: The payment channel (G2P Connect disburse); `gotong cycle simulator` runs a local one.
    channel_url: str = "http://127.0.0.1:8102/channel"
    #: Mount the channel simulator at /channel in this app (local use; production points CHANNEL_URL at a real
    #: channel and turns this off; `gotong cycle simulator` runs one in its own process).
    embedded_channel: bool = True
    #: Where the channel posts `on-disburse` callbacks: this service's own base URL.
    callback_base_url: str = "http://127.0.0.1:8102"
    #: Shared with the channel to sign the instructions sent to it (HMAC-SHA256).
    channel_secret: str = DEV_CHANNEL_SECRET
    #: The channel's Ed25519 public keys, which sign its callbacks (G2P Connect `MsgSignature`), as JSON
    #: `{"<sender_id>|<unique key id>": key}` — the kidId without its algorithm; a key as base64 of its 32 raw
    #: bytes, PEM or an OKP JWK. Several while the channel rotates. Production refuses to start without them.
    channel_public_keys: dict[str, str | dict[str, str]] | None = None
    #: Local mode only: the simulator's signing key (created on first use), trusted when CHANNEL_PUBLIC_KEYS is
    #: not set or the simulator is embedded; `gotong up` keeps it in `<state>/g2p/`.
    channel_dev_key_path: str = ".gotong/g2p/channel-dev-key.pem"
    #: A callback's signature may be valid at most this long (`expires - created`) ...
    g2p_signature_max_ttl_s: int = Field(default=3600, ge=1)
    #: ... and its `created`/`expires` are checked against this service's clock give or take this much.
    g2p_clock_skew_s: int = Field(default=60, ge=0, le=600)
    g2p_sender_id: str = "disbursement.gotong.id"
    dispatch_enabled: bool = True
    dispatch_interval_s: float = 0.5
    dispatch_batch: int = 500
    dispatch_rounds: int = 20
    #: Ask the channel (`txn/status`) about a payment unconfirmed this long after it was sent.
    status_check_after_s: float = 30.0
    compute_batch: int = 20_000

    @field_validator("channel_secret")
    @classmethod
    def _real_secret(cls, v: str) -> str:
        return refuse_placeholder(v, "CHANNEL_SECRET")

    @field_validator("channel_public_keys")
    @classmethod
    def _keys_parse(cls, v: dict[str, str | dict[str, str]] | None) -> dict[str, str | dict[str, str]] | None:
        if v is not None:
            try:
                trusted_keys(v)
            except ValueError as err:
                raise ValueError(f"CHANNEL_PUBLIC_KEYS: {err}") from None
        return v

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.embedded_channel:
            problems.append("EMBEDDED_CHANNEL must be false (the payment channel simulator is for local use)")
        if not self.explicitly_set("channel_url"):
            problems.append("CHANNEL_URL is not set (the payment channel's G2P Connect disburse endpoint)")
        if not self.explicitly_set("callback_base_url"):
            problems.append("CALLBACK_BASE_URL is not set (this service's public URL for on-disburse callbacks)")
        if self.channel_secret == DEV_CHANNEL_SECRET:
            problems.append("CHANNEL_SECRET is not set (the default is a public development secret)")
        if not self.channel_public_keys:
            problems.append('CHANNEL_PUBLIC_KEYS is not set (the payment channel\'s Ed25519 public keys that sign '
                            'its G2P callbacks, JSON {"<sender_id>|<key id>": "<base64 key>"})')
        return problems
