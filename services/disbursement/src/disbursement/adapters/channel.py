"""Sends payment instructions to the payment channel (G2P Connect `disburse`) and asks about payments whose
confirmation is late (`txn/status`). Runs inside the service as periodic jobs.

A payment is marked sent only after the channel acknowledged it; a crash between the two resends the same
reference ids, and a channel that honours G2P Connect (reference ids are unique) pays each only once.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import httpx
from uuid6 import uuid7

from disbursement.adapters import g2p
from gotong.adapters.sql import Database

if TYPE_CHECKING:
    from disbursement.config import Settings

log = logging.getLogger("disbursement.channel")

_PENDING = """
SELECT p.payment_id, p.payment_id::text || '.' || p.attempt AS reference_id, p.household_ref, p.amount, g.code
FROM payments p JOIN programs g ON g.program_id = p.program_id
WHERE p.sent_at IS NULL AND p.status IN ('instructed', 'reissued')
ORDER BY p.instructed_at, p.payment_id
LIMIT $1 FOR UPDATE OF p SKIP LOCKED
"""

_LATE = """
SELECT p.payment_id, p.payment_id::text || '.' || p.attempt AS reference_id FROM payments p
WHERE p.status IN ('instructed', 'reissued') AND p.sent_at < now() - make_interval(secs => $1)
  AND (p.status_checked_at IS NULL OR p.status_checked_at < now() - make_interval(secs => $1))
ORDER BY p.sent_at LIMIT $2 FOR UPDATE OF p SKIP LOCKED
"""


async def _post(client: httpx.AsyncClient, url: str, envelope: dict[str, Any]) -> bool:
    try:
        r = await client.post(url, json=envelope, timeout=10)
    except httpx.HTTPError as err:
        log.warning("payment channel unreachable: %s", type(err).__name__)
        return False
    if r.status_code >= 300:
        log.warning("payment channel refused the message: HTTP %s", r.status_code)
        return False
    ack = (r.json().get("message") or {}).get("ack_status")
    return ack in ("ACK", "NACK")


async def send_pending(database: Database, settings: Settings, client: httpx.AsyncClient) -> int:
    """One round: up to `dispatch_batch` unsent instructions in one `disburse` message. Returns how many.

    `sent_at`, `transaction_id` and `status_checked_at` are the dispatcher's bookkeeping on the payments' rows,
    not the payments' state (that is their events'): the projector keeps them while the attempt stays the same."""
    async with database.transaction() as driver:
        rows = await driver.fetch(_PENDING, settings.dispatch_batch)
        if not rows:
            return 0
        transaction_id = str(uuid7())
        items = [g2p.Disbursement(reference_id=r["reference_id"], payer_fa=g2p.PAYER_FA,
                                  payee_fa=g2p.payee_fa(r["household_ref"]), amount=g2p.amount_text(r["amount"]),
                                  note=f"Bansos {r['code']}", purpose=r["code"]) for r in rows]
        envelope = g2p.sign(g2p.disburse_envelope(
            transaction_id=transaction_id, message_id=str(uuid7()), sender_id=settings.g2p_sender_id,
            sender_uri=settings.callback_base_url.rstrip("/") + "/g2p/on-disburse", items=items),
            settings.channel_secret, settings.g2p_sender_id)
        if not await _post(client, settings.channel_url.rstrip("/") + "/disburse", envelope):
            return 0  # rolled back: the same instructions go again next round
        await driver.execute("UPDATE payments SET sent_at = now(), transaction_id = $2 "
                             "WHERE payment_id = ANY($1::uuid[])", [r["payment_id"] for r in rows], transaction_id)
    return len(rows)


async def check_late(database: Database, settings: Settings, client: httpx.AsyncClient) -> int:
    """Ask the channel (`txn/status`) about payments sent but unconfirmed for `status_check_after_s`."""
    async with database.transaction() as driver:
        rows = await driver.fetch(_LATE, settings.status_check_after_s, settings.dispatch_batch)
        if not rows:
            return 0
        envelope = g2p.sign(g2p.txn_status_envelope(
            transaction_id=str(uuid7()), message_id=str(uuid7()), sender_id=settings.g2p_sender_id,
            sender_uri=settings.callback_base_url.rstrip("/") + "/g2p/disburse/txn/on-status",
            reference_ids=[r["reference_id"] for r in rows]), settings.channel_secret, settings.g2p_sender_id)
        if not await _post(client, settings.channel_url.rstrip("/") + "/disburse/txn/status", envelope):
            return 0
        await driver.execute("UPDATE payments SET status_checked_at = now() WHERE payment_id = ANY($1::uuid[])",
                             [r["payment_id"] for r in rows])
    return len(rows)


async def dispatch(database: Database, settings: Settings, client: httpx.AsyncClient) -> None:
    """Drain what is ready to send (bounded per round), then ask about late ones."""
    for _ in range(settings.dispatch_rounds):
        if not await send_pending(database, settings, client):
            break
    await check_late(database, settings, client)
