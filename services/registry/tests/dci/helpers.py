"""Shared steps of the DCI tests: register households, build search messages, check the registry's signature
with nothing but the published JWKS."""

from __future__ import annotations

import time
from typing import Any

import httpx

from registry.dci.adapters.signature import load_public_key, verify
from registry.synthetic import households

from .conftest import OPS, REGISTRY_ID, token

SUPERVISOR = token("supervisor-1", "registry:read registry:approve")


async def register(client: httpx.AsyncClient, n: int = 1,
                   seed: int = 41) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for row in households(n, seed=seed):
        r = await client.post("/v1/households", headers=OPS, json=row)
        assert r.status_code == 201, r.text
        out.append((row, r.json()))
    return out


async def rank(client: httpx.AsyncClient) -> None:
    """Propose a ranking run as the officer and approve it as a supervisor (four eyes): the ranking is applied."""
    r = await client.post("/v1/rankings", headers=OPS | {"Idempotency-Key": f"rank-{time.time_ns()}"})
    assert r.status_code == 202, r.text
    r = await client.post(f"/v1/rankings/{r.json()['run_id']}/approve",
                          headers=SUPERVISOR | {"Idempotency-Key": f"approve-{time.time_ns()}"})
    assert r.status_code == 200, r.text


def search_message(query_type: str, query: Any, *, reference_id: str = "ref-1", page_size: int = 10,
                   page_number: int = 1, purpose: str | None = "verifikasi penerima PKH", sort: Any = None,
                   transaction_id: str = "txn-1") -> dict[str, Any]:
    criteria: dict[str, Any] = {"version": "1.0.0", "reg_type": "ns:gotong:RegistryType:DTSEN",
                                "query_type": query_type, "query": query,
                                "pagination": {"page_size": page_size, "page_number": page_number}}
    if purpose:
        criteria["consent"] = {"@type": "Consent", "purpose": {"text": purpose}}
    if sort:
        criteria["sort"] = sort
    return {"transaction_id": transaction_id, "search_request": [
        {"reference_id": reference_id, "timestamp": "2026-11-29T08:00:00+07:00", "search_criteria": criteria}]}


async def verified_by_jwks(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """Verify a message the registry signed, using only its JWKS endpoint; returns the message."""
    jwks = (await client.get("/dci/.well-known/jwks.json")).json()
    signing = [k for k in jwks["keys"] if k["use"] == "sig"]  # beside it, the encryption key (`use: enc`)
    keys = {k["kid"]: load_public_key(k) for k in signing}
    assert signing
    assert all(k["alg"] == "EdDSA" and k["kty"] == "OKP" for k in signing)
    assert all(k["use"] in ("sig", "enc") for k in jwks["keys"])
    verify(body["signature"], body["header"], body["message"], keys=keys, sender_id=REGISTRY_ID,
           now=int(time.time()), max_ttl_s=3600, skew_s=5)
    return body["message"]  # type: ignore[no-any-return]


def refusal(r: httpx.Response, status: int) -> dict[str, str]:
    """A refusal as the DCI YAML declares it (`application/json`; 401/403/5xx: `{"errors": [...]}`, anything
    else the acknowledgement `{"message": {"ack_status": "ERR", "error": ...}}`, or on a sync path the answer's
    header with `status: rjct`); returns the (first) error's code and message."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json", r.headers["content-type"]
    body = r.json()
    if status in (401, 403) or status >= 500:
        assert set(body) == {"errors"}, body
        return body["errors"][0]  # type: ignore[no-any-return]
    if "header" in body:  # a sync path: the answer's header rejects the message
        assert set(body) == {"header"}, body
        assert body["header"]["status"] == "rjct"
        code, _, text = body["header"]["status_reason_message"].partition(": ")
        return {"code": code, "message": text}
    assert set(body) == {"message"}, body
    assert body["message"]["ack_status"] in ("ERR", "NACK")
    assert body["message"]["correlation_id"]
    return body["message"]["error"]  # type: ignore[no-any-return]


def nik_query(row: dict[str, Any], member: int = 0, kind: str = "UIN") -> dict[str, Any]:
    return {"type": kind, "value": row["members"][member]["nik"]}
