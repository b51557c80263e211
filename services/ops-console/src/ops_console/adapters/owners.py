"""The owning services' APIs, called with the signed-in officer's own token: the console decides nothing, it
asks the service that owns the rule and shows its answer (a refusal carries the service's problem+json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class OwnerRefused(Exception):
    """The owning service said no (4xx), or could not be asked (status 503, `unreachable`)."""

    service: str
    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        errors = self.problem.get("errors") or []
        fields = "; ".join(f"{e.get('field')}: {e.get('detail')}" for e in errors if isinstance(e, dict))
        detail = str(self.problem.get("detail") or self.problem.get("title") or "")
        return f"{detail} ({fields})" if fields and fields not in detail else detail

    @property
    def code(self) -> str:
        return str(self.problem.get("type", "")).rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return f"{self.service} answered {self.status}: {self.detail}"


class Owner:
    def __init__(self, service: str, base_url: str, token: str, http: httpx.AsyncClient) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.http = http

    async def _send(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                    body: Any = None, idempotency_key: str | None = None) -> Any:
        headers = dict(self.headers)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            r = await self.http.request(method, f"{self.base_url}{path}", params=clean, json=body, headers=headers)
        except httpx.HTTPError as err:
            raise OwnerRefused(self.service, 503, {"title": "unreachable", "detail": f"{self.service} is unreachable "
                                                  f"({type(err).__name__})"}) from None
        if r.status_code >= 400:
            try:
                problem = r.json()
            except ValueError:
                problem = {"title": r.reason_phrase}
            raise OwnerRefused(self.service, r.status_code, problem if isinstance(problem, dict) else {})
        return r.json() if r.content else None

    async def get(self, path: str, **params: Any) -> Any:
        return await self._send("GET", path, params=params)

    async def post(self, path: str, body: Any = None, *, idempotency_key: str, **params: Any) -> Any:
        return await self._send("POST", path, params=params, body=body if body is not None else {},
                                idempotency_key=idempotency_key)
