"""The public status check ("cekbansos"): is my household in the register, which desil, which aid when.

Two ways to ask: the village (province → regency → district → village) and a full name, or NIK and name.
The answer says only found or not, the desil and the programs received per period. "Not found" and "the name
does not match the NIK" are the same answer, so the check cannot confirm whose NIK a number is. The body is
POSTed so that no NIK or name ever sits in a URL or an access log.

Limited per client address by the kit's `SharedLimiter` (counted in the registry's PostgreSQL, so the limit holds
across replicas; the stored key is a MAC of the address under a key derived from REGISTRY_MASTER_SECRET, never
the address). The hot path and the documented route count in the same bucket. A busy address (a carrier's NAT, a
load test) is counted in blocks that each replica leases from the shared counter (`SharedLimiter`: one upsert per
block, not per request, and no row lock held across replicas while the lookup runs); a request spent from a
lease runs the plain lookup, which writes nothing.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotong.api.answers import Answer
from gotong.api.app import runtime
from gotong.api.input import text_flaw
from gotong.api.problem import problem_responses
from gotong.api.shared_limits import TAKE_SQL, SharedLimiter, client_address, shared_rate_limit
from gotong.domain.errors import ValidationFailed
from registry.adapters.crypto import KeyRing, normalise_name
from registry.adapters.status import LOOKUP, StatusCheck, StatusPool
from registry.domain.identity import check_village
from registry.entrypoints.api.deps import RegistryDep, RegistryState, registry_state

STATUS_POLICY = "status-check"
STATUS_PATH = "/public/status-check"


def limiter_secret(settings: Any) -> str:
    """What the shared limits' and the challenges' keys are derived from: the registry's master secret."""
    return str(settings.master_secret)


class StatusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=2, max_length=120, description="full name as on the KTP")]
    village_code: str | None = Field(default=None, pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$",
                                     description="Kepmendagri village code (choose province → regency → district)")
    nik: str | None = Field(default=None, pattern=r"^\d{16}$")

    @model_validator(mode="after")
    def one_way(self) -> StatusQuery:
        if (self.village_code is None) == (self.nik is None):
            raise ValueError("give either village_code or nik, with the name")
        return self


class Region(Answer):
    code: str = Field(examples=["32.04"])
    name: str = Field(examples=["KAB. BANDUNG"])


class Received(BaseModel):
    """One program in one period, as the disbursement service last reported it."""

    program: str = Field(examples=["PKH"])
    period: str = Field(examples=["2026-Q4"])
    status: str = Field(examples=["paid"], description="instructed, paid, failed, reissued or returned")
    amount: int | None = Field(default=None, description="rupiah", examples=[750000])
    receipt: str | None = Field(default=None, description="the receipt reference: GET /transparency/receipts/"
                                                          "{receipt} on the transparency portal proves the payment; "
                                                          "/verifikasi?payment={receipt} checks it in a browser")


class StatusAnswer(BaseModel):
    found: bool
    desil: int | None = None
    programs: list[Received] = []
    message: str


NOT_FOUND = StatusAnswer(found=False, message="Data tidak ditemukan. Periksa kembali nama dan wilayah/NIK, atau "
                                              "hubungi kantor desa/kelurahan untuk pendaftaran.")


def lookup_key(keyring: KeyRing, query: StatusQuery) -> tuple[bytes, bool]:
    if query.nik:
        return keyring.blind("nikname", f"{query.nik}|{normalise_name(query.name)}"), True
    return keyring.blind("name", f"{query.village_code}|{normalise_name(query.name)}"), False


#: The hot path's answers as bytes: not found is always the same; found is written as pydantic would write
#: `answer(row)` (the same members in the same order), without building the models (a third of its CPU in Python).
NOT_FOUND_JSON = NOT_FOUND.model_dump_json().encode()
_FOUND_MESSAGE = "Terdaftar di DTSEN."


def answer_json(row: Any) -> bytes:
    if row is None:
        return NOT_FOUND_JSON
    programs = []
    for item in row["programs"]:
        program, period, status, amount, receipt = item.split("|")
        programs.append({"program": program, "period": period, "status": status,
                         "amount": int(amount) if amount else None, "receipt": receipt or None})
    return orjson.dumps({"found": True, "desil": row["desil"], "programs": programs, "message": _FOUND_MESSAGE})


def answer(row: Any) -> StatusAnswer:
    if row is None:
        return NOT_FOUND  # none, or the same name twice in a village: ask for the NIK instead
    programs = []
    for item in row["programs"]:
        program, period, status, amount, receipt = item.split("|")
        programs.append(Received(program=program, period=period, status=status,
                                 amount=int(amount) if amount else None, receipt=receipt or None))
    return StatusAnswer(found=True, desil=row["desil"], programs=programs, message=_FOUND_MESSAGE)


async def check_status(request: Request, query: StatusQuery) -> StatusAnswer:
    state = registry_state(request.app)
    if query.village_code:
        check_village(query.village_code, regions=state.deps.regions)
    key, by_nik = lookup_key(state.keyring, query)
    async with runtime(request.app).database.statement() as sql:
        return answer(await StatusCheck(sql).lookup(key, by_nik))


def _shifted(sql: str, by: int) -> str:
    return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + by}", sql)


#: The hot path in one round trip when it takes cells from the shared counter: the shared limit's upsert ($1-$3,
#: one cell or a block), then the lookup ($4-$5) only if allowed (a lateral subquery gated on the decision, so a
#: refused request gets no answer from it). No household: `desil` and `programs` are NULL.
LIMITED_LOOKUP = (
    f"WITH lim AS ({TAKE_SQL.strip()})\n"
    "SELECT lim.allowed, lim.tat, lim.seen, s.desil, s.programs\n"
    f"FROM lim LEFT JOIN LATERAL (SELECT * FROM ({_shifted(LOOKUP.strip(), 3)}) l WHERE lim.allowed) s ON true")


class FastStatusCheck:
    """The same check as the documented route, without the framework's per-request machinery: the public
    check takes the traffic of a whole country (cekbansos), so its hot path is a plain ASGI endpoint on its
    own small connection pool. Anything unusual (invalid input, unknown village) goes to the documented route,
    which answers with the usual problem+json."""

    def __init__(self, app: ASGIApp, per_minute: int, holder: RegistryState | None = None,
                 route: BaseRoute | None = None) -> None:
        self.app = app
        self.limiter = SharedLimiter(STATUS_POLICY, per_minute, secret=limiter_secret)
        self.pool: StatusPool | None = None
        self.route = route
        if holder is not None:
            holder.fast_status_check = self  # so the app's lifespan can close the pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != STATUS_PATH:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more and len(body) <= 4096:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        payload = await self.reply(scope, body)
        if payload is None:
            await self.app(scope, _replay(body), send)  # the documented route explains what is wrong
            return
        scope["route"] = self.route  # the kit's metrics count it under the documented route's template
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": payload})

    async def reply(self, scope: Scope, body: bytes) -> bytes | None:
        """The 200's JSON for this request, or None when the documented route is to answer: invalid input (its
        problem+json names the field; text the input guard refuses included), an unknown village, a client
        over the limit (its 429 with Retry-After)."""
        try:
            query = StatusQuery.model_validate_json(body)
        except ValueError:
            return None
        app = scope["app"]
        state = registry_state(app)
        if query.village_code and query.village_code not in state.deps.regions.villages:
            return None
        if text_flaw(query.name):
            return None
        client = client_address(scope)
        limiter = self.limiter
        if limiter.local_refusal(client) is not None:
            return None
        if self.pool is None:
            self.pool = StatusPool(runtime(app).settings.service_database_url)
        pool = await self.pool.connections()
        key, by_nik = lookup_key(state.keyring, query)
        if limiter.from_lease(client) is not None:  # counted already, in the block this replica holds
            row = await pool.fetchrow(LOOKUP, key, by_nik)
        else:
            row = await self._counted_lookup(pool, client, runtime(app).settings, key, by_nik)
            if row is None:
                return None
            await limiter.maybe_clean(pool)
        found = row is not None and row["programs"] is not None  # the plain lookup: no row; the counted: NULLs
        return answer_json(row if found else None)

    async def _counted_lookup(self, pool: Any, client: str, settings: Any, key: bytes, by_nik: bool) -> Any:
        """The lookup in one round trip with the take of this client's next block of cells (`SharedLimiter.
        take_counted`, in the same statement): its row, or None when the shared counter refused."""
        limiter = self.limiter
        stored = limiter.stored_key(settings, client)
        cells, sent = limiter.lease_size(client), time.monotonic()
        row = await pool.fetchrow(LIMITED_LOOKUP, *limiter.params(stored, cells), key, by_nik)
        decision = limiter.decide(row, cells)
        if not decision.allowed and cells > 1:  # fewer left than a block: one cell, as for a new client
            cells, sent = 1, time.monotonic()
            row = await pool.fetchrow(LIMITED_LOOKUP, *limiter.params(stored, 1), key, by_nik)
            decision = limiter.decide(row, 1)
        limiter.record(client, cells, decision, sent)
        limiter.settle(client, decision)
        return row if decision.allowed else None

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None


def fast_reply(app: Any) -> Any:
    """For the kit's outermost fast path (`gotong.api.fast_path`): the check's `reply`, once the stack is built."""
    fast = registry_state(app).fast_status_check
    if fast is None:
        raise RuntimeError("the status check's middleware is not in the stack")
    return fast.reply


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


@contextlib.asynccontextmanager
async def fast_status_lifespan(app: Any) -> AsyncIterator[None]:
    yield
    fast = registry_state(app).fast_status_check
    if fast is not None:
        await fast.close()


def status_route(public: APIRouter) -> BaseRoute:
    """The documented `POST /public/status-check` of the public router (the hot path answers under its name)."""
    return next(r for r in public.routes if isinstance(r, APIRoute) and r.path == STATUS_PATH
                and "POST" in (r.methods or ()))


def public_router(per_minute: int) -> APIRouter:
    router = APIRouter(prefix="/public", tags=["public"])

    @router.post("/status-check", response_model=StatusAnswer, responses=problem_responses(422, 429),
                 dependencies=[shared_rate_limit(STATUS_POLICY, per_minute, secret=limiter_secret)],
                 summary="Cek status: terdaftar?, desil, bantuan yang diterima (no login)")
    async def status_check(query: StatusQuery, request: Request) -> StatusAnswer:
        return await check_status(request, query)

    @router.get("/regions/{code}", response_model=list[Region], responses=problem_responses(422),
                summary="Region choices for the form: children of a province/regency/district")
    async def region_children(code: str, state: RegistryDep) -> list[dict[str, str]]:
        depth = code.count(".") + 1 if code != "0" else 0
        if depth > 3:
            raise ValidationFailed("villages have no children", field="code")
        prefix = "" if depth == 0 else code + "."
        names = state.deps.regions.names
        return [{"code": k, "name": v} for k, v in sorted(names.items())
                if k.startswith(prefix) and k.count(".") == depth]

    return router
