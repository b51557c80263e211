"""The console refuses to start in production without what production needs, naming each missing setting;
locally it builds with the development defaults."""

import re
from pathlib import Path

import pytest

from gotong.settings import ProductionNotReady
from ops_console.bootstrap import create_app, service
from ops_console.config import OWNERS, Settings

WEB = Path(__file__).resolve().parents[1] / "src" / "ops_console" / "entrypoints" / "web"
PRODUCTION = {
    "gotong_env": "production", "database_url": "postgresql+asyncpg://db/x", "kafka_bootstrap_servers": "kafka:9092",
    "jwks_url": "https://id.example.go.id/jwks", "jwt_issuer": "https://id.example.go.id",
    "jwt_audience": "gotong-ops-console", "oidc_issuer": "https://id.example.go.id", "oidc_client_id": "ops-console",
    "console_public_url": "https://konsol.example.go.id", "registry_url": "http://registry:8101",
    "disbursement_url": "http://disbursement:8102", "csr_ledger_url": "http://csr-ledger:8103",
    "enterprise_url": "http://enterprise:8104", "partnership_url": "http://partnership:8105"}


def test_production_without_oidc_settings_refuses_to_start_and_names_them():
    with pytest.raises(ProductionNotReady) as refused:
        create_app(Settings(gotong_env="production"))
    problems = "\n".join(refused.value.problems)
    for setting in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "CONSOLE_PUBLIC_URL", "REGISTRY_URL", "DISBURSEMENT_URL",
                    "CSR_LEDGER_URL", "ENTERPRISE_URL", "PARTNERSHIP_URL", "JWKS_URL"):
        assert setting in problems


def test_production_with_everything_set_builds():
    app = create_app(Settings(**PRODUCTION))
    assert app.title == "Gotong ops console"


@pytest.mark.parametrize("service", OWNERS)
def test_production_without_one_owning_service_url_names_it_alone(service):
    field = service.replace("-", "_") + "_url"
    with pytest.raises(ProductionNotReady) as refused:
        create_app(Settings(**{k: v for k, v in PRODUCTION.items() if k != field}))
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith(f"{field.upper()} is not set")


def test_every_service_a_desk_calls_is_checked_in_production():
    called = {m for f in WEB.glob("*.py")
              for m in re.findall(r'(?:owner|act)\(request, officer, "([a-z-]+)"', f.read_text())}
    assert called == set(OWNERS)


def test_a_plain_http_public_address_is_refused_in_production():
    settings = Settings(gotong_env="production", console_public_url="http://konsol.example.go.id")
    assert any("CONSOLE_PUBLIC_URL" in p and "https://" in p for p in settings.production_problems())


def test_the_launcher_registers_the_console_as_a_browser_app():
    assert (service.name, service.port, service.sign_in) == ("ops-console", 8108, "/auth/callback")
    assert "registry.events" in service.consumes
    assert "disbursement.events" in service.consumes
