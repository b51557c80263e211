"""Settings of the grievance service, from environment variables."""

from __future__ import annotations

from importlib.metadata import version

from gotong.settings import KitSettings

VERSION = version("gotong-grievance")
#: Public development secret (base64url, 32 bytes): accepted only in local mode.
DEV_MASTER_SECRET = "Z290b25nLWdyaWV2YW5jZS1kZXZlbG9wbWVudC1rZXk"


class Settings(KitSettings):
    service_name: str = "grievance"
    #: Wraps every case's data key (base64url of >= 32 bytes). Production refuses the development default.
    grievance_master_secret: str = DEV_MASTER_SECRET
    #: Public submissions and status checks per client address per minute.
    public_per_minute: int = 30
    #: How often the SLA job and the follow-up worker run.
    sla_interval_s: float = 60.0
    follow_up_interval_s: float = 5.0
    #: The owning services and the grievance service's own OAuth2 client (client credentials).
    registry_url: str = "http://127.0.0.1:8101"
    disbursement_url: str = "http://127.0.0.1:8102"
    grievance_token_url: str = ""
    grievance_client_id: str = ""
    grievance_client_secret: str = ""
    owner_timeout_s: float = 10.0

    @property
    def token_endpoint(self) -> str:
        """`GRIEVANCE_TOKEN_URL`; locally, without it, the token endpoint of the issuer (`gotong up`'s token
        server, whatever port it was given)."""
        if self.grievance_token_url or self.gotong_env != "local" or not self.jwt_issuer:
            return self.grievance_token_url
        return self.jwt_issuer.rstrip("/") + "/oauth2/token"

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.grievance_master_secret == DEV_MASTER_SECRET:
            problems.append("GRIEVANCE_MASTER_SECRET is not set (the default is a public development secret)")
        for variable, value in (("GRIEVANCE_TOKEN_URL", self.grievance_token_url),
                                ("GRIEVANCE_CLIENT_ID", self.grievance_client_id),
                                ("GRIEVANCE_CLIENT_SECRET", self.grievance_client_secret)):
            if not value:
                problems.append(f"{variable} is not set (the grievance service's own OAuth2 client, with which it "
                                "asks the registry and disbursement to act on upheld cases)")
        return problems
