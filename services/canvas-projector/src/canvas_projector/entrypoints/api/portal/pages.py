"""The portal's pages: overview, receipt verification, checkpoint history, a program (eligibility in plain
words, targeting by desil), region drill-down, CSR, social enterprises and Triple Helix partnerships."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from canvas_projector.adapters import log_figures
from canvas_projector.adapters.checkpoint_dates import CheckpointDates
from canvas_projector.adapters.reached import Reached
from canvas_projector.adapters.read_models import PaymentFigures, Replicas
from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.domain.figures import (
    MIN_CELL,
    Group,
    by_province,
    number,
    protect,
    ratio,
    rupiah,
    small_count,
    suppress,
)
from canvas_projector.entrypoints.api.deps import Lang, ReadDep
from canvas_projector.entrypoints.api.portal import bar_chart, moment, render
from canvas_projector.entrypoints.api.portal.i18n import STRINGS
from canvas_projector.entrypoints.state import StateDep
from gotong.adapters.sql import Sql
from gotong.domain.bounds import INT64_MAX
from gotong.domain.errors import NotFound
from gotong.reference import region_names

router = APIRouter(include_in_schema=False)
#: Every regency's households and net rupiah in one pass over the log's figures: `PaymentFigures.
#: province_by_regency`'s groups for all provinces at once (a regency's code starts with its province's).
_REGENCIES = """
WITH net AS (SELECT household_ref AS hh, regency AS g, sum(net) AS amount FROM tlog_figures GROUP BY 1, 2)
SELECT g, count(*) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount FROM net GROUP BY g
"""
#: The statuses a receipt can be asked for (as `/transparency/receipts/{payment_id}` takes them).
RECEIPT_STATUS = "^(instructed|paid|failed|returned|reissued)$"


async def overview_data(payments: PaymentFigures, lang: str) -> dict[str, Any]:
    by_program = await payments.by_field("program_code")
    by_region = await payments.by_field("region_code")
    records = await payments.records()
    names = region_names()
    t = STRINGS[lang]
    provinces = by_province(by_region)
    province_groups = protect([(names.get(c, c), h, a) for c, (h, a) in provinces.items()], t["others"])
    program_groups = protect(by_program, t["others"])
    # the same figure the canvas shows: each household once, however many programs or regions paid it
    total_households, total_amount, _ = (await Reached(payments.sql).reach())[0]

    def rows(groups: list[Group], linkable: bool = False) -> list[dict[str, str]]:
        return [dict(zip(("households", "amount"), suppress(h, a, lang), strict=True), name=n,
                     code=n if linkable and n != t["others"] else "") for n, h, a in groups]

    households, amount = suppress(total_households, total_amount, lang)
    return {"totals": {"households": households, "amount": amount, "records": number(records, lang)},
            "provinces": rows(province_groups), "programs": rows(program_groups, linkable=True),
            "chart": bar_chart([(n, a) for n, h, a in province_groups if h >= MIN_CELL], t["per_province"], lang,
                               table="provinces")}


def _rows(groups: list[Group], lang: str, names: dict[str, str] | None = None,
          link: str | None = None) -> list[dict[str, str]]:
    out = []
    for g, h, a in groups:
        pooled = h < MIN_CELL
        out.append({"name": (names or {}).get(g, g), "households": number(h, lang) if not pooled else f"< {MIN_CELL}",
                    "amount": rupiah(a, lang) if not pooled else "\u2014",
                    "href": link.format(g) if link and g in (names or {}) else ""})
    return out


async def province_regencies(sql: Sql, province: str) -> list[Group]:
    """A province's regencies, cut from every province's (remembered per position of the log): the first province
    page asked after a seal computes them all, so the others (38 provinces) never wait for a query of their own."""
    rows = await log_figures.fetch(sql, _REGENCIES)
    return [(r["g"] or "-", r["households"], r["amount"] or 0) for r in rows
            if (r["g"] or "").split(".")[0] == province]


def _page(request: Request, lang: str, title: str, **context: Any) -> HTMLResponse:
    return render(request, "table_page.html", lang, title, **context)


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, sql: ReadDep, lang: Lang = "id") -> HTMLResponse:
    return render(request, "index.html", lang, STRINGS[lang]["overview_title"],
                  **await overview_data(PaymentFigures(sql), lang))


@router.get("/verifikasi", response_class=HTMLResponse)
async def verify_page(request: Request, lang: Lang = "id", payment: Annotated[str, Query(max_length=100)] = "",
                      status: Annotated[str, Query(pattern=RECEIPT_STATUS)] = "paid") -> HTMLResponse:
    """Paste or upload a receipt, or name a payment (`?payment=<id>&status=paid`, the registry's status page links
    so): the page's script fetches its receipt from this origin and verifies it in the browser."""
    t = STRINGS[lang]
    words = {k.removeprefix("v_"): v for k, v in t.items() if k.startswith("v_")}
    return render(request, "verify.html", lang, t["verify_title"], payment=payment, status=status, words=words)


@router.get("/verifikasi/konteks")
async def verify_context(sql: ReadDep, lang: Lang = "id", region: Annotated[str, Query(max_length=40)] = "",
                         program: Annotated[str, Query(max_length=100)] = "",
                         size: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0) -> dict[str, str]:
    """Names for what a verified receipt proves (the record itself holds codes): the region's name from
    village to province, the program's name, and when the receipt's checkpoint was signed (WIB)."""
    names = region_names(4)
    parts = region.split(".")
    areas = [names[c] for c in (".".join(parts[:n]) for n in range(len(parts), 0, -1)) if c in names]
    found = await Replicas(sql).program(program) if program else None
    signed = await CheckpointDates(sql).signed_at(size) if size else None
    return {"region": ", ".join(areas), "program": found["name"] if found else "",
            "signed_at": moment(signed, lang) if signed else ""}


@router.get("/checkpoint", response_class=HTMLResponse)
async def checkpoint_page(request: Request, sql: ReadDep, state: StateDep, lang: Lang = "id") -> HTMLResponse:
    rows = await TransparencyLogTable(sql).checkpoints(100)
    checkpoints = [{"size": number(size, lang), "note": note, "origin": note.split("\n", 1)[0],
                    "root": base64.b64encode(root).decode(), "signed_at": moment(signed_at, lang)}
                   for size, root, note, signed_at in rows]
    return render(request, "checkpoints.html", lang, STRINGS[lang]["checkpoints_title"], checkpoints=checkpoints,
                  vkey=state.tlog.verifier_key)


@router.get("/program/{code}", response_class=HTMLResponse)
async def program_page(request: Request, sql: ReadDep, code: str, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    payments = PaymentFigures(sql)
    program = await Replicas(sql).program(code)
    by_desil = protect(await payments.program_by_desil(code), t["others"])
    if program is None and not by_desil:
        raise NotFound("no such program", field="code")
    by_desil.sort(key=lambda g: (len(g[0]), g[0]))
    names = region_names()
    by_province_groups = protect(await payments.program_by_province(code), t["others"])
    tables = [
        {"caption": t["targeting_by_desil"], "head": t["desil"],
         "rows": _rows(by_desil, lang, {str(i): f"Desil {i}" for i in range(1, 11)})},
        {"caption": t["per_province"], "head": t["province"], "rows": _rows(by_province_groups, lang, names)},
    ]
    chart = bar_chart([(f"Desil {g}" if g != t["others"] else g, a) for g, h, a in by_desil if h >= MIN_CELL],
                      t["targeting_by_desil"], lang, table="table-1")
    intro = program["eligibility_summary"] if program else ""
    return _page(request, lang, program["name"] if program else code, intro=intro, tables=tables, chart=chart)


@router.get("/wilayah", response_class=HTMLResponse)
@router.get("/wilayah/{province}", response_class=HTMLResponse)
async def region_page(request: Request, sql: ReadDep, province: str | None = None, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    names = region_names()
    payments = PaymentFigures(sql)
    if province is None:
        groups = protect(await payments.by_province(), t["others"])
        rows = _rows(groups, lang, names, link=f"/wilayah/{{}}?lang={lang}")
        title = t["regions"]
    else:
        if province not in names:
            raise NotFound("no such province code", field="province")
        groups = protect(await province_regencies(sql, province), t["others"])
        rows = _rows(groups, lang, names)
        title = names[province]
    chart = bar_chart([(names.get(g, g), a) for g, h, a in groups if h >= MIN_CELL], title, lang, table="table-1")
    return _page(request, lang, title, intro=t["regions_intro"], chart=chart,
                 tables=[{"caption": title, "head": t["region"], "rows": rows}])


@router.get("/csr", response_class=HTMLResponse)
async def csr_page(request: Request, sql: ReadDep, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    rows = await Replicas(sql).csr_by_company()
    table = [{"name": r["name"], "households": rupiah(r["pledged"], lang), "amount": rupiah(r["deposited"], lang),
              "extra": rupiah(r["spent"], lang), "href": ""} for r in rows]
    return _page(request, lang, t["csr_title"], intro=t["csr_intro"],
                 chart=bar_chart([(r["name"], r["deposited"]) for r in rows], t["csr_title"], lang, table="table-1"),
                 tables=[{"caption": t["csr_title"], "head": t["company"], "rows": table,
                          "cols": (t["pledged"], t["deposited"], t["spent"])}])


@router.get("/usaha-sosial", response_class=HTMLResponse)
async def enterprises_page(request: Request, sql: ReadDep, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    replicas = Replicas(sql)
    rows = await replicas.enterprises()
    graduated = await replicas.graduated()
    names = region_names()
    table = [{"name": f"{r['name'] or r['legal_form'].upper().replace('_', ' ')} "
                      f"({names.get(r['province_code'], r['province_code'])})",
              "households": ratio(r["earned_revenue"] or 0, r["total_expenses"] or 0, lang),
              "amount": number(r["employees"] or 0, lang), "extra": number(r["employees_vulnerable"] or 0, lang),
              "href": ""} for r in rows]
    chart = bar_chart([(r["name"] or r["legal_form"], r["earned_revenue"] or 0) for r in rows if r["name"]],
                      t["se_title"], lang, table="table-1")
    # households are counted only when the count cannot point at anyone
    grads = small_count(graduated, lang)
    return _page(request, lang, t["se_title"], intro=t["se_intro"] + " " + t["graduations_note"].format(n=grads),
                 chart=chart, tables=[{"caption": t["se_title"], "head": t["enterprise"], "rows": table,
                                       "cols": (t["self_sufficiency"], t["jobs"], t["jobs_vulnerable"])}])


@router.get("/kemitraan", response_class=HTMLResponse)
async def partnerships_page(request: Request, sql: ReadDep, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    replicas = Replicas(sql)
    projects = await replicas.projects()
    strands = await replicas.active_partners_per_strand()
    names = region_names()
    project_rows = [{"name": f"{p['title']} ({names.get(p['province_code'], p['province_code'])})",
                     "households": t["complete"] if p["helix_complete"] == "true" else
                     t["incomplete"] + " (" + ", ".join(t.get(f"strand_{s}", s) for s in
                                                        ("government", "campus", "industry")
                                                        if s not in p["strands_present"].split(",")) + ")",
                     "amount": rupiah(p["budget"], lang), "extra": rupiah(p["delivered"], lang), "href": ""}
                    for p in projects]
    strand_rows = []
    for strand, n in strands:
        involved = [p for p in projects if strand in p["strands_present"].split(",")]
        strand_rows.append({"name": t.get(f"strand_{strand}", strand), "households": number(n, lang),
                            "amount": number(len(involved), lang),
                            "extra": rupiah(sum(p["budget"] for p in involved), lang), "href": ""})
    return _page(request, lang, t["hx_title"], intro=t["hx_intro"],
                 chart=bar_chart([(p["title"], p["delivered"]) for p in projects], t["delivered"], lang,
                                 table="table-1"),
                 tables=[{"caption": t["hx_title"], "head": t["project"], "rows": project_rows,
                          "cols": (t["helix"], t["budget"], t["delivered"])},
                         {"caption": t["partners"], "head": t["strand"], "rows": strand_rows,
                          "cols": (t["partners"], t["projects"], t["budget"])}])
