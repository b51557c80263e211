"""A client of the public APIs as a real one behaves: OAuth2 client-credentials tokens from the token server,
an `Idempotency-Key` on every command, and on a 5xx, a 409 "still in progress", a 429 or a connection error the
same request again with the same key after a backoff. Every acknowledged command is recorded with its answer."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from .system import System

T = TypeVar("T")
IN_PROGRESS = "https://gotong.id/problems/request-in-progress"


@dataclass
class Ack:
    """A command the system acknowledged (answered with a final status), and what it took to get there."""

    scenario: str
    kind: str  # what the command does, e.g. "register-household"
    service: str
    path: str
    key: str
    status: int
    body: Any
    attempts: int
    trouble: list[str]  # what came before the final answer: "conn", "503", "409", ...
    replayed: bool
    request: Any = None  # the JSON body sent
    as_: str = "ops-officer"
    method: str = "POST"

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Seen:
    """A 5xx answer (any: a 500 is a bug, a 503 must carry Retry-After)."""

    scenario: str
    service: str
    path: str
    status: int
    retry_after: str | None
    body: str


@dataclass
class Api:
    system: System
    scenario: str = "setup"
    acks: list[Ack] = field(default_factory=list)
    errors: list[Seen] = field(default_factory=list)
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token, renew after (monotonic)
    _http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))

    async def close(self) -> None:
        await self._http.aclose()

    async def token(self, client_id: str, *, fresh: bool = False) -> str:
        if fresh or client_id not in self._tokens or time.monotonic() > self._tokens[client_id][1]:
            secret = self.system.clients()[client_id]
            backoff = 0.2
            deadline = time.monotonic() + 120
            while True:
                try:
                    r = await self._http.post(self.system.token_url, data={"grant_type": "client_credentials"},
                                              auth=(client_id, secret))
                    if r.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"no token for {client_id} from {self.system.token_url}")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            # Renewed halfway through its life, as a client library would (a slow run outlives a token).
            self._tokens[client_id] = (r.json()["access_token"], time.monotonic() + r.json()["expires_in"] / 2)
        return self._tokens[client_id][0]

    def note(self, service: str, path: str, r: httpx.Response) -> None:
        if r.status_code >= 500:
            self.errors.append(Seen(self.scenario, service, path, r.status_code, r.headers.get("retry-after"),
                                    r.text[:300]))

    async def command(self, service: str, path: str, body: Any = None, *, kind: str, as_: str = "ops-officer",
                      key: str | None = None, method: str = "POST", timeout: float = 240.0) -> Ack:
        """Send a command until it gets a final answer (retrying with the same key); record and return it."""
        key = key or f"{kind}-{uuid.uuid4()}"
        url = self.system.url(service) + path
        trouble: list[str] = []
        backoff = 0.2
        deadline = time.monotonic() + timeout
        attempts = 0
        while True:
            attempts += 1
            headers = {"Authorization": f"Bearer {await self.token(as_)}", "Idempotency-Key": key}
            wait: float | None = None
            try:
                r = await self._http.request(method, url, json=body, headers=headers)
            except httpx.TransportError as err:
                trouble.append("conn")
                last = type(err).__name__
            else:
                self.note(service, path, r)
                last = f"{r.status_code} {r.text[:200]}"
                if r.status_code == 401:
                    trouble.append("401")
                    await self.token(as_, fresh=True)
                elif r.status_code >= 500 or r.status_code == 429 or (
                        r.status_code == 409 and r.headers.get("content-type", "").startswith("application/problem")
                        and r.json().get("type") == IN_PROGRESS):
                    trouble.append(str(r.status_code))
                    if r.headers.get("retry-after", "").isdigit():
                        wait = float(r.headers["retry-after"])
                else:
                    ack = Ack(self.scenario, kind, service, path, key, r.status_code,
                              r.json() if r.content and "json" in r.headers.get("content-type", "") else r.text,
                              attempts, trouble, r.headers.get("idempotent-replayed") == "true", body, as_, method)
                    self.acks.append(ack)
                    return ack
            if time.monotonic() > deadline:
                raise AssertionError(f"{kind} {path} not acknowledged after {timeout:.0f}s ({attempts} attempts, "
                                     f"last: {last})")
            # Backoff; a server's Retry-After is honoured up to the backoff ceiling (a client that waits 5 s
            # for each retry would stretch every outage the suite makes).
            await asyncio.sleep(min(wait if wait is not None else backoff, 2.0))
            backoff = min(backoff * 2, 2.0)

    async def replay(self, ack: Ack) -> tuple[int, Any, bool]:
        """The same request with the same key again: (status, body, whether the server said it replayed)."""
        r = await self._http.request(ack.method, self.system.url(ack.service) + ack.path, json=ack.request,
                                     headers={"Authorization": f"Bearer {await self.token(ack.as_)}",
                                              "Idempotency-Key": ack.key})
        self.note(ack.service, ack.path, r)
        body = r.json() if r.content and "json" in r.headers.get("content-type", "") else r.text
        return r.status_code, body, r.headers.get("idempotent-replayed") == "true"

    async def get(self, service: str, path: str, *, as_: str = "ops-officer", params: dict[str, Any] | None = None,
                  timeout: float = 120.0) -> Any:
        """A read, retried like a command until it answers 200 (reads during a fault may fail)."""
        url = self.system.url(service) + path
        backoff = 0.2
        deadline = time.monotonic() + timeout
        while True:
            try:
                r = await self._http.get(url, params=params,
                                         headers={"Authorization": f"Bearer {await self.token(as_)}"})
                self.note(service, path, r)
                if r.status_code == 200:
                    return r.json() if "json" in r.headers.get("content-type", "") else r.text
                if r.status_code == 401:
                    await self.token(as_, fresh=True)
                last = f"{r.status_code} {r.text[:200]}"
            except httpx.TransportError as err:
                last = type(err).__name__
            if time.monotonic() > deadline:
                raise AssertionError(f"GET {path} on {service} failed for {timeout:.0f}s (last: {last})")
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    async def channel_ledger(self) -> dict[str, Any]:
        r = await self._http.get(f"{self.system.channel_url}/ledger")
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def in_scenario(self, scenario: str) -> list[Ack]:
        return [a for a in self.acks if a.scenario == scenario]


async def gather_limited(limit: int, jobs: Iterable[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run the jobs with at most `limit` at a time (a handful of clients working side by side)."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(one(j) for j in jobs)))
