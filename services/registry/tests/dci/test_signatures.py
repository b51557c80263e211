"""Message integrity: unsigned, tampered, foreign-key and expired messages are refused with the spec's error
codes; a replayed (sender_id, message_id) is processed once; header checks name the field."""

import asyncio
import copy
import time

from .conftest import HEALTH, OPS, SOCIAL
from .helpers import nik_query, refusal, register, search_message

SYNC = "/dci/registry/sync/search"


async def _reads(client) -> int:
    return (await client.get("/v1/audit/personal-reads", headers=OPS)).json()["total"]


async def test_unsigned_message_is_refused_with_signature_missing(client):
    [(row, _)] = await register(client, seed=51)
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)), sign=False)
    r = await client.post(SYNC, headers=SOCIAL.headers, json=body)
    assert refusal(r, 401) == {"code": "err.signature.missing", "message": "signature: the message is not signed"}
    assert await _reads(client) == 0


async def test_tampered_message_is_refused(client):
    [(row, _)] = await register(client, seed=52)
    other = next(iter(await register(client, seed=53)))[0]
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)))
    tampered = copy.deepcopy(body)
    tampered["message"]["search_request"][0]["search_criteria"]["query"]["value"] = other["members"][0]["nik"]
    r = await client.post(SYNC, headers=SOCIAL.headers, json=tampered)
    error = refusal(r, 401)
    assert error["code"] == "err.signature.invalid"
    assert "does not match" in error["message"]
    header_changed = copy.deepcopy(body)
    header_changed["header"]["total_count"] = 1  # same value, other type would not parse; change the ts instead
    header_changed["header"]["message_ts"] = "2026-11-29T09:00:00+07:00"
    r = await client.post(SYNC, headers=SOCIAL.headers, json=header_changed)
    assert r.json()["errors"][0]["code"] == "err.signature.invalid"
    assert other["members"][0]["nik"] not in r.text
    assert await _reads(client) == 0


async def test_signature_by_another_key_or_for_another_sender_is_refused(client):
    [(row, _)] = await register(client, seed=54)
    message = search_message("idtype-value", nik_query(row))
    forged = HEALTH.envelope("search", message)  # signed with kemenkes's key, sent as kemensos
    forged["header"]["sender_id"] = SOCIAL.sender_id
    r = await client.post(SYNC, headers=SOCIAL.headers, json=forged)
    assert r.status_code == 401
    assert r.json()["errors"][0]["code"] == "err.signature.invalid"
    # a valid kemenkes message sent with kemensos's token: the sender is not the token's client
    r = await client.post(SYNC, headers=SOCIAL.headers, json=HEALTH.envelope("search", message))
    assert refusal(r, 403) == {"code": "err.sender_id.invalid",
                               "message": "header.sender_id is not the sender registered for this client"}


async def test_expired_signature_is_refused(client):
    [(row, _)] = await register(client, seed=55)
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)),
                           created=int(time.time()) - 4000, ttl=300)
    r = await client.post(SYNC, headers=SOCIAL.headers, json=body)
    error = refusal(r, 401)
    assert error["code"] == "err.signature.invalid"
    assert "expired" in error["message"]
    too_long = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)), ttl=86_400)
    r = await client.post(SYNC, headers=SOCIAL.headers, json=too_long)
    assert r.status_code == 401
    assert "validity" in refusal(r, 401)["message"]


async def test_replayed_message_is_processed_once(client):
    [(row, _)] = await register(client, seed=56)
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)), message_id="m-replay-1")
    first = await client.post(SYNC, headers=SOCIAL.headers, json=body)
    assert first.status_code == 200
    correlation_id = first.json()["message"]["correlation_id"]
    again = await client.post(SYNC, headers=SOCIAL.headers, json=body)
    error = refusal(again, 409)
    header = again.json()["header"]
    assert header["status_reason_code"] == "rjct.message_id.duplicate"
    assert header["meta"] == {"correlation_id": correlation_id}  # ask txn/status with it
    assert error["code"] == "err.request.bad"
    assert error["message"].startswith("header.message_id: rjct.message_id.duplicate")
    assert row["members"][0]["nik"] not in again.text
    assert await _reads(client) == 1  # the replay read nothing
    # the same message id from another sender is another message
    other = HEALTH.envelope("search", search_message("idtype-value", nik_query(row)), message_id="m-replay-1")
    assert (await client.post(SYNC, headers=HEALTH.headers, json=other)).status_code == 200


async def test_bad_envelopes_name_the_field(client):
    body = SOCIAL.envelope("search", search_message("idtype-value", {"type": "UIN", "value": "1" * 16}))
    del body["header"]["message_id"]
    r = await client.post(SYNC, headers=SOCIAL.headers, json=body)
    error = refusal(r, 400)
    assert error["message"].startswith("header.message_id: ")
    assert error["code"] == "err.request.bad"
    wrong_action = SOCIAL.envelope("subscribe", search_message("expression", {"poverty_score": 1}))
    r = await client.post(SYNC, headers=SOCIAL.headers, json=wrong_action)
    assert refusal(r, 400)["message"].startswith("header.action: ")
    miscounted = SOCIAL.envelope("search", search_message("expression", {"poverty_score": 1}), total=3)
    r = await client.post(SYNC, headers=SOCIAL.headers, json=miscounted)
    assert "rjct.total_count.invalid" in refusal(r, 400)["message"]
    batch = search_message("expression", {"poverty_score": 1})
    batch["search_request"] = [{**batch["search_request"][0], "reference_id": f"r{i}"} for i in range(11)]
    r = await client.post(SYNC, headers=SOCIAL.headers, json=SOCIAL.envelope("search", batch))
    assert "rjct.total_count.limit_exceeded" in refusal(r, 400)["message"]
    bad_message = SOCIAL.envelope("search", {"transaction_id": "t", "search_request": [{"reference_id": "r"}]})
    r = await client.post(SYNC, headers=SOCIAL.headers, json=bad_message)
    text = refusal(r, 400)["message"]
    assert "message.search_request.0.timestamp: " in text
    assert "message.search_request.0.search_criteria: " in text
    other_receiver = SOCIAL.envelope("search", search_message("expression", {"poverty_score": 1}))
    other_receiver["header"]["receiver_id"] = "someone.else"
    r = await client.post(SYNC, headers=SOCIAL.headers, json=other_receiver)
    assert refusal(r, 400)["code"] == "err.receiver_id.invalid"
    encrypted = SOCIAL.envelope("search", search_message("expression", {"poverty_score": 1}))
    encrypted["header"]["is_msg_encrypted"] = True
    r = await client.post(SYNC, headers=SOCIAL.headers, json=encrypted)
    assert refusal(r, 400)["code"] == "err.encryption.invalid"
    r = await client.post(SYNC, headers=SOCIAL.headers, content=b"not json")
    assert refusal(r, 400)["message"].startswith("body: ")


async def test_concurrent_copies_of_a_message_are_processed_once(client):
    [(row, _)] = await register(client, seed=57)
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)), message_id="m-race")
    answers = await asyncio.gather(*(client.post(SYNC, headers=SOCIAL.headers, json=body) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409]
    assert await _reads(client) == 1
