"""Open data downloads (CSV and JSON) of published aggregates, and the IATI 2.03 activity file."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from canvas_projector.adapters.iati_xml import activities_xml
from canvas_projector.adapters.read_models import PaymentFigures, Replicas
from canvas_projector.application import queries
from canvas_projector.domain.figures import MIN_CELL, protect
from canvas_projector.entrypoints.api import answers as a
from canvas_projector.entrypoints.api.answers import download
from canvas_projector.entrypoints.api.deps import ReadDep
from canvas_projector.entrypoints.state import StateDep
from gotong.api.app import RuntimeDep
from gotong.api.problem import problem_responses
from gotong.domain.errors import NotFound
from gotong.reference import region_names

router = APIRouter(prefix="/opendata", tags=["open data"])


def _as(rows: list[dict[str, Any]], fmt: str, name: str) -> Response:
    if fmt == "json":
        return JSONResponse(rows)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _format(fmt: str) -> str:
    if fmt not in ("csv", "json"):
        raise NotFound("downloads come as .csv or .json", field="format")
    return fmt


@router.get("/payments-by-province.{fmt}", response_model=list[a.ProvincePayments],
            responses={**download(a.ProvincePayments, "per province"), **problem_responses(404)},
            summary="Households reached and rupiah paid per province (CSV/JSON)")
async def payments_by_province(sql: ReadDep, fmt: str) -> Response:
    names = region_names()
    groups = protect([(r["province"], r["households"], r["amount"] or 0)
                      for r in await PaymentFigures(sql).per_province()], "lainnya")
    rows = [{"province_code": code if code != "lainnya" else "", "province": names.get(code, code),
             "households": h, "amount_idr": a} for code, h, a in groups if h >= MIN_CELL]
    return _as(rows, _format(fmt), "payments-by-province")


@router.get("/csr-companies.{fmt}", response_model=list[a.CompanyCsr],
            responses={**download(a.CompanyCsr, "per company"), **problem_responses(404)},
            summary="Each company's CSR money: pledged, deposited, allocated, spent")
async def csr_companies(sql: ReadDep, fmt: str) -> Response:
    rows = await Replicas(sql).csr_companies()
    return _as(rows, _format(fmt), "csr-companies")


class XmlResponse(Response):
    media_type = "application/xml"


@router.get("/iati-activities.xml", response_class=XmlResponse, responses={200: {
    "description": "an IATI 2.03 `iati-activities` document",
    "content": {"application/xml": {"schema": {"type": "string"}}}}},
            summary="IATI 2.03 activities: programs and company CSR funds")
async def iati_activities(sql: ReadDep, state: StateDep, kit: RuntimeDep) -> Response:
    ref = state.settings.iati_reporting_org_ref
    activities = await queries.iati_activities(PaymentFigures(sql), Replicas(sql), ref)
    body = activities_xml(activities, kit.clock.now(), reporting_org=ref)
    return XmlResponse(body, headers={"Content-Disposition": 'attachment; filename="gotong-iati-activities.xml"'})
