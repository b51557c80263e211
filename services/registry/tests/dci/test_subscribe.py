"""Subscribe/notify: a ministry subscribes to registrations in a region, a household is registered there,
the signed notify arrives with only what the subscriber's scopes allow; unsubscribe ends it."""

from registry.synthetic import households

from .conftest import HEALTH, OPS, SOCIAL, STATS
from .helpers import verified_by_jwks


def subscribe_message(region: str, event: str = "spdci-common:RegistryEventType:REGISTER", *,
                      reference_id: str = "sub-1") -> dict:
    return {"transaction_id": "txn-sub-1", "subscribe_request": [{
        "reference_id": reference_id, "timestamp": "2026-11-29T08:00:00+07:00",
        "subscribe_criteria": {"version": "1.0.0", "reg_type": "ns:gotong:RegistryType:DTSEN",
                               "reg_event_type": event, "filter_type": "expression",
                               "filter": {"expression": {"collection": "Group", "query": {"region_code": region}}},
                               "notify_record_type": "spdci:Group",
                               "authorize": {"purpose": {"text": "pemantauan gizi ibu hamil"}}}}]}


def two_provinces() -> tuple[dict, dict]:
    rows = list(households(30, seed=71))
    first = rows[0]
    other = next(r for r in rows if r["village_code"][:2] != first["village_code"][:2])
    return first, other


def neighbour_of(first: dict) -> dict:
    """Another household of the same province as `first` (a later registration there is a barrier)."""
    return next(r for r in households(30, seed=71) if r["village_code"][:2] == first["village_code"][:2]
                and r["kk"] != first["kk"])


def notifies(callbacks, path_suffix: str = "/registry/notify") -> list[tuple[str, dict]]:
    return [(p, b) for p, b in callbacks.received if p.endswith(path_suffix)]


def notified_household(body: dict) -> str:
    record = body["message"]["notify_event"][0]["data"]["reg_records"]
    return str(record["group_identifier"][0]["identifier_value"])


async def _subscribe(client, callbacks, ministry, path: str, region: str) -> str:
    r = await client.post("/dci/registry/subscribe", headers=ministry.headers,
                          json=ministry.envelope("subscribe", subscribe_message(region)))
    assert r.status_code == 200, r.text
    assert r.json()["message"]["ack_status"] == "ACK"
    [on_subscribe] = await callbacks.wait_for(f"{path}/registry/on-subscribe")
    message = await verified_by_jwks(client, on_subscribe)
    [item] = message["subscribe_response"]
    assert item["status"] == "succ"
    [info] = item["subscriptions"]
    assert info["status"] == "subscribe"
    assert info["reg_event_type"] == "REGISTER"
    return str(info["code"])


async def test_subscribe_then_register_then_notify_with_scoped_records(client, callbacks):
    inside, outside = two_provinces()
    province = inside["village_code"][:2]
    social_code = await _subscribe(client, callbacks, SOCIAL, "/social", province)
    await _subscribe(client, callbacks, STATS, "/stats", province)
    await _subscribe(client, callbacks, HEALTH, "/health", province)
    r = await client.post("/v1/households", headers=OPS, json=outside)
    assert r.status_code == 201
    r = await client.post("/v1/households", headers=OPS, json=inside)
    assert r.status_code == 201
    ref = r.json()["household_ref"]

    [social] = await callbacks.wait_for("/social/registry/notify")
    message = await verified_by_jwks(client, social)
    assert social["header"]["action"] == "notify"
    assert social["header"]["meta"]["subscription_code"] == social_code
    [event] = message["notify_event"]
    record = event["data"]["reg_records"]
    assert event["data"]["reg_record_type"] == "spdci:Group"
    assert record["group_identifier"][0]["identifier_value"] == ref
    assert {m["demographic_info"]["identifier"][0]["identifier_value"] for m in record["member_list"]} == \
        {m["nik"] for m in inside["members"]}
    assert "additional_attributes" in record

    [stats] = await callbacks.wait_for("/stats/registry/notify")
    stats_record = (await verified_by_jwks(client, stats))["notify_event"][0]["data"]["reg_records"]
    assert stats_record["group_identifier"] == [{"@type": "Identifier", "identifier_type": "HOUSEHOLD_REF",
                                                  "identifier_value": ref}]
    text = str(stats)
    assert inside["kk"] not in text
    assert inside["address"] not in text
    for m in inside["members"]:
        assert m["nik"] not in text
        assert m["name"] not in text
    assert "income_band" not in text

    [health] = await callbacks.wait_for("/health/registry/notify")
    health_record = (await verified_by_jwks(client, health))["notify_event"][0]["data"]["reg_records"]
    assert "additional_attributes" not in health_record
    assert "income_band" not in str(health)
    # The barrier: `outside` was registered before `inside`. The notifier reads the store in commit order and
    # callbacks leave in the order they were queued, so a notify for `outside` would have reached each of the
    # three subscribers before the one for `inside` that we just waited for. None did.
    assert sorted((p, notified_household(b)) for p, b in notifies(callbacks)) == [
        ("/health/registry/notify", ref), ("/social/registry/notify", ref), ("/stats/registry/notify", ref)]
    async with client.app.state.engine.connect() as conn:
        queued = (await conn.exec_driver_sql("SELECT count(*) FROM dci_outbox WHERE action = 'notify'")).scalar_one()
    assert queued == 3, "nothing was ever queued for the household outside the region"
    reads = (await client.get("/v1/audit/personal-reads", headers=OPS)).json()
    assert {(i["client_id"], i["purpose"]) for i in reads["items"]} == {
        ("kemensos", "pemantauan gizi ibu hamil"), ("kemenkes", "pemantauan gizi ibu hamil")}


async def test_unsubscribe_stops_notify_and_is_refused_for_foreign_codes(client, callbacks):
    inside, _ = two_provinces()
    province = inside["village_code"][:2]
    code = await _subscribe(client, callbacks, SOCIAL, "/social", province)
    foreign = {"transaction_id": "txn-unsub-0", "timestamp": "2026-11-29T08:00:00+07:00",
               "subscription_codes": [code]}
    r = await client.post("/dci/registry/unsubscribe", headers=STATS.headers,
                          json=STATS.envelope("unsubscribe", foreign))
    assert r.json()["message"]["ack_status"] == "ACK"
    [refused] = await callbacks.wait_for("/stats/registry/on-unsubscribe")
    assert (await verified_by_jwks(client, refused))["status_reason_code"] == "rjct.subscription_code.invalid"

    unsub = {"transaction_id": "txn-unsub-1", "timestamp": "2026-11-29T08:00:00+07:00", "subscription_codes": [code]}
    r = await client.post("/dci/registry/unsubscribe", headers=SOCIAL.headers,
                          json=SOCIAL.envelope("unsubscribe", unsub))
    assert r.status_code == 200, r.text
    [done] = await callbacks.wait_for("/social/registry/on-unsubscribe")
    message = await verified_by_jwks(client, done)
    assert message["status"] == "succ"
    assert message["subscription_status"] == [{"code": code, "status": "unsubscribe"}]
    status = await client.post("/dci/registry/sync/txn/status", headers=SOCIAL.headers, json=SOCIAL.envelope(
        "txn-status", {"transaction_id": "t", "txnstatus_request": {
            "reference_id": "s", "txn_type": "subscribe", "attribute_type": "subscription_code_list",
            "attribute_value": [code]}}, total=1))
    [item] = status.json()["message"]["txnstatus_response"]["txn_status"]["subscribe_response"]
    assert item["subscriptions"][0]["status"] == "unsubscribe"
    await _subscribe(client, callbacks, STATS, "/stats", province)  # still subscribed: the barrier's witness
    registered = await client.post("/v1/households", headers=OPS, json=inside)
    assert registered.status_code == 201
    again = {**unsub, "transaction_id": "txn-unsub-2"}
    r = await client.post("/dci/registry/unsubscribe", headers=SOCIAL.headers,
                          json=SOCIAL.envelope("unsubscribe", again))
    [_, twice] = await callbacks.wait_for("/social/registry/on-unsubscribe", count=2)
    message = await verified_by_jwks(client, twice)
    assert (message["status"], message["status_reason_code"]) == ("rjct", "rjct.event.already_unsubscribed")
    # The barrier: a later registration in the same province, notified to the subscriber that stayed. A notify
    # of `inside` to the unsubscribed ministry would have been queued, and delivered, before it.
    later = await client.post("/v1/households", headers=OPS, json=neighbour_of(inside))
    assert later.status_code == 201
    await callbacks.wait_for("/stats/registry/notify", count=2)
    assert [notified_household(b) for _, b in notifies(callbacks)] == [
        registered.json()["household_ref"], later.json()["household_ref"]]
    assert not notifies(callbacks, "/social/registry/notify")


async def test_subscription_with_unknown_event_or_bad_filter_is_rejected(client, callbacks):
    bad_event = subscribe_message("32", event="MARRIAGE")
    r = await client.post("/dci/registry/subscribe", headers=SOCIAL.headers,
                          json=SOCIAL.envelope("subscribe", bad_event))
    assert r.status_code == 200
    [on_subscribe] = await callbacks.wait_for("/social/registry/on-subscribe")
    [item] = (await verified_by_jwks(client, on_subscribe))["subscribe_response"]
    assert item["status"] == "rjct"
    assert item["status_reason_code"] == "rjct.notify_types.invalid"
    bad_filter = subscribe_message("32", reference_id="sub-2")
    bad_filter["subscribe_request"][0]["subscribe_criteria"]["filter"] = {"shoe_size": 42}
    r = await client.post("/dci/registry/subscribe", headers=SOCIAL.headers,
                          json=SOCIAL.envelope("subscribe", bad_filter))
    [_, second] = await callbacks.wait_for("/social/registry/on-subscribe", count=2)
    [item] = (await verified_by_jwks(client, second))["subscribe_response"]
    assert item["status_reason_code"] == "rjct.notify_details.invalid"
    assert "shoe_size" in item["status_reason_message"]
    await _subscribe(client, callbacks, STATS, "/stats", "32")
    r = await client.post("/dci/registry/subscribe", headers=STATS.headers,
                          json=STATS.envelope("subscribe", subscribe_message("32")))
    [_, same] = await callbacks.wait_for("/stats/registry/on-subscribe", count=2)
    [item] = (await verified_by_jwks(client, same))["subscribe_response"]
    assert (item["status"], item["status_reason_code"]) == ("rjct", "rjct.event.already_subscribed")
    r = await client.post("/dci/registry/subscribe", headers=STATS.headers | {"Authorization": HEALTH.headers[
        "Authorization"]}, json=STATS.envelope("subscribe", subscribe_message("32")))
    assert r.status_code == 403  # kemenkes's token, bps's message


async def test_death_of_a_person_followed_by_nik_is_notified(client, callbacks):
    row = next(households(1, seed=72))
    r = await client.post("/v1/households", headers=OPS, json=row)
    assert r.status_code == 201
    out = r.json()
    message = subscribe_message("unused", event="DEATH")
    criteria = message["subscribe_request"][0]["subscribe_criteria"]
    criteria["filter_type"] = "idtype-value"
    criteria["filter"] = {"type": "UIN", "value": row["members"][0]["nik"]}
    r = await client.post("/dci/registry/subscribe", headers=HEALTH.headers, json=HEALTH.envelope("subscribe", message))
    assert r.status_code == 200, r.text
    [on_subscribe] = await callbacks.wait_for("/health/registry/on-subscribe")
    info = (await verified_by_jwks(client, on_subscribe))["subscribe_response"][0]["subscriptions"][0]
    assert info["filter"] == criteria["filter"]  # the ministry's own filter comes back to it
    async with client.app.state.engine.connect() as conn:
        stored = (await conn.exec_driver_sql("SELECT filter FROM dci_subscriptions")).scalar_one()
    assert row["members"][0]["nik"] not in stored  # kept sealed
    member = out["members"][-1]["member_ref"]
    r = await client.put(f"/v1/households/{out['household_ref']}/attributes", headers=OPS, json={"income_band": 1})
    assert r.status_code == 200, r.text  # an update, not a death: no notify for this subscription
    r = await client.post(f"/v1/households/{out['household_ref']}/members/{member}/death", headers=OPS,
                          json={"died_on": "2026-11-01"})
    assert r.status_code == 200, r.text
    [notify] = await callbacks.wait_for("/health/registry/notify")
    assert notify["header"]["meta"]["reg_event_type"] == "DEATH"
    record = (await verified_by_jwks(client, notify))["notify_event"][0]["data"]["reg_records"]
    dead = [m for m in record["member_list"] if not m["is_alive"]]
    assert [m["member_identifier"][0]["identifier_value"] for m in dead] == [member]
    assert dead[0]["death_date"] == "2026-11-01"
    # The barrier: a second death in the same household, notified after the first. A duplicate of the first
    # notify, or one for the attribute update, would have been queued before it and so have arrived by now.
    other = out["members"][-2]["member_ref"]
    r = await client.post(f"/v1/households/{out['household_ref']}/members/{other}/death", headers=OPS,
                          json={"died_on": "2026-11-02"})
    assert r.status_code == 200, r.text
    both = await callbacks.wait_for("/health/registry/notify", count=2)
    assert [b["header"]["meta"]["reg_event_type"] for b in both] == ["DEATH", "DEATH"]
    assert len(notifies(callbacks)) == 2
    second = (await verified_by_jwks(client, both[1]))["notify_event"][0]["data"]["reg_records"]
    assert {m["member_identifier"][0]["identifier_value"] for m in second["member_list"] if not m["is_alive"]} == {
        member, other}
