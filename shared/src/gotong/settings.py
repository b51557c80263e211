"""Settings every service shares, read from environment variables (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from gotong.db import sqlalchemy_url

_PLACEHOLDERS = {"changeme", "secret", "change-me", "password", ""}


class KitSettings(BaseSettings):
    """What the kit needs to run one service. Each service subclasses it with its own fields."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", env_file=None)

    service_name: str = "gotong"
    #: GOTONG_ENV: `local` (a developer's machine, `gotong up`, tests) allows development defaults; `production`
    #: (the Docker image's default) refuses to start without real secrets, keys and servers.
    gotong_env: Literal["local", "production"] = "local"
    #: Server URL; the service's own database is `database_name` on it unless the URL names one already.
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    database_name: str | None = None
    database_pool_size: int = 10
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    #: Production Kafka: turn on. Tansu's memory engine has no InitProducerId, so the embedded default is off.
    kafka_idempotent_producer: bool = False
    kafka_partitions: int = 6
    kafka_replication_factor: int = 1
    otel_exporter_otlp_endpoint: str | None = None
    otel_traces_console: bool = False
    #: URL patterns (regexes) never traced besides health, readiness and metrics, e.g. a high-volume public path.
    otel_untraced_urls: list[str] = []
    log_level: str = "INFO"
    log_json: bool = True

    relay_enabled: bool = True
    relay_batch_size: int = 1000
    relay_poll_interval_s: float = 0.05

    # API plumbing
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    auth_required: bool = True
    rate_limit_per_minute: int = 1200
    rate_limit_burst: int = 200
    max_request_bytes: int = 1_048_576
    page_size_max: int = 500
    idempotency_lease_s: float = 60.0
    #: FORWARDED_ALLOW_IPS: the proxies (comma-separated addresses, or `*`) whose X-Forwarded-For/-Proto are
    #: believed. Unset: none are, so a client's address is its connection's and a forged header buys nothing
    #: (rate limits key on it). Behind a load balancer, name the load balancer's addresses.
    forwarded_allow_ips: str | None = None

    def server_options(self) -> dict[str, object]:
        """How `gotong serve` runs uvicorn: forwarding headers only from the named proxies."""
        if self.forwarded_allow_ips:
            return {"proxy_headers": True, "forwarded_allow_ips": self.forwarded_allow_ips}
        return {"proxy_headers": False}

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_asyncpg(cls, v: str) -> str:
        return sqlalchemy_url(v)

    @property
    def service_database_url(self) -> str:
        url = make_url(self.database_url)
        name = self.database_name or f"gotong_{self.service_name.replace('-', '_')}"
        if url.database in (None, "", "postgres"):
            url = url.set(database=name)
        return url.render_as_string(hide_password=False)

    @property
    def token_audience(self) -> str:
        """The `aud` a token must carry to be accepted here: JWT_AUDIENCE, locally `gotong-<service>` by default.
        Always checked: a token minted for another application of the same identity provider is refused."""
        return self.jwt_audience or audience_of(self.service_name)

    @property
    def topic(self) -> str:
        return f"{self.service_name}.events"


    # --- production readiness -------------------------------------------------------------------------------

    def explicitly_set(self, field: str) -> bool:
        """Given by the environment or the caller, not left at its development default."""
        return field in self.model_fields_set and bool(getattr(self, field))

    def production_problems(self) -> list[str]:
        """One line per variable production needs and lacks. Services extend it with their own."""
        problems = [f"{env} is not set" for field, env in (
            ("database_url", "DATABASE_URL"), ("kafka_bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS"),
            ("jwks_url", "JWKS_URL"), ("jwt_issuer", "JWT_ISSUER"), ("jwt_audience", "JWT_AUDIENCE"))
            if not self.explicitly_set(field)]
        if not self.auth_required:
            problems.append("AUTH_REQUIRED=false is for local use only")
        return problems

    def check_production(self) -> None:
        """In production, raise ProductionNotReady listing everything missing; in local mode, nothing."""
        if self.gotong_env == "production":
            problems = self.production_problems()
            if problems:
                raise ProductionNotReady(self.service_name, problems)


def audience_of(service: str) -> str:
    """A service's token audience in a local run (the local token server issues tokens for every service's)."""
    return f"gotong-{service}"


class ProductionNotReady(RuntimeError):
    """A service was started with GOTONG_ENV=production but without what production needs."""

    def __init__(self, service: str, problems: list[str]) -> None:
        self.service = service
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{service} refuses to start in production (GOTONG_ENV=production):\n{lines}\n"
                         "Development defaults work only with GOTONG_ENV=local.")


class SecretSetting(str):
    """Marker type for secrets: refuses the usual placeholders."""


def refuse_placeholder(value: str, name: str) -> str:
    if value.strip().lower() in _PLACEHOLDERS:
        raise ValueError(f"{name} is a placeholder; set a real secret")
    return value


__all__ = ["Field", "KitSettings", "ProductionNotReady", "audience_of", "refuse_placeholder"]
