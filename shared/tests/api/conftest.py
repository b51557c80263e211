"""A small app built with the kit's factory, a local signing key, and helpers to mint tokens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gotong.api.app import create_app
from gotong.api.auth import StaticKeyVerifier, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import Page, PageDep
from gotong.api.problem import problem_responses
from gotong.api.ratelimit import rate_limit
from gotong.domain.errors import InvalidTransition, ValidationFailed
from gotong.eventstore import EventData
from gotong.settings import KitSettings

ISSUER = "https://auth.test"
KEY = Ed25519PrivateKey.generate()
KID = "test-key"


def token(scopes: str = "things:write things:read", *, sub: str = "ops-1", exp: int | None = None,
          issuer: str = ISSUER, key: Ed25519PrivateKey = KEY) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "sub": sub, "iat": now, "exp": exp or now + 300, "scope": scopes}
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": KID})


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


class ThingPublic(BaseModel):
    id: UUID
    title: str
    version: int


router = APIRouter(prefix="/things")
calls = {"n": 0}


@router.post("", status_code=201, responses=problem_responses(401, 403, 409, 422),
             dependencies=[require_scopes("things:write")])
async def create_thing(body: ThingCreate, cmd: CommandDep) -> Any:
    async def run(tx: Any) -> ThingPublic:
        calls["n"] += 1
        if body.amount > 1_000_000:
            raise ValidationFailed("amount is over the limit of Rp1.000.000", field="amount")
        if body.refuse:
            raise InvalidTransition("things cannot be refused twice", field="refuse")
        sid = uuid4()
        version = await tx.append(sid, "thing", 0, [EventData("ThingCreated", body.model_dump(mode="json"),
                                                              metadata=cmd.metadata)])
        return ThingPublic(id=sid, title=body.title, version=version)

    return await cmd.execute(run, status_code=201)


@router.get("", dependencies=[require_scopes("things:read")])
async def list_things(page: PageDep) -> Page[int]:
    start = int(page.after or 0)
    items = list(range(start + 1, min(start + page.limit, 120) + 1))
    return Page(items=items, next_cursor=page.next_cursor(items[-1] if items else start, len(items)),
                limit=page.limit)


@router.get("/public", dependencies=[rate_limit("public", per_minute=6, burst=3)])
async def public(q: Annotated[str, Query(max_length=20)] = "") -> dict[str, str]:
    return {"ok": q}


def make_app(**overrides: Any) -> Any:
    settings = KitSettings(service_name="things", auth_required=True, log_json=True, **overrides)
    app = create_app(settings, title="things", routers=[router])
    app.state.token_verifier = StaticKeyVerifier({KID: KEY.public_key()}, issuer=ISSUER)
    return app


@pytest.fixture
async def app(engine):
    app = make_app()
    app.state.engine = engine
    async with app.router.lifespan_context(app):
        app.state.token_verifier = StaticKeyVerifier({KID: KEY.public_key()}, issuer=ISSUER)
        yield app


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c
