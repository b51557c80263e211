"""The DCI background jobs: answer queued async searches, turn registry events into `notify` callbacks, deliver
queued callbacks with retries (exponential backoff, then given up; a revoked client's at once, with the reason),
and forget old records.

Every job works in its own transaction with `FOR UPDATE SKIP LOCKED` (or a lock for the notifier), so several
registry processes can run them side by side. Each returns how much it did (a full batch: run it again).
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import UTC, datetime, timedelta

from gotong.application.uow import UnitOfWorkFactory
from gotong.messaging.follower import StoreFollower
from registry.config import Settings
from registry.dci.adapters.households import DciHouseholds
from registry.dci.adapters.messages import DciMessages
from registry.dci.adapters.outbox import CallbackOutbox
from registry.dci.adapters.subscriptions import DciSubscriptions, NotifierCheckpoint
from registry.dci.adapters.transactions import DciTransactions
from registry.dci.application.context import Dci, dumps
from registry.dci.application.search import failed, search
from registry.dci.application.subscriptions import notify_batch
from registry.dci.domain.schemas import SearchRequest
from registry.dci.domain.search import overall, summary

log = logging.getLogger("registry.dci")
BATCH = 20
PURGE_EVERY_S = 600.0
NOTIFY_BATCH = 200
KEEP_CALLBACKS = timedelta(days=30)
KEEP_TRANSACTIONS = timedelta(days=90)


async def answer_searches(units: UnitOfWorkFactory, ctx: Dci) -> int:
    """Answer queued async searches; one that fails is answered `rjct` instead of blocking the queue."""
    async with units.begin() as uow:
        queue = uow.adapter(DciTransactions)
        rows = await queue.claim_searches(BATCH)
        for row in rows:
            client = await ctx.clients.fresh(row["client_id"])
            request = SearchRequest.model_validate(ctx.unseal(row["request"], "dci-request"))
            if client is None or client.revoked or row["callback_url"] is None:  # revoked since it asked
                await queue.reject(row["correlation_id"])
                continue
            if row["encrypted"] and client.encryption_key is None:  # asked encrypted: never answered in clear
                log.warning("dci async search %s rejected: client %s has no encryption key any more",
                            row["correlation_id"], client.client_id)
                await queue.reject(row["correlation_id"])
                continue
            scopes = client.effective_scopes(frozenset(row["scopes"]))
            try:
                async with uow.adapter(DciHouseholds).isolated():  # a failing search leaves the others be
                    response = await search(uow, ctx, request, scopes=scopes, client_id=client.client_id,
                                            correlation_id=row["correlation_id"])
            except Exception as err:
                log.warning("dci async search %s failed: %s", row["correlation_id"], type(err).__name__)
                response = failed(request, row["correlation_id"])
            state = overall(response.search_response)
            body = ctx.signed(action="on-search", receiver_id=client.sender_id, status=state,
                              total=len(response.search_response), completed=len(response.search_response),
                              message=response.model_dump(exclude_none=True),
                              encrypt_to=client if row["encrypted"] else None)
            await ctx.enqueue(uow.adapter(CallbackOutbox), client, "on-search", row["callback_url"], body,
                              row["correlation_id"])
            await queue.answered(row["correlation_id"], state, summary(response))
        return len(rows)


async def notify(units: UnitOfWorkFactory, ctx: Dci, follower: StoreFollower) -> int:
    """Turn the next events of the store into queued notifies; returns how many events were read. The checkpoint
    moves in the transaction that queued the notifies."""
    async with units.begin() as uow:
        subscriptions = uow.adapter(DciSubscriptions)
        if not await subscriptions.lock_notifier():
            return 0
        checkpoint = uow.adapter(NotifierCheckpoint)
        at = await follower.resume(checkpoint)
        if not await subscriptions.any_active():  # nobody listens: skip ahead to the store's head
            head = await follower.head()
            if head != at:
                await follower.advance(checkpoint, head)
            return 0
        events = await follower.read(limit=NOTIFY_BATCH)
        if not events:
            return 0
        await notify_batch(uow, ctx, events)
        await follower.advance(checkpoint, events[-1].position)
        return len(events)


def _body(ctx: Dci, sealed: str) -> bytes:
    return dumps(ctx.unseal(sealed, "dci-outbox"))


async def deliver(units: UnitOfWorkFactory, ctx: Dci) -> int:
    """Claim due callbacks (a lease, committed), send them outside any transaction, then record each outcome."""
    settings = ctx.settings
    assert ctx.sender.started, "the worker starts the callback sender"
    lease = timedelta(seconds=settings.dci_callback_timeout_s * 2 + 5)
    async with units.begin() as uow:
        rows = await uow.adapter(CallbackOutbox).claim(BATCH, datetime.now(UTC) + lease)
    for row in sorted(rows, key=lambda r: r["id"]):
        # read from the table, not this instance's cache: another instance may have registered the client
        client = await ctx.clients.fresh(row["client_id"])
        stop = False
        if client is None:  # not (yet) in the table this instance reads: retried with backoff, never dropped
            error: str | None = "the client is not in dci_clients (yet); retried"
        elif client.revoked:  # the one reason to stop calling a client back, and it is recorded
            error, stop = f"client revoked: {client.revoked}"[:500], True
        else:
            error = await ctx.sender.send(client, row["url"], functools.partial(_body, ctx, row["body"]),
                                          settings.dci_callback_timeout_s)
        attempts = row["attempts"] + 1
        async with units.begin() as uow:
            outbox = uow.adapter(CallbackOutbox)
            if error is None:
                await outbox.delivered(row["id"], attempts)
                continue
            given_up = stop or attempts >= settings.dci_callback_max_attempts or error.startswith("refused")
            delay = min(settings.dci_worker_interval_s * 2 ** attempts, 300.0)
            await outbox.attempted(row["id"], given_up=given_up, attempts=attempts, error=error,
                                   next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay))
        log.warning("dci callback %s to client %s failed (attempt %d): %s", row["action"], row["client_id"],
                    attempts, error)
    return len(rows)


async def forget_old_messages(units: UnitOfWorkFactory, ctx: Dci) -> int:
    """At most every `PURGE_EVERY_S`: `purge`. Returns how many message ids were dropped."""
    async with ctx.purge_lock:
        if time.monotonic() - ctx.purged_at < PURGE_EVERY_S:
            return 0
        ctx.purged_at = time.monotonic()
        return await purge(units, ctx.settings)


async def purge(units: UnitOfWorkFactory, settings: Settings) -> int:
    """Received message ids are kept while a replay could still carry a valid signature, then dropped; the
    record of sent callbacks (no bodies) for `KEEP_CALLBACKS`, transactions (txn status) for `KEEP_TRANSACTIONS`.
    Returns how many message ids were dropped. Callers hold `Dci.purge_lock`."""
    keep = timedelta(seconds=2 * (settings.dci_signature_max_ttl_s + settings.dci_clock_skew_s) + 60)
    async with units.begin() as uow:
        now = datetime.now(UTC)
        dropped = await uow.adapter(DciMessages).forget(now - keep)
        await uow.adapter(CallbackOutbox).forget(now - KEEP_CALLBACKS)
        await uow.adapter(DciTransactions).forget(now - KEEP_TRANSACTIONS)
    return dropped
