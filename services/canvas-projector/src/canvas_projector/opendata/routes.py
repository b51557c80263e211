"""Open data downloads (CSV and JSON) of published aggregates, and the IATI 2.03 activity file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from canvas_projector.opendata import iati
from canvas_projector.portal.routes import MIN_CELL, protect
from gotong.eventstore.postgres import driver_connection
from gotong.reference import region_names

router = APIRouter(prefix="/opendata", tags=["open data"])

_BY_PROVINCE = """
WITH r AS (SELECT convert_from(leaf, 'UTF8')::jsonb AS r FROM tlog_leaves),
net AS (SELECT split_part(r->>'region_code', '.', 1) AS province, r->>'household_ref' AS hh,
               sum(CASE r->>'status' WHEN 'paid' THEN (r->>'amount')::bigint
                                     WHEN 'returned' THEN -(r->>'amount')::bigint ELSE 0 END) AS amount
        FROM r GROUP BY 1, 2)
SELECT province, count(*) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount FROM net GROUP BY 1
"""

_BY_PROGRAM_PERIOD = """
WITH r AS (SELECT convert_from(leaf, 'UTF8')::jsonb AS r FROM tlog_leaves)
SELECT r->>'program_code' AS code, r->>'period' AS period, max((r->>'occurred_at')::timestamptz) AS last_at,
       min((r->>'occurred_at')::timestamptz) AS first_at,
       sum(CASE r->>'status' WHEN 'paid' THEN (r->>'amount')::bigint
                             WHEN 'returned' THEN -(r->>'amount')::bigint ELSE 0 END)::bigint AS amount
FROM r GROUP BY 1, 2 ORDER BY 1, 2
"""


async def _fetch(request: Request, sql: str) -> list[dict[str, Any]]:
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        rows = [dict(r) for r in await d.fetch(sql)]
        await conn.rollback()
    return rows


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


@router.get("/payments-by-province.{fmt}", summary="Households reached and rupiah paid per province (CSV/JSON)")
async def payments_by_province(request: Request, fmt: str) -> Response:
    names = region_names()
    groups = protect([(r["province"], r["households"], r["amount"] or 0)
                      for r in await _fetch(request, _BY_PROVINCE)], "lainnya")
    rows = [{"province_code": code if code != "lainnya" else "", "province": names.get(code, code),
             "households": h, "amount_idr": a} for code, h, a in groups if h >= MIN_CELL]
    return _as(rows, _format(fmt), "payments-by-province")


@router.get("/csr-companies.{fmt}", summary="Each company's CSR money: pledged, deposited, allocated, spent")
async def csr_companies(request: Request, fmt: str) -> Response:
    rows = await _fetch(request, """
        SELECT c.name AS company, c.sector, c.tjsl_mandatory,
               coalesce(sum(f.amount) FILTER (WHERE f.kind = 'pledge'), 0)::bigint AS pledged_idr,
               coalesce(sum(f.amount) FILTER (WHERE f.kind = 'deposit'), 0)::bigint AS deposited_idr,
               coalesce(sum(f.amount) FILTER (WHERE f.kind = 'allocation'), 0)::bigint AS allocated_idr,
               coalesce(sum(f.amount) FILTER (WHERE f.kind = 'spending'), 0)::bigint AS spent_idr
        FROM proj_companies c LEFT JOIN proj_csr_flows f ON f.company_id = c.company_id
        GROUP BY c.company_id, c.name, c.sector, c.tjsl_mandatory ORDER BY c.name""")
    return _as(rows, _format(fmt), "csr-companies")


def _format(fmt: str) -> str:
    if fmt not in ("csv", "json"):
        from gotong.domain.errors import NotFound

        raise NotFound("downloads come as .csv or .json", field="format")
    return fmt


@router.get("/iati-activities.xml", summary="IATI 2.03 activities: programs and company CSR funds")
async def iati_activities(request: Request) -> Response:
    ref = request.app.state.settings.iati_reporting_org_ref
    rows = await _fetch(request, "SELECT * FROM proj_programs")
    programs = {r["code"]: r for r in rows}
    by_program_id = {r["program_id"]: r for r in rows}
    activities: dict[str, iati.Activity] = {}

    def program_activity(code: str, start: date) -> iati.Activity:
        program = programs.get(code)
        activity = activities.setdefault(code, iati.Activity(
            f"{ref}-{code}", program["name"] if program else code,
            program["eligibility_summary"] if program else f"Program {code}",
            "Pemerintah Indonesia" if not program or program["funding_source"] != "csr" else "Dana CSR perusahaan",
            start))
        activity.start = min(activity.start, start)
        return activity

    for row in await _fetch(request, _BY_PROGRAM_PERIOD):
        activity = program_activity(row["code"], row["first_at"].date())
        if row["amount"] > 0:
            activity.transactions.append(iati.Transaction(
                iati.DISBURSEMENT, row["last_at"].date(), row["amount"], f"Penyaluran {row['period']}",
                receiver="Rumah tangga penerima (agregat)"))
    kinds = {"pledge": iati.INCOMING_PLEDGE, "deposit": iati.INCOMING_FUNDS,
             "allocation": iati.OUTGOING_COMMITMENT, "spending": iati.DISBURSEMENT}
    spent: dict[tuple[str, str, str], tuple[int, date]] = {}
    names: dict[str, str] = {}
    flows = await _fetch(request, "SELECT c.company_id, c.name, c.registered_at, f.kind, f.amount, f.counterpart, "
                                  "f.occurred_at FROM proj_companies c JOIN proj_csr_flows f "
                                  "ON f.company_id = c.company_id ORDER BY c.name, f.occurred_at")
    for f in flows:
        activity = activities.setdefault(f"csr:{f['company_id']}", iati.Activity(
            f"{ref}-CSR-{f['company_id']}", f"Dana TJSL {f['name']}",
            f"Dana tanggung jawab sosial dan lingkungan {f['name']} yang dikelola di Gotong.", f["name"],
            f["registered_at"].date()))
        names[activity.identifier] = f["name"]
        if f["kind"] == "spending":  # net of returns, per program and month (a return is a negative flow)
            key = (activity.identifier, f["counterpart"] or "", f["occurred_at"].strftime("%Y-%m"))
            amount, _ = spent.get(key, (0, f["occurred_at"].date()))
            spent[key] = (amount + f["amount"], f["occurred_at"].date())
        elif f["amount"] > 0:
            incoming = f["kind"] in ("pledge", "deposit")
            activity.transactions.append(iati.Transaction(
                kinds[f["kind"]], f["occurred_at"].date(), f["amount"], f["kind"],
                provider=f["name"] if incoming else None, receiver=None if incoming else (f["counterpart"] or None)))
    by_id = {a.identifier: a for a in activities.values()}
    for (fund_id, target, month), (amount, day) in spent.items():
        if not amount:
            continue  # a month whose returns exceed its payments reports the correction as a negative value
        program = by_program_id.get(target)
        if program is None:  # the program's definition has not reached the projector yet: name what we know
            by_id[fund_id].transactions.append(iati.Transaction(
                iati.DISBURSEMENT, day, amount, f"Penyaluran {month}", receiver=f"Program {target}"))
            continue
        receiver = program_activity(program["code"], day)
        # The same money, once from each side, linked: the fund disbursed it to the program's activity, which
        # received it from the fund's activity. Aggregators count it once.
        by_id[fund_id].transactions.append(iati.Transaction(
            iati.DISBURSEMENT, day, amount, f"Penyaluran {month} ke {program['name']}", receiver=program["name"],
            receiver_activity=receiver.identifier))
        receiver.transactions.append(iati.Transaction(
            iati.INCOMING_FUNDS, day, amount, f"Dana CSR {month}", provider=names[fund_id],
            provider_activity=fund_id))
    body = iati.activities_xml(list(activities.values()), datetime.now(UTC), reporting_org=ref)
    return Response(body, media_type="application/xml",
                    headers={"Content-Disposition": 'attachment; filename="gotong-iati-activities.xml"'})
