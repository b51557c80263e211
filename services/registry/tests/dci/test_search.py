"""DCI search: sync round trip signed both ways, the three query types, scopes cutting fields, pagination,
async search with its callback and txn status."""

from .conftest import HEALTH, NO_SEARCH, OPS, SOCIAL, STATS
from .helpers import nik_query, refusal, register, search_message, verified_by_jwks


async def test_sync_search_by_nik_round_trip_is_signed_and_logs_the_personal_read(client):
    [(row, out)] = await register(client)
    body = SOCIAL.envelope("search", search_message("idtype-value", nik_query(row)))
    r = await client.post("/dci/registry/sync/search", headers=SOCIAL.headers, json=body)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["header"]["action"] == "on-search"
    assert answer["header"]["status"] == "succ"
    assert answer["header"]["receiver_id"] == SOCIAL.sender_id
    message = await verified_by_jwks(client, answer)
    item = message["search_response"][0]
    assert item["reference_id"] == "ref-1"
    assert item["status"] == "succ"
    assert item["pagination"] == {"page_size": 10, "page_number": 1, "total_count": 1}
    [record] = item["data"]["reg_records"]
    assert record["group_identifier"][0] == {"@type": "Identifier", "identifier_type": "HOUSEHOLD_REF",
                                             "identifier_value": out["household_ref"]}
    assert {"identifier_type": "KK", "identifier_value": row["kk"], "@type": "Identifier"} in \
        record["group_identifier"]
    niks = {m["demographic_info"]["identifier"][0]["identifier_value"] for m in record["member_list"]}
    assert niks == {m["nik"] for m in row["members"]}
    assert {a["name"] for a in record["additional_attributes"]} >= {"income_band", "expenditure_band"}
    log = (await client.get("/v1/audit/personal-reads", headers=OPS)).json()
    assert log["total"] == 1
    assert log["items"][0]["client_id"] == "kemensos"
    assert log["items"][0]["purpose"] == "verifikasi penerima PKH"
    assert log["items"][0]["household_ref"] == out["household_ref"]


async def test_health_agency_gets_identity_but_no_income_fields(client):
    [(row, _)] = await register(client, seed=42)
    body = HEALTH.envelope("search", search_message("idtype-value", {"type": "KK", "value": row["kk"]}))
    r = await client.post("/dci/registry/sync/search", headers=HEALTH.headers, json=body)
    assert r.status_code == 200, r.text
    [record] = (await verified_by_jwks(client, r.json()))["search_response"][0]["data"]["reg_records"]
    assert "additional_attributes" not in record
    assert all("occupation" not in m for m in record["member_list"])
    text = r.text
    assert "income_band" not in text
    assert "expenditure_band" not in text
    assert record["member_list"][0]["demographic_info"]["name"]["given_name"] in {m["name"] for m in row["members"]}
    # filtering on income is refused too: it would reveal income through the answer
    query = {"value": {"expression": {"collection": "Group", "query": {"income_band": {"$le": 2}}}}}
    r = await client.post("/dci/registry/sync/search", headers=HEALTH.headers,
                          json=HEALTH.envelope("search", search_message("expression", query)))
    item = r.json()["message"]["search_response"][0]
    assert item["status"] == "rjct"
    assert item["status_reason_code"] == "rjct.search_criteria.invalid"
    assert "dci:search:socioeconomic" in item["status_reason_message"]


async def test_client_without_dci_search_scope_is_forbidden(client):
    [(row, _)] = await register(client, seed=43)
    body = NO_SEARCH.envelope("search", search_message("idtype-value", nik_query(row)))
    r = await client.post("/dci/registry/sync/search", headers=NO_SEARCH.headers, json=body)
    error = refusal(r, 403)
    assert error["code"] == "err.request.forbidden"
    assert "dci:search" in error["message"]
    assert row["members"][0]["nik"] not in r.text
    r = await client.post("/dci/registry/sync/search", json=body)
    assert refusal(r, 401)["code"] == "err.request.unauthorized"
    assert r.headers["www-authenticate"] == 'Bearer realm="gotong"'
    r = await client.post("/dci/registry/sync/search", headers={"Authorization": "Bearer not-a-jwt"}, json=body)
    assert refusal(r, 401)["code"] == "err.request.unauthorized"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


async def test_search_by_full_name_in_a_village_needs_the_identity_scope(client):
    [(row, out)] = await register(client, seed=44)
    query = {"type": "NAME", "value": {"village_code": row["village_code"], "name": row["members"][0]["name"].upper()}}
    r = await client.post("/dci/registry/sync/search", headers=HEALTH.headers,
                          json=HEALTH.envelope("search", search_message("idtype-value", query)))
    [record] = (await verified_by_jwks(client, r.json()))["search_response"][0]["data"]["reg_records"]
    assert record["group_identifier"][0]["identifier_value"] == out["household_ref"]
    r = await client.post("/dci/registry/sync/search", headers=STATS.headers,
                          json=STATS.envelope("search", search_message("idtype-value", query)))
    item = r.json()["message"]["search_response"][0]
    assert (item["status"], item["status_reason_code"]) == ("rjct", "rjct.search_criteria.invalid")
    assert "dci:search:identity" in item["status_reason_message"]
    assert row["members"][0]["name"] not in r.text
    bad = {"type": "NAME", "value": row["members"][0]["name"]}
    r = await client.post("/dci/registry/sync/search", headers=HEALTH.headers,
                          json=HEALTH.envelope("search", search_message("idtype-value", bad)))
    assert "village_code, name" in r.json()["message"]["search_response"][0]["status_reason_message"]
    assert row["members"][0]["name"] not in r.text
