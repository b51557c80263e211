"""Settings of the ops console, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-ops-console")
#: The owning services whose APIs the desks call (`<SERVICE>_URL`); production names each one not set.
OWNERS = ("registry", "disbursement", "csr-ledger", "enterprise", "partnership")


class Settings(KitSettings):
    service_name: str = "ops-console"
    #: The OpenID Connect provider people sign in with: its issuer (discovery at
    #: `<issuer>/.well-known/openid-configuration`); locally the kit's token server, from JWT_ISSUER.
    oidc_issuer: str | None = None
    #: The console's client at the provider (`gotong up` registers "ops-console" as a public client with PKCE).
    oidc_client_id: str = "ops-console"
    #: Only for a provider that makes the console a confidential client; PKCE is used either way.
    oidc_client_secret: str | None = None
    #: Where browsers reach the console (the redirect URI is `<this>/auth/callback`); locally the request's own.
    console_public_url: str | None = None
    #: Roles (the id_token's `roles` claim) that may use the console.
    console_roles: list[str] = ["operator", "supervisor"]
    #: A session ends after this long without a request, and never outlives the officer's access token.
    session_idle_minutes: int = 30
    #: The owning services' APIs the console calls with the officer's own token.
    registry_url: str = "http://127.0.0.1:8101"
    disbursement_url: str = "http://127.0.0.1:8102"
    csr_ledger_url: str = "http://127.0.0.1:8103"
    enterprise_url: str = "http://127.0.0.1:8104"
    partnership_url: str = "http://127.0.0.1:8105"
    owner_timeout_s: float = 15.0
    #: How often the dashboard's counters are read from the read model (changes go out by SSE).
    dashboard_refresh_s: float = 0.25
    consumers_enabled: bool = True

    @property
    def issuer(self) -> str | None:
        return self.oidc_issuer or self.jwt_issuer

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.explicitly_set("oidc_issuer"):
            problems.append("OIDC_ISSUER is not set (the OpenID Connect provider officers sign in with)")
        if not self.explicitly_set("oidc_client_id"):
            problems.append("OIDC_CLIENT_ID is not set (the console's client at the OpenID Connect provider)")
        if not self.explicitly_set("console_public_url") or not (self.console_public_url or "").startswith(
                "https://"):
            problems.append("CONSOLE_PUBLIC_URL is not set to the console's https:// address (the redirect URI)")
        for service in OWNERS:
            field = service.replace("-", "_") + "_url"
            if not self.explicitly_set(field):
                problems.append(f"{field.upper()} is not set (the {service} API the desks call)")
        return problems
