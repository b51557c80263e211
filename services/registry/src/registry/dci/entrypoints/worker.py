"""The DCI background loop (a lifespan hook): answers queued async searches, turns registry events into
`notify` callbacks, and delivers queued callbacks with retries (exponential backoff, then given up).

Every step works in its own database transaction with `FOR UPDATE SKIP LOCKED` (or an advisory lock for
the notifier), so several registry processes can run it side by side. An HTTP request wakes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from gotong.eventstore.postgres import driver_connection
from registry.application.queries import json_value
from registry.entrypoints.dci.callbacks import CallbackRefused, post
from registry.entrypoints.dci.context import Dci, dumps, now_iso
from registry.entrypoints.dci.schemas import SearchRequest, SearchResponse, SearchResponseItem
from registry.entrypoints.dci.search import overall, search, summary
from registry.entrypoints.dci.subscriptions import checkpoint, notify_batch, save_checkpoint

log = logging.getLogger("registry.dci")
BATCH = 20
NOTIFIER_LOCK = 0x6463_6E6F  # "dcno"
PURGE_EVERY_S = 600.0
NOTIFY_BATCH = 200
KEEP_CALLBACKS = timedelta(days=30)
KEEP_TRANSACTIONS = timedelta(days=90)


async def answer_searches(app: Any) -> int:
    """Answer queued async searches; one that fails is answered `rjct` instead of blocking the queue."""
    ctx: Dci = app.state.dci
    async with app.state.engine.begin() as conn:
        driver = await driver_connection(conn)
        rows = await driver.fetch("SELECT * FROM dci_transactions WHERE status = 'rcvd' AND action = 'search' "
                                  "ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED", BATCH)
        for row in rows:
            client = ctx.clients.get(row["client_id"])
            request = SearchRequest.model_validate(ctx.unseal(row["request"], "dci-request"))
            if client is None or row["callback_url"] is None:  # the client was removed since
                await driver.execute("UPDATE dci_transactions SET status = 'rjct', request = NULL, updated_at = now() "
                                     "WHERE correlation_id = $1", row["correlation_id"])
                continue
            scopes = client.effective_scopes(frozenset(json_value(row["scopes"])))
            try:
                async with driver.transaction():  # a savepoint: a failing search leaves the others be
                    response = await search(driver, ctx, request, scopes=scopes, client_id=client.client_id,
                                            correlation_id=row["correlation_id"])
            except Exception as err:
                log.warning("dci async search %s failed: %s", row["correlation_id"], type(err).__name__)
                response = failed(request, row["correlation_id"])
            state = overall(response.search_response)
            body = ctx.signed(action="on-search", receiver_id=client.sender_id, status=state,
                              total=len(response.search_response), completed=len(response.search_response),
                              message=response.model_dump(exclude_none=True))
            await ctx.enqueue(driver, client, "on-search", row["callback_url"], body, row["correlation_id"])
            await driver.execute("UPDATE dci_transactions SET status = $2, summary = $3, request = NULL, "
                                 "updated_at = now() WHERE correlation_id = $1", row["correlation_id"], state,
                                 dumps(summary(response)).decode())
        return len(rows)


def failed(request: SearchRequest, correlation_id: str) -> SearchResponse:
    return SearchResponse(transaction_id=request.transaction_id, correlation_id=correlation_id, search_response=[
        SearchResponseItem(reference_id=i.reference_id, timestamp=now_iso(), status="rjct",
                           status_reason_message="the registry could not answer this search; send it again later")
        for i in request.search_request])


async def notify(app: Any) -> int:
    """Turn the next events of the store into queued notifies; returns how many events were read."""
    ctx: Dci = app.state.dci
    async with app.state.engine.begin() as conn:
        driver = await driver_connection(conn)
        if not await driver.fetchval("SELECT pg_try_advisory_xact_lock($1)", NOTIFIER_LOCK):
            return 0
        at = await checkpoint(driver)
        active = await driver.fetchval("SELECT count(*) FROM dci_subscriptions WHERE status = 'subscribe'")
        if not active:  # nobody listens: skip ahead to the store's head
            head = await app.state.store.head()
            if head != at:
                await save_checkpoint(driver, head)
            return 0
        events = await app.state.store.read_all(at, limit=NOTIFY_BATCH)
        if not events:
            return 0
        await notify_batch(driver, ctx, events)
        await save_checkpoint(driver, events[-1].position)
        return len(events)


async def deliver(app: Any) -> int:
    """Claim due callbacks (a lease, committed), send them outside any transaction, then record each outcome."""
    ctx: Dci = app.state.dci
    settings = ctx.settings
    assert ctx.http is not None
    lease = timedelta(seconds=settings.dci_callback_timeout_s * 2 + 5)
    async with app.state.engine.begin() as conn:
        driver = await driver_connection(conn)
        rows = await driver.fetch(
            "UPDATE dci_outbox SET next_attempt_at = $2 WHERE id IN (SELECT id FROM dci_outbox WHERE status = "
            "'pending' AND next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING *",
            BATCH, datetime.now(UTC) + lease)
    for row in sorted(rows, key=lambda r: r["id"]):
        error = await _send(ctx, row)
        attempts = row["attempts"] + 1
        async with app.state.engine.begin() as conn:
            driver = await driver_connection(conn)
            if error is None:
                await driver.execute("UPDATE dci_outbox SET status = 'delivered', body = NULL, attempts = $2, "
                                     "delivered_at = now(), last_error = NULL WHERE id = $1", row["id"], attempts)
                continue
            given_up = attempts >= settings.dci_callback_max_attempts or error.startswith("refused")
            delay = min(settings.dci_worker_interval_s * 2 ** attempts, 300.0)
            await driver.execute(
                "UPDATE dci_outbox SET status = $2, body = CASE WHEN $2 = 'failed' THEN NULL ELSE body END, "
                "attempts = $3, last_error = $4, next_attempt_at = $5 WHERE id = $1", row["id"],
                "failed" if given_up else "pending", attempts, error,
                datetime.now(UTC) + timedelta(seconds=delay))
        log.warning("dci callback %s to client %s failed (attempt %d): %s", row["action"], row["client_id"],
                    attempts, error)
    return len(rows)


async def _send(ctx: Dci, row: Any) -> str | None:
    """None when the client took it (2xx); otherwise why not (no URL or personal data in the text)."""
    client = ctx.clients.get(row["client_id"])
    assert ctx.http is not None
    try:
        if client is None:
            raise CallbackRefused("the client is no longer registered")
        ctx.policy.registered(client, row["url"])
        code = await post(ctx.http, ctx.policy, row["url"], dumps(ctx.unseal(row["body"], "dci-outbox")),
                          ctx.settings.dci_callback_timeout_s)
    except CallbackRefused as err:
        return f"refused: {err}"
    except httpx.HTTPError as err:
        return type(err).__name__
    return None if 200 <= code < 300 else f"HTTP {code}"


async def forget_old_messages(app: Any) -> int:
    """At most every `PURGE_EVERY_S`: `purge_old_records`. Returns how many message ids were dropped."""
    ctx: Dci = app.state.dci
    async with ctx.purge_lock:
        if time.monotonic() - ctx.purged_at < PURGE_EVERY_S:
            return 0
        ctx.purged_at = time.monotonic()
        return await purge_old_records(app.state.engine, ctx.settings)


async def purge_old_records(engine: Any, settings: Any) -> int:
    """Received message ids are kept while a replay could still carry a valid signature, then dropped; the
    record of sent callbacks (no bodies) for `KEEP_CALLBACKS`, transactions (txn status) for `KEEP_TRANSACTIONS`.
    Returns how many message ids were dropped. Callers hold `Dci.purge_lock`."""
    keep = timedelta(seconds=2 * (settings.dci_signature_max_ttl_s + settings.dci_clock_skew_s) + 60)
    async with engine.begin() as conn:
        driver = await driver_connection(conn)
        now = datetime.now(UTC)
        status = await driver.execute("DELETE FROM dci_messages WHERE received_at < $1", now - keep)
        await driver.execute("DELETE FROM dci_outbox WHERE status <> 'pending' AND created_at < $1",
                             now - KEEP_CALLBACKS)
        await driver.execute("DELETE FROM dci_transactions WHERE status IN ('succ', 'rjct') AND updated_at < $1",
                             now - KEEP_TRANSACTIONS)
    return int(status.split()[-1])


async def run_once(app: Any) -> None:
    for step in (answer_searches, notify, deliver, forget_old_messages):
        try:
            for _ in range(20):  # catch up (a ranking run moves many households) without starving the rest
                if await step(app) < (NOTIFY_BATCH if step is notify else BATCH):
                    break
        except Exception as err:  # the database or a client may be briefly away; the next round retries
            log.warning("dci %s failed: %s", step.__name__, type(err).__name__)


@contextlib.asynccontextmanager
async def worker_lifespan(app: Any) -> AsyncIterator[None]:
    ctx: Dci = app.state.dci
    ctx.http = httpx.AsyncClient(timeout=ctx.settings.dci_callback_timeout_s, follow_redirects=False,
                                 trust_env=False)
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(ctx.wake.wait(), ctx.settings.dci_worker_interval_s)
            ctx.wake.clear()
            if not stop.is_set():
                await run_once(app)

    task = asyncio.create_task(loop(), name="dci-worker")
    try:
        yield
    finally:
        stop.set()
        ctx.wake.set()
        await task
        await ctx.http.aclose()
