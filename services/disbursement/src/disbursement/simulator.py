"""A payment channel simulator (a bank or post office) speaking G2P Connect disburse v1.0.0, in its own process.

It acknowledges `disburse` messages at once and posts `on-disburse` callbacks later, with configurable rates
of failure, return (paid, then given back) and wrong amounts, and a delay. Like a real channel it pays a
reference id once: a repeated instruction gets the first outcome again, never a second payout. Outcomes
are drawn from a hash of the reference id and the seed, so a run can be repeated. Callbacks that cannot be
delivered (the service is down) are retried until they are, each try a new message freshly signed with the
channel's Ed25519 key (the spec's `MsgSignature`); the service trusts that key's public half.

Run: `gotong cycle simulator --port 8112 --failure-rate 0.05 --return-rate 0.02 --wrong-amount-rate 0.01`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from uuid6 import uuid7

from disbursement.adapters import g2p
from disbursement.adapters.g2p_signature import Signer

log = logging.getLogger("disbursement.simulator")


class ChannelConfig(BaseModel):
    failure_rate: float = Field(default=0.0, ge=0, le=1)
    return_rate: float = Field(default=0.0, ge=0, le=1)
    wrong_amount_rate: float = Field(default=0.0, ge=0, le=1)
    delay_s: float = Field(default=0.2, ge=0)
    return_delay_s: float = Field(default=0.5, ge=0)
    seed: int = 1
    #: Verifies the instructions the service sends (HMAC, shared with the service).
    secret: str = "gotong-local-channel-key"
    callback_batch: int = 500


#: The simulator's G2P sender id: the first part of its signatures' kidId.
SENDER_ID = "channel.simulator"


def new_signer(key: Ed25519PrivateKey | None = None, key_id: str | None = None) -> Signer:
    """How the simulator signs its callbacks: with `key` (e.g. the local development key), or a new one."""
    return Signer(key or Ed25519PrivateKey.generate(), SENDER_ID, key_id=key_id)


@dataclass
class Payout:
    reference_id: str
    payee_fa: str
    amount: int
    paid_amount: int
    status: str  # pdng | succ | rjct
    transaction_id: str = ""  # the sender's, of the disburse message that brought it (its reports echo it)
    returned: bool = False  # the return was reported to the payer (not before: it reads the order of reports)
    reported: bool = False  # the outcome (succ / rjct) was reported to the payer
    reason: str | None = None


@dataclass
class Outbox:
    due: float
    sender_uri: str
    action: str
    item: dict[str, Any]
    transaction_id: str = ""  # the sender's, of the message answered (G2P Connect: the same across a transaction)


@dataclass
class Channel:
    config: ChannelConfig
    signer: Signer = field(default_factory=new_signer)
    payouts: dict[str, Payout] = field(default_factory=dict)
    outbox: list[Outbox] = field(default_factory=list)
    duplicates: int = 0
    callbacks_sent: int = 0

    def roll(self, reference_id: str, salt: str) -> float:
        h = hashlib.sha256(f"{self.config.seed}:{salt}:{reference_id}".encode()).digest()
        return int.from_bytes(h[:8], "big") / 2**64

    def receive(self, d: g2p.Disbursement, sender_uri: str, now: float, transaction_id: str = "") -> None:
        known = self.payouts.get(d.reference_id)
        if known is not None:  # a reference id is paid once; say again what happened to it
            self.duplicates += 1
            if known.status != "pdng":
                self.outbox.append(Outbox(now, sender_uri, "on-disburse", self.status_item(known), transaction_id))
            return
        amount = g2p.amount_rupiah(d.amount) or 0
        p = Payout(d.reference_id, d.payee_fa, amount, 0, "pdng", transaction_id=transaction_id)
        self.payouts[d.reference_id] = p
        cfg = self.config
        if self.roll(d.reference_id, "fail") < cfg.failure_rate:
            p.status, p.reason = "rjct", "rjct.payee_fa.invalid"
        else:
            p.status = "succ"
            wrong = self.roll(d.reference_id, "amount") < cfg.wrong_amount_rate
            p.paid_amount = amount - 10_000 if wrong and amount > 10_000 else amount
        self.outbox.append(Outbox(now + cfg.delay_s, sender_uri, "on-disburse", {"report_of": d.reference_id},
                                  transaction_id))
        if p.status == "succ" and self.roll(d.reference_id, "return") < cfg.return_rate:
            self.outbox.append(Outbox(now + cfg.delay_s + cfg.return_delay_s, sender_uri, "on-disburse",
                                      {"returned_of": d.reference_id}, transaction_id))

    def status_item(self, p: Payout, *, returned: bool | None = None) -> dict[str, Any]:
        item: dict[str, Any] = {"reference_id": p.reference_id, "timestamp": g2p.now_ts(), "payee_fa": p.payee_fa,
                                "currency_code": "IDR"}
        if p.returned if returned is None else returned:
            item.update(status="rjct", status_reason_message="returned: rekening tidak aktif",
                        instruction="returned", amount=g2p.amount_text(p.paid_amount))
        elif p.status == "succ":
            item.update(status="succ", amount=g2p.amount_text(p.paid_amount))
        else:
            item.update(status=p.status, status_reason_code=p.reason or "rjct.reference_id.invalid")
        return item

    def due_item(self, o: Outbox) -> dict[str, Any]:
        """What a report says, from what it reports (building it changes nothing: its delivery may fail)."""
        if "returned_of" in o.item:
            return self.status_item(self.payouts[o.item["returned_of"]], returned=True)
        if "report_of" in o.item:
            return self.status_item(self.payouts[o.item["report_of"]], returned=False)
        return o.item

    def ready(self, o: Outbox) -> bool:
        """A return is reported only after the payment it gives back was (the payer books them in order)."""
        return "returned_of" not in o.item or self.payouts[o.item["returned_of"]].reported

    def delivered(self, o: Outbox) -> None:
        if "report_of" in o.item:
            self.payouts[o.item["report_of"]].reported = True
        elif "returned_of" in o.item:
            self.payouts[o.item["returned_of"]].returned = True


def create_simulator(config: ChannelConfig | None = None, *, signer: Signer | None = None,
                     with_delivery: bool = True) -> FastAPI:
    """The channel's app; `signer` signs its callbacks (a new key if none: read `app.state.channel.signer` to
    trust it); `with_delivery` runs its callback loop in the app's lifespan (a mounted app has none, so whoever
    mounts it runs `deliver`)."""
    channel = Channel(config or ChannelConfig(), signer or new_signer())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not with_delivery:
            yield
            return
        stop = asyncio.Event()
        task = asyncio.create_task(deliver(channel, stop))
        try:
            yield
        finally:
            stop.set()
            await task

    app = FastAPI(title="Gotong payment channel simulator (G2P Connect disburse v1.0.0)", lifespan=lifespan)
    app.state.channel = channel

    async def envelope(request: Request, model: type[Any]) -> tuple[Any, JSONResponse | None]:
        raw = await request.json()
        if not g2p.verify(raw, channel.config.secret):
            return None, JSONResponse(g2p.ack("", "ERR", {"code": "err.signature.invalid",
                                                          "message": "bad signature"}), status_code=401)
        try:
            return model.model_validate(raw), None
        except ValidationError as err:
            return None, JSONResponse(g2p.ack("", "ERR", {"code": "err.request.bad", "message": str(err)[:900]}),
                                      status_code=400)

    @app.post("/disburse")
    async def disburse(request: Request) -> JSONResponse:
        env, error = await envelope(request, g2p.DisburseEnvelope)
        if error is not None:
            return error
        now = asyncio.get_running_loop().time()
        for d in env.message.disbursements:
            channel.receive(d, env.header.sender_uri or "", now, env.message.transaction_id)
        return JSONResponse(g2p.ack(str(uuid7())))

    @app.post("/disburse/txn/status")
    async def txn_status(request: Request) -> JSONResponse:
        env, error = await envelope(request, g2p.TxnStatusEnvelope)
        if error is not None:
            return error
        value = env.message.txnstatus_request.attribute_value
        refs = value if isinstance(value, list) else [value]
        items = []
        for ref in refs:
            p = channel.payouts.get(ref)
            if p is None:  # never received: say so, the sender may reissue safely
                items.append({"reference_id": ref, "timestamp": g2p.now_ts(), "status": "rjct",
                              "status_reason_code": "rjct.reference_id.invalid",
                              "status_reason_message": "reference id never received"})
            elif p.status != "pdng":
                items.append(channel.status_item(p))
        now = asyncio.get_running_loop().time()
        for item in items:
            channel.outbox.append(Outbox(now, env.header.sender_uri or "", "txn/on-status", item,
                                         env.message.transaction_id))
        return JSONResponse(g2p.ack(str(uuid7())))

    @app.get("/ledger", summary="What the channel paid: one row per reference id (for tests and ops)")
    async def ledger() -> dict[str, Any]:
        return {"payouts": [p.__dict__ for p in channel.payouts.values()], "duplicates": channel.duplicates,
                "callbacks_sent": channel.callbacks_sent, "pending_callbacks": len(channel.outbox)}

    return app


async def deliver(channel: Channel, stop: asyncio.Event, client: httpx.AsyncClient | None = None) -> None:
    """Post due callbacks (batched per callback URL and action) until `stop`."""
    async with client or httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.1)
            await deliver_due(channel, client)


async def deliver_due(channel: Channel, client: httpx.AsyncClient, *, everything: bool = False) -> int:
    """One round of callbacks; those that cannot be delivered are tried again a second later. Returns how
    many reports were delivered. `everything`: ignore the delays (tests)."""
    now = asyncio.get_running_loop().time()
    due = [o for o in channel.outbox if (everything or o.due <= now) and channel.ready(o)]
    delivered = 0
    groups: dict[tuple[str, str, str], list[Outbox]] = {}
    for o in due[:channel.config.callback_batch * 4]:  # one callback answers one message (its transaction id)
        groups.setdefault((o.sender_uri, o.action, o.transaction_id), []).append(o)
    for (uri, action, transaction_id), batch in groups.items():
        for i in range(0, len(batch), channel.config.callback_batch):
            part = batch[i:i + channel.config.callback_batch]
            if await _post(client, channel, uri, action, [channel.due_item(o) for o in part], transaction_id):
                done = {id(o) for o in part}
                channel.outbox = [o for o in channel.outbox if id(o) not in done]
                for o in part:
                    channel.delivered(o)
                channel.callbacks_sent += 1
                delivered += len(part)
            else:
                for o in part:  # the service is away: try again a little later
                    o.due = now + 1.0
    return delivered


async def _post(client: httpx.AsyncClient, channel: Channel, uri: str, action: str,
                items: list[dict[str, Any]], transaction_id: str = "") -> bool:
    header = {"version": g2p.VERSION, "message_id": str(uuid7()), "message_ts": g2p.now_ts(), "action": action,
              "status": "succ", "total_count": len(items), "completed_count": len(items),
              "sender_id": channel.signer.sender_id, "is_msg_encrypted": False}
    response = {"transaction_id": transaction_id or str(uuid7()), "disbursements_status": items}
    message: dict[str, Any] = response if action == "on-disburse" else {
        "transaction_id": response["transaction_id"], "correlation_id": str(uuid7()),
        "txnstatus_response": {"txn_type": "on-disburse", "txn_status": response}}
    body = channel.signer.sign({"header": header, "message": message}, int(time.time()))
    try:
        r = await client.post(uri, json=body)
        return r.status_code < 300
    except httpx.HTTPError:
        return False


if __name__ == "__main__":  # `python -m disbursement.simulator --port 8112 ...`, same as `gotong cycle simulator`
    from disbursement.entrypoints.cli import simulator

    simulator()
