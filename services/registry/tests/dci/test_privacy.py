"""What the DCI API keeps and logs: no NIK, KK, name or address in its tables or log lines, even when a
search was made by NIK and answered with identity; old message ids are forgotten only when no replay
could still carry a valid signature."""

import logging
import time
from datetime import UTC, datetime, timedelta

from registry.dci.entrypoints.worker import forget_old_messages, purge_old_records

from .conftest import SOCIAL
from .helpers import nik_query, register, search_message


async def test_no_personal_data_in_dci_tables_or_logs(client, callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    [(row, _)] = await register(client, seed=81)
    callbacks.fail_next = 1  # one failed delivery gets logged
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)))
    assert (await client.post("/dci/registry/search", headers=SOCIAL.headers, json=body)).status_code == 200
    [answer] = await callbacks.wait_for("/social/registry/on-search")
    assert row["members"][0]["nik"] in str(answer)  # the ministry with identity scope got it
    sync = SOCIAL.envelope("search", search_message("idtype-value", {"type": "KK", "value": row["kk"]}))
    assert (await client.post("/dci/registry/sync/search", headers=SOCIAL.headers, json=sync)).status_code == 200
    async with client.app.state.engine.connect() as conn:
        rows = []
        for table in ("dci_messages", "dci_transactions", "dci_outbox", "dci_subscriptions"):
            rows += (await conn.exec_driver_sql(f"SELECT * FROM {table}")).all()
    dump = " ".join(str(r) for r in rows)
    assert "dci callback on-search" in caplog.text
    for text in (dump, caplog.text):
        assert row["kk"] not in text
        assert row["address"] not in text
        for m in row["members"]:
            assert m["nik"] not in text
            assert m["name"] not in text


async def test_old_message_ids_callbacks_and_transactions_are_forgotten_in_time(client):
    app = client.app
    ctx = app.state.dci
    settings = ctx.settings
    # The running worker purges too: hold its lock and its clock, so the count below is this test's alone.
    async with ctx.purge_lock:
        ctx.purged_at = time.monotonic()
        old = datetime.now(UTC) - timedelta(seconds=2 * (settings.dci_signature_max_ttl_s + settings.dci_clock_skew_s)
                                            + 120)
        async with app.state.engine.begin() as conn:
            for message_id, at in (("old", old), ("recent", datetime.now(UTC) - timedelta(seconds=settings.
                                                                                          dci_signature_max_ttl_s))):
                await conn.exec_driver_sql(
                    "INSERT INTO dci_messages (sender_id, message_id, action, correlation_id, digest, received_at) "
                    "VALUES ($1, $2, 'search', 'c', 'd', $3)", ("s", message_id, at))
            long_ago = datetime.now(UTC) - timedelta(days=100)
            for status in ("delivered", "pending"):
                await conn.exec_driver_sql(
                    "INSERT INTO dci_outbox (client_id, action, url, status, created_at) "
                    "VALUES ('c', 'notify', 'u', $1, $2)",
                    (status, long_ago))
            for correlation_id, at in (("old", long_ago), ("new", datetime.now(UTC))):
                await conn.exec_driver_sql(
                    "INSERT INTO dci_transactions (correlation_id, sender_id, client_id, transaction_id, action, "
                    "status, scopes, updated_at) VALUES ($1, 's', 'c', 't', 'search', 'succ', '[]', $2)",
                    (correlation_id, at))
        assert await purge_old_records(app.state.engine, settings) == 1
    async with app.state.engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO dci_messages (sender_id, message_id, action, correlation_id, digest, received_at) "
            "VALUES ('s', 'old-again', 'search', 'c', 'd', $1)", (old,))
    assert await forget_old_messages(app) == 0  # not again within ten minutes of the last purge
    async with app.state.engine.connect() as conn:
        left = (await conn.exec_driver_sql("SELECT message_id FROM dci_messages ORDER BY message_id"))\
            .scalars().all()
        callbacks = (await conn.exec_driver_sql("SELECT status FROM dci_outbox")).scalars().all()
        transactions = (await conn.exec_driver_sql("SELECT correlation_id FROM dci_transactions")).scalars().all()
    assert left == ["old-again", "recent"]
    assert callbacks == ["pending"]  # never drop what is still to be sent
    assert transactions == ["new"]
