"""The console refuses to start in production without what production needs, naming each missing setting;
locally it builds with the development defaults."""

import pytest

from gotong.settings import ProductionNotReady
from ops_console.bootstrap import create_app, service
from ops_console.config import Settings


def test_production_without_oidc_settings_refuses_to_start_and_names_them():
    with pytest.raises(ProductionNotReady) as refused:
        create_app(Settings(gotong_env="production"))
    problems = "\n".join(refused.value.problems)
    for setting in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "CONSOLE_PUBLIC_URL", "REGISTRY_URL", "DISBURSEMENT_URL",
                    "CSR_LEDGER_URL", "ENTERPRISE_URL", "JWKS_URL"):
        assert setting in problems


def test_production_with_everything_set_builds():
    app = create_app(Settings(
        gotong_env="production", database_url="postgresql+asyncpg://db/x", kafka_bootstrap_servers="kafka:9092",
        jwks_url="https://id.example.go.id/jwks", jwt_issuer="https://id.example.go.id",
        jwt_audience="gotong-ops-console", oidc_issuer="https://id.example.go.id", oidc_client_id="ops-console",
        console_public_url="https://konsol.example.go.id", registry_url="http://registry:8101",
        disbursement_url="http://disbursement:8102", csr_ledger_url="http://csr-ledger:8103",
        enterprise_url="http://enterprise:8104"))
    assert app.title == "Gotong ops console"


def test_a_plain_http_public_address_is_refused_in_production():
    settings = Settings(gotong_env="production", console_public_url="http://konsol.example.go.id")
    assert any("CONSOLE_PUBLIC_URL" in p and "https://" in p for p in settings.production_problems())


def test_the_launcher_registers_the_console_as_a_browser_app():
    assert (service.name, service.port, service.sign_in) == ("ops-console", 8108, "/auth/callback")
    assert "registry.events" in service.consumes
    assert "disbursement.events" in service.consumes
