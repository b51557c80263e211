"""Async search: ACK, then the signed answer POSTed to the client's registered callback; txn status
(sync and async); callback retries; expression and predicate queries with pagination and sorting."""

import asyncio

from sqlalchemy import text

from gotong.adapters.sql import Database
from gotong.testing.wait import eventually
from registry.dci.adapters.outbox import CallbackOutbox

from .conftest import SOCIAL, STATS
from .helpers import nik_query, rank, register, search_message, verified_by_jwks


def status_message(attribute_type: str, value, txn_type: str = "search") -> dict:
    return {"transaction_id": "txn-status-1", "txnstatus_request": {
        "reference_id": "st-1", "txn_type": txn_type, "attribute_type": attribute_type, "attribute_value": value}}


async def test_async_search_acks_then_calls_back_and_txn_status_follows(client, callbacks):
    [(row, out)] = await register(client, seed=61)
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row), transaction_id="txn-async-1"))
    r = await client.post("/dci/registry/search", headers=SOCIAL.headers, json=body)
    assert r.status_code == 200, r.text
    ack = r.json()["message"]
    assert ack["ack_status"] == "ACK"
    correlation_id = ack["correlation_id"]
    [answer] = await callbacks.wait_for("/social/registry/on-search")
    message = await verified_by_jwks(client, answer)
    assert answer["header"]["action"] == "on-search"
    assert message["correlation_id"] == correlation_id
    assert message["transaction_id"] == "txn-async-1"
    [record] = message["search_response"][0]["data"]["reg_records"]
    assert record["group_identifier"][0]["identifier_value"] == out["household_ref"]

    sync = await client.post("/dci/registry/sync/txn/status", headers=SOCIAL.headers, json=SOCIAL.envelope(
        "txn-status", status_message("transaction_id", "txn-async-1"), total=1))
    assert sync.status_code == 200, sync.text
    status = (await verified_by_jwks(client, sync.json()))["txnstatus_response"]
    assert status["txn_type"] == "search"
    assert status["txn_status"]["correlation_id"] == correlation_id
    [item] = status["txn_status"]["search_response"]
    assert item["status"] == "succ"
    assert item["pagination"]["total_count"] == 1
    assert "data" not in item  # records are delivered once, never kept
    assert row["members"][0]["nik"] not in sync.text

    by_ref = await client.post("/dci/registry/txn/status", headers=SOCIAL.headers, json=SOCIAL.envelope(
        "txn-status", status_message("reference_id_list", ["ref-1"]), total=1))
    assert by_ref.json()["message"]["ack_status"] == "ACK"
    [on_status] = await callbacks.wait_for("/social/registry/txn/on-status")
    assert (await verified_by_jwks(client, on_status))["txnstatus_response"]["txn_status"]["correlation_id"] \
        == correlation_id


async def test_txn_status_of_another_clients_transaction_is_not_found(client):
    [(row, _)] = await register(client, seed=62)
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row), transaction_id="txn-private"))
    assert (await client.post("/dci/registry/sync/search", headers=SOCIAL.headers, json=body)).status_code == 200
    r = await client.post("/dci/registry/sync/txn/status", headers=STATS.headers, json=STATS.envelope(
        "txn-status", status_message("transaction_id", "txn-private"), total=1))
    assert r.status_code == 200
    assert r.json()["header"]["status"] == "rjct"
    [item] = r.json()["message"]["txnstatus_response"]["txn_status"]["search_response"]
    assert (item["status"], item["status_reason_code"]) == ("rjct", "rjct.reference_id.invalid")


async def test_failed_callback_is_retried(client, callbacks):
    [(row, _)] = await register(client, seed=63)
    callbacks.fail_next = 2
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)))
    assert (await client.post("/dci/registry/search", headers=SOCIAL.headers, json=body)).status_code == 200
    [answer] = await callbacks.wait_for("/social/registry/on-search")
    await verified_by_jwks(client, answer)
    async def outbox_row():
        async with client.app.state.engine.connect() as conn:
            return (await conn.exec_driver_sql("SELECT status, attempts, body FROM dci_outbox")).one()

    # the server answered before the worker's transaction committed
    row = await eventually(outbox_row, lambda r: r.status != "pending", what="the callback's outcome recorded")
    assert row.status == "delivered"
    assert row.attempts == 3
    assert row.body is None  # nothing kept once delivered


async def test_expression_and_predicate_queries_page_through_the_poorest(client):
    rows = await register(client, n=12, seed=64)
    await rank(client)
    province = rows[0][0]["village_code"][:2]
    expected = await _desil_le(client, 4)
    assert 0 < len(expected) < len(rows)
    expression = {"type": "ns:org:QueryType:NoSql", "value": {"expression": {"collection": "Group", "query": {
        "$and": [{"poverty_score": {"$le": 4}}, {"group_size": {"$ge": 1}}]}}}}
    got = await _all_pages(client, STATS, "expression", expression, page_size=2)
    assert got == expected
    predicate = [{"seq_num": 1, "expression1": {"attribute_name": "poverty_score", "operator": "le",
                                                "attribute_value": 4},
                  "condition": "and", "expression2": {"attribute_name": "group_size", "operator": "ge",
                                                      "attribute_value": 1}}]
    assert await _all_pages(client, STATS, "predicate", predicate, page_size=3) == expected
    either = [{"seq_num": 1, "expression1": {"attribute_name": "poverty_score", "operator": "eq",
                                             "attribute_value": 1}, "condition": "or"},
              {"seq_num": 2, "expression1": {"attribute_name": "poverty_score", "operator": "in",
                                             "attribute_value": [9, 10]}}]
    assert await _all_pages(client, STATS, "predicate", either, page_size=50) == \
        await _desil_in(client, [1, 9, 10])
    region = {"region_code": province, "poverty_score": {"$in": list(range(1, 11))}}
    assert len(await _all_pages(client, STATS, "expression", region, page_size=50)) == \
        sum(1 for r, _ in rows if r["village_code"].startswith(province))
    # no identity scope: nothing personal in the records
    r = await client.post("/dci/registry/sync/search", headers=STATS.headers, json=STATS.envelope(
        "search", search_message("expression", {"poverty_score": {"$le": 10}}, page_size=50)))
    for row, _ in rows:
        assert row["kk"] not in r.text
        assert row["address"] not in r.text
        for m in row["members"]:
            assert m["nik"] not in r.text
            assert m["name"] not in r.text


async def _desil_le(client, n: int) -> list[str]:
    return await _desil_in(client, list(range(1, n + 1)))


async def _desil_in(client, desils: list[int]) -> list[str]:
    async with client.app.state.engine.connect() as conn:
        result = await conn.execute(text(
            "SELECT household_id::text FROM households WHERE desil = ANY(:d) ORDER BY desil, household_id"),
            {"d": desils})
        return [r[0] for r in result]


async def _all_pages(client, ministry, query_type, query, page_size: int) -> list[str]:
    refs: list[str] = []
    page = 1
    while True:
        body = ministry.envelope("search", search_message(
            query_type, query, page_size=page_size, page_number=page,
            sort=[{"attribute_name": "poverty_score", "sort_order": "asc"}]))
        r = await client.post("/dci/registry/sync/search", headers=ministry.headers, json=body)
        assert r.status_code == 200, r.text
        item = r.json()["message"]["search_response"][0]
        assert item["status"] == "succ", item
        records = item["data"]["reg_records"]
        refs += [rec["group_identifier"][0]["identifier_value"] for rec in records]
        if page * page_size >= item["pagination"]["total_count"]:
            assert len(refs) == item["pagination"]["total_count"]
            return refs
        assert len(records) == page_size
        page += 1


async def _outbox(client, timeout: float = 10.0):
    for _ in range(int(timeout / 0.05)):
        async with client.app.state.engine.connect() as conn:
            rows = (await conn.exec_driver_sql("SELECT status, attempts, body, last_error FROM dci_outbox "
                                               "ORDER BY id")).all()
        if rows and all(r.status != "pending" for r in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"callbacks still pending: {rows}")


async def test_callback_is_given_up_after_the_last_attempt(client, callbacks):
    client.app.state.dci.settings.dci_callback_max_attempts = 2
    callbacks.fail_next = 5
    body = SOCIAL.envelope("search", search_message("expression", {"poverty_score": 1}))
    assert (await client.post("/dci/registry/search", headers=SOCIAL.headers, json=body)).status_code == 200
    [row] = await _outbox(client)
    assert (row.status, row.attempts, row.body, row.last_error) == ("failed", 2, None, "HTTP 500")
    assert callbacks.fail_next == 3
    assert not callbacks.received


async def test_callback_to_a_target_refused_at_delivery_is_dropped_at_once(client, callbacks):
    """A target that became internal after acceptance (DNS changed, client re-registered) is never called."""
    dci = client.app.state.dci
    metadata = await dci.clients.get("intruder")
    async with Database(client.app.state.engine).transaction() as sql:
        await dci.enqueue(CallbackOutbox(sql), metadata, "notify",
                          "http://169.254.169.254/latest/registry/notify", {"message": {}}, "c-1")
    [row] = await _outbox(client)
    assert row.status == "failed"
    assert row.attempts == 1
    assert row.body is None
    assert row.last_error.startswith("refused: ")


async def test_async_search_with_a_bad_query_is_answered_rejected(client, callbacks):
    body = SOCIAL.envelope("search", search_message("predicate", [{"expression1": {
        "attribute_name": "poverty_score", "operator": "between", "attribute_value": [1, 4]}}],
        transaction_id="txn-bad"))
    assert (await client.post("/dci/registry/search", headers=SOCIAL.headers, json=body)).status_code == 200
    [answer] = await callbacks.wait_for("/social/registry/on-search")
    assert answer["header"]["status"] == "rjct"
    [item] = (await verified_by_jwks(client, answer))["search_response"]
    assert item["status"] == "rjct"
    assert item["status_reason_code"] == "rjct.search_criteria.invalid"
    assert "query.0.expression1.poverty_score" in item["status_reason_message"]
    status = await client.post("/dci/registry/sync/txn/status", headers=SOCIAL.headers, json=SOCIAL.envelope(
        "txn-status", status_message("transaction_id", "txn-bad")))
    assert status.json()["message"]["txnstatus_response"]["txn_status"]["search_response"][0]["status"] == "rjct"
