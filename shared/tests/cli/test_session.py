"""How a service's CLI finds the running system and signs in (`gotong.cli.session.service_session`)."""

import json

import click
import pytest

from gotong.cli.session import service_session


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GOTONG_THING_URL", "GOTONG_TOKEN_URL", "GOTONG_CLIENT_SECRET", "GOTONG_NO_AUTH"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_a_running_system_it_says_what_to_start_or_set(tmp_path, no_env):
    with pytest.raises(click.ClickException, match="start `gotong up` or set GOTONG_THING_URL"):
        service_session("thing", "ops-officer", str(tmp_path), url_env="GOTONG_THING_URL")


def test_a_service_run_without_auth_gets_no_token(tmp_path, no_env):
    no_env.setenv("GOTONG_NO_AUTH", "1")
    assert service_session("thing", "ops-officer", str(tmp_path), url_env="GOTONG_THING_URL",
                           no_auth_url="http://127.0.0.1:9999") == ("http://127.0.0.1:9999", {})
    no_env.setenv("GOTONG_THING_URL", "http://thing.local")
    assert service_session("thing", "x", str(tmp_path), url_env="GOTONG_THING_URL") == ("http://thing.local", {})


def test_an_unknown_demo_client_is_named(tmp_path, no_env):
    (tmp_path / "auth").mkdir()
    (tmp_path / "run.json").write_text(json.dumps({"services": {"thing": {"url": "http://127.0.0.1:1"}},
                                                   "auth": {"url": "http://127.0.0.1:2"}}))
    (tmp_path / "auth" / "clients.json").write_text(json.dumps({"clients": [
        {"client_id": "ops-officer", "client_secret": "s"}]}))
    with pytest.raises(click.ClickException, match="unknown client nobody"):
        service_session("thing", "nobody", str(tmp_path), url_env="GOTONG_THING_URL")
