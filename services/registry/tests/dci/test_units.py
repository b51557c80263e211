"""Pure parts of the DCI API: canonical JSON and signatures, query translation (no database)."""

import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.dci.adapters.query import QueryRejected, Sql, expression, order_by, predicates
from registry.dci.adapters.signature import (
    SignatureRejected,
    Signer,
    canonical_json,
    parse,
    thumbprint,
    verify,
)
from registry.dci.domain.schemas import SearchSort

ALL = frozenset({"dci:search", "dci:search:socioeconomic"})


def test_canonical_json_is_rfc8785():
    assert canonical_json({"b": [1.0, 2.5, True, None], "a": "é", "c": {"z": 1, "y": 1e21}}) == \
        '{"a":"é","b":[1,2.5,true,null],"c":{"y":1e+21,"z":1}}'.encode()
    assert canonical_json({"\u20ac": 1, "\r": 2}) == '{"\\r":2,"€":1}'.encode()


def test_sign_then_verify_and_every_way_to_fail():
    signer = Signer(Ed25519PrivateKey.generate(), "me")
    keys = {signer.kid: signer.key.public_key()}
    header, message = {"message_id": "1", "action": "search"}, {"a": [1, 2]}
    now = int(time.time())
    text = signer.sign(header, message, now)
    assert text.startswith('Signature: namespace="spdci", kidId="me|')
    assert verify(text, header, message, keys=keys, sender_id="me", now=now, max_ttl_s=3600, skew_s=5).key_id \
        == signer.kid
    assert signer.kid == thumbprint(signer.key.public_key())
    cases = [(None, "err.signature.missing"), ("Signature: junk", "err.signature.invalid"),
             (text.replace("ed25519", "rsa"), "err.signature.invalid"),
             (text.replace('"(created) (expires) digest"', '"digest"'), "err.signature.invalid")]
    for bad, code in cases:
        with pytest.raises(SignatureRejected) as err:
            verify(bad, header, message, keys=keys, sender_id="me", now=now, max_ttl_s=3600, skew_s=5)
        assert err.value.code == code
    with pytest.raises(SignatureRejected, match="another sender"):
        verify(text, header, message, keys=keys, sender_id="you", now=now, max_ttl_s=3600, skew_s=5)
    with pytest.raises(SignatureRejected, match="does not match"):
        verify(text, header, {"a": [1, 3]}, keys=keys, sender_id="me", now=now, max_ttl_s=3600, skew_s=5)
    with pytest.raises(SignatureRejected, match="expired"):
        verify(text, header, message, keys=keys, sender_id="me", now=now + 1000, max_ttl_s=3600, skew_s=5)
    with pytest.raises(SignatureRejected, match="future"):
        verify(text, header, message, keys=keys, sender_id="me", now=now - 1000, max_ttl_s=3600, skew_s=5)
    with pytest.raises(SignatureRejected, match="not registered"):
        verify(text, header, message, keys={}, sender_id="me", now=now, max_ttl_s=3600, skew_s=5)
    assert parse(text.replace('namespace="spdci"', 'namespace="g2p"')).namespace == "g2p"


def test_expression_translates_to_bound_sql():
    sql = Sql()
    clause = expression(sql, {"value": {"expression": {"collection": "Group", "query": {
        "$or": [{"poverty_score": {"$lte": 2}}, {"$not": {"region_code": "32"}}], "income_band": 1}}}}, ALL)
    assert clause == ("(desil <= $1 OR NOT ((province_code = $2 OR regency_code = $2 OR district_code = $2 OR "
                      "village_code = $2))) AND (attributes->>'income_band')::int = $3")
    assert sql.args == [2, "32", 1]


def test_predicates_join_left_to_right_with_each_items_condition():
    sql = Sql()
    items = [{"seq_num": 2, "expression1": {"attribute_name": "group_size", "operator": "gt", "attribute_value": 5}},
             {"seq_num": 1, "expression1": {"attribute_name": "poverty_score", "operator": "eq", "attribute_value": 1},
              "condition": "or"},
             {"seq_num": 3, "expression1": {"attribute_name": "verification", "operator": "eq",
                                            "attribute_value": "verified"},
              "condition": "not", "expression2": {"attribute_name": "has_pregnant_member", "operator": "eq",
                                                  "attribute_value": True}}]
    clause = predicates(sql, items, ALL)
    assert clause.startswith("((desil = $1 OR (SELECT count(*)")
    assert clause.endswith("AND (verification = $3 AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(members) m "
                           "WHERE (m->>'alive')::boolean AND m->>'left_on' IS NULL AND (m->>'pregnant')::boolean) "
                           "= $4))")
    assert sql.args == [1, 5, "verified", True]


@pytest.mark.parametrize(("query", "fragment"), [
    ({"shoe_size": 1}, "unknown attribute"),
    ({"poverty_score": {"$regex": "x"}}, "operator"),
    ({"poverty_score": "poor"}, "expected a int"),
    ({"village_code": {"$lt": "3"}}, "only with eq"),
    ({"poverty_score": {"$in": []}}, "list of 1..500"),
    ({"$and": []}, "non-empty list"),
    ({"income_band": 1}, "needs scope dci:search:socioeconomic"),
    ({"value": {"expression": "query { person(UIN: 1) }"}}, "textual expressions"),
    ({"expression": {"collection": "Person", "query": {"desil": 1}}}, "only Group"),
])
def test_bad_expressions_are_rejected_naming_the_place(query, fragment):
    with pytest.raises(QueryRejected) as err:
        expression(Sql(), query, frozenset({"dci:search"}))
    assert fragment in err.value.message
    assert err.value.reason == "rjct.search_criteria.invalid"
    assert err.value.field.startswith("query")


def test_too_many_conditions_and_bad_sort_are_rejected():
    with pytest.raises(QueryRejected, match="at most 50"):
        expression(Sql(), {"$or": [{"desil": i % 10 + 1} for i in range(51)]}, ALL)
    assert order_by([SearchSort(attribute_name="poverty_score", sort_order="desc")]) == \
        "desil DESC NULLS LAST, household_id"
    with pytest.raises(QueryRejected) as err:
        order_by([SearchSort(attribute_name="name")])
    assert err.value.reason == "rjct.sort.invalid"


def test_openapi_documents_every_dci_endpoint_with_its_message():
    from registry.config import Settings
    from registry.entrypoints.api.app import create_app

    doc = create_app(Settings()).openapi()
    paths = {p for p in doc["paths"] if p.startswith("/dci/")}
    assert paths == {"/dci/.well-known/jwks.json", "/dci/registry/sync/search", "/dci/registry/search",
                     "/dci/registry/sync/txn/status", "/dci/registry/txn/status", "/dci/registry/subscribe",
                     "/dci/registry/unsubscribe"}
    body = doc["paths"]["/dci/registry/subscribe"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["header"]["properties"]["action"]["enum"] == ["subscribe"]
    assert "subscribe_criteria" in body["properties"]["message"]["properties"]["subscribe_request"]["items"][
        "properties"]


def test_the_ministry_tool_makes_keys_and_signs_messages_the_registry_accepts(tmp_path):
    import json

    from click.testing import CliRunner

    from registry.dci.adapters.clients import ClientConfig, DciClient
    from registry.dci.entrypoints.tool import dci

    runner = CliRunner()
    made = runner.invoke(dci, ["keygen", "--client-id", "kemensos", "--callback-base", "https://dci.kemensos.go.id"])
    assert made.exit_code == 0, made.output
    keys = tmp_path / "keys.json"
    keys.write_text(made.output)
    entry = DciClient.from_config(ClientConfig.model_validate(json.loads(made.output)["client_entry"]))
    message = tmp_path / "message.json"
    message.write_text(json.dumps({"transaction_id": "t", "search_request": [{"reference_id": "r"}]}))
    signed = runner.invoke(dci, ["sign", "--keys", str(keys), "--action", "search", str(message)])
    assert signed.exit_code == 0, signed.output
    body = json.loads(signed.output)
    assert body["header"]["total_count"] == 1
    verify(body["signature"], body["header"], body["message"], keys=entry.keys, sender_id=entry.sender_id,
           now=int(time.time()), max_ttl_s=3600, skew_s=5)


def test_a_rejected_query_never_echoes_a_nik_it_was_given():
    with pytest.raises(QueryRejected) as err:
        expression(Sql(), {"3273010101900001": 1}, ALL)
    assert "3273010101900001" not in err.value.message
    assert "3273010101900001" not in err.value.field


def test_clients_accept_raw_pem_and_jwk_keys_and_normalise_origins(tmp_path):
    import json

    from cryptography.hazmat.primitives import serialization

    from registry.dci.adapters.clients import ClientRegistry, origin
    from registry.dci.adapters.signature import public_jwk

    key = Ed25519PrivateKey.generate().public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    listed = tmp_path / "clients.json"
    listed.write_text(json.dumps([{"client_id": "a", "keys": [{"public_key": pem}, {"key_id": "j",
                                                                                    "public_key": public_jwk(key)}],
                                   "callback_base": "https://A.example/dci/", "scopes": ["dci:search"]}]))

    class Settings:
        dci_clients = [{"client_id": "b", "sender_id": "b.go.id", "keys": [{"public_key": public_jwk(key)["x"]}]}]
        dci_clients_file = str(listed)

    clients = ClientRegistry.from_settings(Settings())
    a, b = clients.get("a"), clients.get("b")
    assert a is not None
    assert b is not None
    assert set(a.keys) == {thumbprint(key), "j"}
    assert a.callback_origins == {"https://a.example:443"}
    assert a.callback_base == "https://A.example/dci"
    assert a.effective_scopes(frozenset({"dci:search", "dci:search:identity"})) == {"dci:search"}
    assert b.effective_scopes(frozenset({"dci:search", "dci:search:identity"})) == {"dci:search",
                                                                                    "dci:search:identity"}
    assert clients.by_sender["b.go.id"] is b
    assert origin("http://[::1]:8080/x") == "http://[::1]:8080"
    with pytest.raises(ValueError, match="Ed25519"):
        ClientRegistry.from_settings(type("S", (), {"dci_clients": [{"client_id": "c", "keys": [
            {"public_key": {"kty": "RSA", "n": "x", "e": "AQAB"}}]}], "dci_clients_file": None})())
