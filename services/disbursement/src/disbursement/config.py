"""Settings of the disbursement service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from pydantic import field_validator

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
    #: Shared with the channel to sign and verify G2P messages (HMAC-SHA256).
    channel_secret: str = DEV_CHANNEL_SECRET
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
        return problems
