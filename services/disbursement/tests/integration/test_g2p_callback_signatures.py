"""The payment channel's callbacks are Ed25519-signed G2P Connect messages: one signed with a trusted key, within
its `created`..`expires`, is applied once; a replay (here or on another replica), an expired one, one signed with
another key and a tampered one are refused and change nothing."""

from __future__ import annotations

import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from uuid6 import uuid7

from disbursement.adapters import channel, g2p
from disbursement.adapters.g2p_signature import Signer
from disbursement.bootstrap import create_app
from disbursement.entrypoints.state import service
from disbursement.fixtures import changed
from gotong.api.app import runtime


async def _sent_payment(env) -> tuple[str, int]:
    """One payment instructed and sent to the channel; its reference id and amount."""
    await env.households(changed("HH-SIG", 1))
    await env.cycle(until="paying")
    assert await channel.send_pending(runtime(env.app).database, service(env.app).settings, env.channel_client) == 1
    env.channel.outbox.clear()  # the channel's own report is not needed: the tests write theirs
    (row,) = await env.sql("SELECT payment_id::text || '.' || attempt AS ref, amount FROM payments")
    return row["ref"], row["amount"]


def _report(reference_id: str, amount: int, signer: Signer, *, now: int | None = None) -> dict[str, Any]:
    header = {"version": g2p.VERSION, "message_id": str(uuid7()), "message_ts": g2p.now_ts(), "action": "on-disburse",
              "status": "succ", "total_count": 1, "completed_count": 1, "sender_id": signer.sender_id}
    message = {"transaction_id": str(uuid7()), "disbursements_status": [
        {"reference_id": reference_id, "timestamp": g2p.now_ts(), "status": "succ", "amount": g2p.amount_text(amount),
         "currency_code": "IDR"}]}
    return signer.sign({"header": header, "message": message}, int(time.time()) if now is None else now)


async def _status(env) -> str:
    (row,) = await env.sql("SELECT status FROM payments")
    return str(row["status"])


def _error(r: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = r.json()["message"]["error"]
    return error


async def test_a_callback_signed_with_the_channels_key_is_accepted_and_applied(env):
    ref, amount = await _sent_payment(env)
    r = await env.client.post("/g2p/on-disburse", json=_report(ref, amount, env.channel.signer))
    assert r.status_code == 200, r.text
    assert r.json()["message"]["ack_status"] == "ACK"
    assert await _status(env) == "paid"
    # the signature is the spec's MsgSignature string
    signature = _report(ref, amount, env.channel.signer)["signature"]
    assert signature.startswith('Signature: namespace="g2p", kidId="channel.simulator|')
    assert '|ed25519", algorithm="ed25519", created="' in signature
    assert 'headers="(created) (expires) digest", signature="' in signature


async def test_a_replayed_callback_is_refused_here_and_on_another_replica(env):
    ref, amount = await _sent_payment(env)
    report = _report(ref, amount, env.channel.signer)
    assert (await env.client.post("/g2p/on-disburse", json=report)).status_code == 200
    again = await env.client.post("/g2p/on-disburse", json=report)
    assert again.status_code == 409
    assert again.json()["message"]["ack_status"] == "NACK"
    assert _error(again)["message"].startswith("rjct.message_id.duplicate")
    assert report["header"]["message_id"] in _error(again)["message"]
    # Another replica (or this one restarted) on the same database refuses it too.
    other = create_app(service(env.app).settings)
    async with other.router.lifespan_context(other), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://replica-2") as client:
        r = await client.post("/g2p/on-disburse", json=report)
    assert r.status_code == 409
    assert (await env.sql("SELECT count(*) AS n FROM g2p_callbacks"))[0]["n"] == 1
    events = await env.sql("SELECT count(*) AS n FROM events WHERE event_type = 'PaymentRecorded'")
    assert events[0]["n"] == 2  # instructed, paid: the replays recorded nothing


async def test_an_expired_callback_is_refused(env):
    ref, amount = await _sent_payment(env)
    skew = service(env.app).settings.g2p_clock_skew_s
    an_hour_ago = int(time.time()) - 3600  # valid for 300 s then: expired long before the allowed skew
    r = await env.client.post("/g2p/on-disburse", json=_report(ref, amount, env.channel.signer, now=an_hour_ago))
    assert r.status_code == 401
    assert _error(r) == {"code": "err.signature.invalid", "message": "the signature has expired"}
    future = int(time.time()) + skew + 120
    r = await env.client.post("/g2p/on-disburse", json=_report(ref, amount, env.channel.signer, now=future))
    assert r.status_code == 401
    assert _error(r)["message"] == "the signature was created in the future"
    # within the skew a slow clock is forgiven
    expired_just_now = int(time.time()) - env.channel.signer.ttl_s - skew // 2
    r = await env.client.post("/g2p/on-disburse",
                              json=_report(ref, amount, env.channel.signer, now=expired_just_now))
    assert r.status_code == 200, r.text


async def test_a_callback_signed_with_another_key_is_refused(env):
    ref, amount = await _sent_payment(env)
    stranger = Signer(Ed25519PrivateKey.generate(), env.channel.signer.sender_id)
    r = await env.client.post("/g2p/on-disburse", json=_report(ref, amount, stranger))
    assert r.status_code == 401
    assert _error(r) == {"code": "err.signature.invalid", "message": "kidId names a key that is not trusted"}
    impostor = Signer(Ed25519PrivateKey.generate(), env.channel.signer.sender_id)
    impostor.key_id = env.channel.signer.key_id  # claims the trusted key's id
    r = await env.client.post("/g2p/on-disburse", json=_report(ref, amount, impostor))
    assert r.status_code == 401
    assert _error(r)["message"] == "the signature does not match the header and message"
    tampered = _report(ref, amount, env.channel.signer)
    tampered["message"]["disbursements_status"][0]["amount"] = g2p.amount_text(amount * 10)
    r = await env.client.post("/g2p/on-disburse", json=tampered)
    assert r.status_code == 401
    assert _error(r)["message"] == "the signature does not match the header and message"
    assert await _status(env) == "instructed"
    assert (await env.sql("SELECT count(*) AS n FROM g2p_callbacks"))[0]["n"] == 0
