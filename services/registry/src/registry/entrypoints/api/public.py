"""The public status check ("cekbansos"): is my household in the register, which desil, which aid when.

Two ways to ask: the village (province → regency → district → village) and a full name, or NIK and name.
The answer says only found or not, the desil and the programs received per period. "Not found" and "the name
does not match the NIK" are the same answer, so the check cannot confirm whose NIK a number is. The body is
POSTed so that no NIK or name ever sits in a URL or an access log. Limited per client address.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gotong.api.problem import problem_responses
from gotong.api.ratelimit import rate_limit
from gotong.domain.errors import ValidationFailed
from gotong.eventstore.postgres import driver_connection
from registry.adapters.crypto import normalise_name
from registry.domain.identity import check_village, regions


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


class StatusAnswer(BaseModel):
    found: bool
    desil: int | None = None
    programs: list[dict[str, str]] = []
    message: str


NOT_FOUND = StatusAnswer(found=False, message="Data tidak ditemukan. Periksa kembali nama dan wilayah/NIK, atau "
                                              "hubungi kantor desa/kelurahan untuk pendaftaran.")


async def check_status(request: Request, query: StatusQuery) -> StatusAnswer:
    keyring = request.app.state.registry.keyring
    if query.village_code:
        check_village(query.village_code)
    async with request.app.state.engine.connect() as conn:
        driver = await driver_connection(conn, begin=False)
        if query.nik:  # the name must be that of the member holding this NIK
            rows = await driver.fetch(
                "SELECT p.household_id FROM person_index p JOIN households h USING (household_id) "
                "WHERE p.name_check = $1 AND p.active AND h.status = 'active' LIMIT 2",
                keyring.blind("nikname", f"{query.nik}|{normalise_name(query.name)}"))
        else:
            rows = await driver.fetch(
                "SELECT n.household_id FROM name_index n JOIN households h USING (household_id) "
                "WHERE n.name_hash = $1 AND h.status = 'active' LIMIT 2",
                keyring.blind("name", f"{query.village_code}|{normalise_name(query.name)}"))
        if len({r["household_id"] for r in rows}) != 1:
            return NOT_FOUND  # none, or the same name twice in a village: ask for the NIK instead
        found = await driver.fetchrow(
            "SELECT h.desil, (SELECT coalesce(array_agg(r.program_code || '|' || r.period || '|' || r.status "
            "ORDER BY r.period DESC, r.program_code), '{}') FROM recipients r "
            "WHERE r.household_id = h.household_id) AS programs FROM households h WHERE h.household_id = $1",
            rows[0]["household_id"])
    programs = [dict(zip(("program", "period", "status"), p.split("|"), strict=True)) for p in found["programs"]]
    return StatusAnswer(found=True, desil=found["desil"], programs=programs, message="Terdaftar di DTSEN.")


def public_router(per_minute: int) -> APIRouter:
    router = APIRouter(prefix="/public", tags=["public"])

    @router.post("/status-check", response_model=StatusAnswer, responses=problem_responses(422, 429),
                 dependencies=[rate_limit("status-check", per_minute=per_minute)],
                 summary="Cek status: terdaftar?, desil, bantuan yang diterima (no login)")
    async def status_check(query: StatusQuery, request: Request) -> StatusAnswer:
        return await check_status(request, query)

    @router.get("/regions/{code}", summary="Region choices for the form: children of a province/regency/district")
    async def region_children(code: str) -> list[dict[str, str]]:
        depth = code.count(".") + 1 if code != "0" else 0
        if depth > 3:
            raise ValidationFailed("villages have no children", field="code")
        prefix = "" if depth == 0 else code + "."
        names = regions().names
        return [{"code": k, "name": v} for k, v in sorted(names.items())
                if k.startswith(prefix) and k.count(".") == depth]

    return router
