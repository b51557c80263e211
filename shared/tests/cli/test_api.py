"""The CLIs' API client: waits as long as the server's Retry-After says (same Idempotency-Key every time), gives
up after its attempts, and explains a refusal: the fields of a 422, the missing scope and who holds it."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import click
import httpx
import pytest

from gotong.cli.api import ApiClient, emit, explain, number, retry_after, rupiah


@pytest.fixture(autouse=True)
def served_at(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTONG_THING_URL", "http://thing.test")
    monkeypatch.setenv("GOTONG_ACCESS_TOKEN", "t0ken")


def client(handler, tmp_path, waits: list[float], **kw) -> ApiClient:
    return ApiClient("thing", as_client="ops-officer", state_dir=str(tmp_path), url_env="GOTONG_THING_URL",
                     transport=httpx.MockTransport(handler), sleep=waits.append, **kw)


def test_a_429_is_retried_after_the_servers_retry_after_with_the_same_key(tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) < 3:
            return httpx.Response(429, headers={"Retry-After": "7"}, json={"title": "Too many requests"})
        return httpx.Response(201, json={"ok": True})

    waits: list[float] = []
    assert client(handler, tmp_path, waits).call("POST", "/v1/things", {"a": 1}) == {"ok": True}
    assert waits == [7.0, 7.0]
    assert len({r.headers["Idempotency-Key"] for r in seen}) == 1  # a retry is the same command
    assert all(r.headers["Authorization"] == "Bearer t0ken" for r in seen)


def test_it_gives_up_after_its_attempts_and_says_why(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"title": "Temporarily unavailable", "detail": "database unreachable"})

    waits: list[float] = []
    with pytest.raises(click.ClickException, match="HTTP 503: database unreachable"):
        client(handler, tmp_path, waits, attempts=3, max_wait=5).call("GET", "/v1/things")
    assert waits == [1.0, 2.0]  # no Retry-After: 1 s, 2 s, … capped


def test_retry_after_reads_seconds_and_http_dates_and_caps_them():
    assert retry_after("3", default=1, cap=30) == 3
    assert retry_after("3600", default=1, cap=30) == 30
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    assert 15 <= retry_after(later, default=1, cap=30) <= 20
    assert retry_after("soon", default=4, cap=30) == 4
    assert retry_after(None, default=64, cap=30) == 30


def test_a_missing_scope_names_the_clients_that_hold_it(tmp_path):
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "clients.json").write_text(json.dumps({"clients": [
        {"client_id": "ops-officer", "scopes": ["x:read", "x:write"]},
        {"client_id": "supervisor", "scopes": ["x:read", "x:write", "x:approve"]}]}))
    problem = {"title": "Your token lacks a scope this needs", "detail": "missing scope: x:approve",
               "missing_scopes": ["x:approve"]}
    text = explain(403, problem, as_client="ops-officer", state_dir=str(tmp_path))
    assert "ops-officer lacks x:approve; act as supervisor (--as supervisor)" in text
    nobody = explain(403, {**problem, "missing_scopes": ["x:erase"]}, as_client="ops-officer",
                     state_dir=str(tmp_path))
    assert "ask an administrator" in nobody


def test_a_422_lists_each_field_and_a_self_approval_hints_at_a_second_officer(tmp_path):
    text = explain(422, {"detail": "invalid field(s): body.amount", "errors": [
        {"field": "body.amount", "message": "Input should be a valid integer"}]}, as_client="a", state_dir="x")
    assert "body.amount: Input should be a valid integer" in text
    own = explain(403, {"detail": "maker–checker: approve another officer's proposal, not your own"},
                  as_client="a", state_dir="x")
    assert "a second officer must do this" in own


def test_an_id_prefix_resolves_to_the_one_id_it_starts(tmp_path):
    ids = ["0193aa00-0000-7000-8000-000000000001", "0193aa00-0000-7000-8000-000000000002",
           "0193bb00-0000-7000-8000-000000000003"]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [{"cycle_id": i} for i in ids]})

    api = client(handler, tmp_path, [])
    assert api.resolve("0193bb", path="/v1/cycles", key="cycle_id") == ids[2]
    with pytest.raises(click.ClickException, match="ambiguous"):
        api.resolve("0193aa", path="/v1/cycles", key="cycle_id")
    with pytest.raises(click.ClickException, match="no cycle_id starts with 'ff'"):
        api.resolve("ff", path="/v1/cycles", key="cycle_id")


def test_one_output_style_numbers_in_indonesian_format(capsys):
    assert (number(1234567), rupiah(750000), number(True)) == ("1.234.567", "Rp\u00a0750.000", "True")
    emit([{"program": "PKH", "households": 1492, "total_amount": 3086755000}], as_json=False)
    out = capsys.readouterr().out
    assert "1.492" in out
    assert "3.086.755.000" in out
    emit({"households": 1492}, as_json=True)
    assert json.loads(capsys.readouterr().out) == {"households": 1492}
