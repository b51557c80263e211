"""The owning services' APIs, called with the grievance service's own client-credentials token.

- an upheld sanggah, or an usul about a listed household: the registry's
  `POST /v1/households/{id}/grievance-review` `{"case_ref", "reason"}` (the household enters its review queue);
- an upheld usul about a household not in the register: the registry's `POST /v1/registration-requests`
  `{"region_code", "case_ref"}` (a village officer completes it by registering the household);
- an upheld payment complaint that aid was not received: the disbursement's `POST /v1/payments/{id}/reissue`;
- an upheld payment complaint of a wrong amount: the disbursement's `POST /v1/payments/{id}/exceptions`
  `{"kind": "amount_disputed", "reference": <case id>}` (a reconciliation exception for its ops).

Every call carries an `Idempotency-Key` derived from the case and the decision, so a retry after a crash asks
once. Only the status code and the problem's `type`/`code` are kept from an answer: no body is logged or stored.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import httpx

from grievance.application.follow_up import Answer, Unreachable
from grievance.config import Settings


class ClientCredentials:
    """An OAuth2 client-credentials token, fetched when needed and reused until shortly before it expires."""

    def __init__(self, http: httpx.AsyncClient, token_url: str, client_id: str, secret: str) -> None:
        self.http, self.token_url, self.client_id, self.secret = http, token_url, client_id, secret
        self._token: str | None = None
        self._until = 0.0

    async def header(self) -> dict[str, str]:
        if self._token is None or time.monotonic() > self._until:
            r = await self.http.post(self.token_url, data={"grant_type": "client_credentials"},
                                     auth=(self.client_id, self.secret), timeout=10)
            if r.status_code != 200:
                raise Unreachable(f"token refused ({r.status_code})")
            body = r.json()
            self._token = str(body["access_token"])
            self._until = time.monotonic() + max(30.0, float(body.get("expires_in", 300)) - 30)
        return {"Authorization": f"Bearer {self._token}"}


class HttpOwners:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.token = (ClientCredentials(http, settings.token_endpoint, settings.grievance_client_id,
                                        settings.grievance_client_secret)
                      if settings.token_endpoint and settings.grievance_client_id else None)

    async def _post(self, url: str, body: dict[str, Any] | None, key: str) -> Answer:
        headers = {"Idempotency-Key": key}
        if self.token is not None:
            headers.update(await self.token.header())
        try:
            r = await self.http.post(url, json=body, headers=headers, timeout=self.settings.owner_timeout_s)
        except httpx.HTTPError as err:
            raise Unreachable(type(err).__name__) from None
        code = ""
        if r.headers.get("content-type", "").startswith("application/problem+json"):
            problem = r.json()
            code = str(problem.get("code") or problem.get("type") or "")[:80]
        return Answer(r.status_code, code)

    async def registry_review(self, household_id: UUID, case_id: UUID, reason: str, key: str) -> Answer:
        return await self._post(f"{self.settings.registry_url}/v1/households/{household_id}/grievance-review",
                                {"case_ref": str(case_id), "reason": reason}, key)

    async def registry_registration(self, region_code: str, case_id: UUID, key: str) -> Answer:
        return await self._post(f"{self.settings.registry_url}/v1/registration-requests",
                                {"region_code": region_code, "case_ref": str(case_id)}, key)

    async def disbursement_reissue(self, payment_id: UUID, key: str) -> Answer:
        return await self._post(f"{self.settings.disbursement_url}/v1/payments/{payment_id}/reissue", None, key)

    async def disbursement_exception(self, payment_id: UUID, case_id: UUID, key: str) -> Answer:
        return await self._post(f"{self.settings.disbursement_url}/v1/payments/{payment_id}/exceptions",
                                {"kind": "amount_disputed", "reference": str(case_id)}, key)
