"""A small app built with the kit's factory, a local signing key, and helpers to mint tokens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import text

from gotong.api.app import create_app
from gotong.api.auth import Principal, StaticKeyVerifier, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import Page, PageDep, link_header
from gotong.api.problem import problem_responses
from gotong.api.ratelimit import rate_limit
from gotong.domain.errors import InvalidTransition, ValidationFailed
from gotong.eventstore import EventData
from gotong.settings import KitSettings

ISSUER = "https://auth.test"
KEY = Ed25519PrivateKey.generate()
KID = "test-key"
NIK = "3273014101900001"


def token(scopes: str = "things:write things:read", *, sub: str = "ops-1", exp: int | None = None,
          issuer: str = ISSUER, key: Any = KEY, kid: str = KID, algorithm: str = "EdDSA",
          **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": issuer, "sub": sub, "iat": now, "exp": exp or now + 300, "scope": scopes, **claims}
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})


def bearer(scopes: str = "things:write things:read", **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(scopes, **kw)}"}


class Member(BaseModel):
    nik: str = Field(pattern=r"^\d{16}$")
    age: int = Field(ge=0, le=130)


class ThingCreate(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    amount: int = Field(ge=0)
    members: list[Member] = []
    refuse: bool = False
    explode: bool = False
    stream: UUID | None = None


class ThingPublic(BaseModel):
    id: UUID
    title: str
    version: int


class Probe:
    """What the test routes saw, and a gate a test can hold the command at."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()


probe = Probe()
router = APIRouter(prefix="/things")
Writer = Annotated[Principal, require_scopes("things:write")]


@router.post("", status_code=201, responses=problem_responses(401, 403, 409, 422))
async def create_thing(body: ThingCreate, cmd: CommandDep, who: Writer) -> Any:
    async def run(tx: Any) -> ThingPublic:
        probe.calls += 1
        if body.amount > 1_000_000:
            raise ValidationFailed("amount is over the limit of Rp1.000.000", field="amount")
        if body.refuse:
            raise InvalidTransition("things cannot be refused twice", field="refuse")
        sid = body.stream or uuid4()
        # Expected version 0: a second create on the same stream is a ConcurrencyError.
        version = await tx.append(sid, "thing", 0, [EventData("ThingCreated", body.model_dump(mode="json"),
                                                              metadata=cmd.metadata)])
        if probe.gate is not None:
            probe.entered.set()
            await probe.gate.wait()
        if body.explode:
            raise RuntimeError(f"disk on fire while saving {NIK}")
        return ThingPublic(id=sid, title=body.title, version=version)

    return await cmd.execute(run, status_code=201)


@router.post("/strict", status_code=202)
async def strict_command(cmd: CommandDep) -> Any:
    return await cmd.execute(lambda tx: {"accepted": True}, status_code=202, require_key=True)


@router.get("", dependencies=[require_scopes("things:read")])
async def list_things(page: PageDep, request: Request, response: Response) -> Page[int]:
    start = int(page.after or 0)
    items = list(range(start + 1, min(start + page.limit, 120) + 1))
    result = Page(items=items, next_cursor=page.next_cursor(items[-1] if items else start, len(items)),
                  limit=page.limit)
    response.headers.update(link_header(request, result.next_cursor))
    return result


@router.get("/public", dependencies=[rate_limit("public", per_minute=6, burst=3)])
async def public(q: Annotated[str, Query(max_length=20)] = "") -> dict[str, str]:
    return {"ok": q}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError(f"lookup failed for {{'nik': '{NIK}', 'nama': 'Siti Aminah'}}")


def make_app(**overrides: Any) -> FastAPI:
    settings = KitSettings(**{"service_name": "things", "auth_required": True, "log_json": True, **overrides})
    return create_app(settings, title="things", routers=[router])


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def app(engine, settings_overrides) -> AsyncIterator[FastAPI]:
    probe.__init__()  # type: ignore[misc]
    app = make_app(**settings_overrides)
    app.state.engine = engine  # the factory keeps an engine that is already there
    app.state.token_verifier = StaticKeyVerifier({KID: KEY.public_key()}, issuer=ISSUER)
    async with app.router.lifespan_context(app):
        yield app
    assert app.state.engine is engine, "an engine the test handed in is not the app's to dispose"


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def count_events(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM events"))).scalar_one()

