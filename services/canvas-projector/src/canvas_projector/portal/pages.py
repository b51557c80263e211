"""More portal pages: a program (eligibility in plain words, targeting by desil), region drill-down, CSR."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from canvas_projector.portal.i18n import STRINGS
from canvas_projector.portal.routes import MIN_CELL, bar_chart, number, protect, rupiah, templates
from gotong.domain.errors import NotFound
from gotong.eventstore.postgres import driver_connection
from gotong.reference import region_names

router = APIRouter(include_in_schema=False)
Lang = Annotated[str, Query(pattern="^(id|en)$")]

_NET = """
WITH r AS (SELECT convert_from(leaf, 'UTF8')::jsonb AS r FROM tlog_leaves),
net AS (SELECT r->>'household_ref' AS hh, {key} AS g,
               sum(CASE r->>'status' WHEN 'paid' THEN (r->>'amount')::bigint
                                     WHEN 'returned' THEN -(r->>'amount')::bigint ELSE 0 END) AS amount
        FROM r WHERE {where} GROUP BY 1, 2)
SELECT g, count(*) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount FROM net GROUP BY g
"""


async def _groups(request: Request, key: str, where: str, *args: Any) -> list[tuple[str, int, int]]:
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        rows = await d.fetch(_NET.format(key=key, where=where), *args)
        await conn.rollback()
    return [(r["g"] or "-", r["households"], r["amount"] or 0) for r in rows]


def _rows(groups: list[tuple[str, int, int]], lang: str, names: dict[str, str] | None = None,
          link: str | None = None) -> list[dict[str, str]]:
    out = []
    for g, h, a in groups:
        pooled = h < MIN_CELL
        out.append({"name": (names or {}).get(g, g), "households": number(h, lang) if not pooled else f"< {MIN_CELL}",
                    "amount": rupiah(a) if not pooled else "\u2014",
                    "href": link.format(g) if link and g in (names or {}) else ""})
    return out


def _page(request: Request, lang: str, title: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, "table_page.html",
                                      {"lang": lang, "t": STRINGS[lang], "title": title, **context})


@router.get("/program/{code}", response_class=HTMLResponse)
async def program_page(request: Request, code: str, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        program = await d.fetchrow("SELECT * FROM proj_programs WHERE code = $1", code)
        await conn.rollback()
    by_desil = protect(await _groups(request, "coalesce(r->>'desil', '-')", "r->>'program_code' = $1", code),
                       t["others"])
    if program is None and not by_desil:
        raise NotFound("no such program", field="code")
    by_desil.sort(key=lambda g: (len(g[0]), g[0]))
    names = region_names()
    by_province = protect(await _groups(request, "split_part(r->>'region_code', '.', 1)",
                                        "r->>'program_code' = $1", code), t["others"])
    tables = [
        {"caption": t["targeting_by_desil"], "head": t["desil"],
         "rows": _rows(by_desil, lang, {str(i): f"Desil {i}" for i in range(1, 11)})},
        {"caption": t["per_province"], "head": t["province"], "rows": _rows(by_province, lang, names)},
    ]
    chart = bar_chart([(f"Desil {g}" if g != t["others"] else g, a) for g, h, a in by_desil if h >= MIN_CELL],
                      t["targeting_by_desil"])
    intro = program["eligibility_summary"] if program else ""
    return _page(request, lang, program["name"] if program else code, intro=intro, tables=tables, chart=chart)


@router.get("/wilayah", response_class=HTMLResponse)
@router.get("/wilayah/{province}", response_class=HTMLResponse)
async def region_page(request: Request, province: str | None = None, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    names = region_names()
    if province is None:
        groups = protect(await _groups(request, "split_part(r->>'region_code', '.', 1)", "true"), t["others"])
        rows = _rows(groups, lang, names, link=f"/wilayah/{{}}?lang={lang}")
        title = t["regions"]
    else:
        if province not in names:
            raise NotFound("no such province code", field="province")
        groups = protect(await _groups(
            request, "split_part(r->>'region_code', '.', 1) || '.' || split_part(r->>'region_code', '.', 2)",
            "split_part(r->>'region_code', '.', 1) = $1", province), t["others"])
        rows = _rows(groups, lang, names)
        title = names[province]
    chart = bar_chart([(names.get(g, g), a) for g, h, a in groups if h >= MIN_CELL][:12], title)
    return _page(request, lang, title, intro=t["regions_intro"], chart=chart,
                 tables=[{"caption": title, "head": t["region"], "rows": rows}])


@router.get("/csr", response_class=HTMLResponse)
async def csr_page(request: Request, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        rows = await d.fetch(
            "SELECT c.name, coalesce(sum(f.amount) FILTER (WHERE f.kind = 'pledge'), 0)::bigint AS pledged, "
            "coalesce(sum(f.amount) FILTER (WHERE f.kind = 'deposit'), 0)::bigint AS deposited, "
            "coalesce(sum(f.amount) FILTER (WHERE f.kind = 'spending'), 0)::bigint AS spent "
            "FROM proj_companies c LEFT JOIN proj_csr_flows f ON f.company_id = c.company_id "
            "GROUP BY c.company_id, c.name ORDER BY pledged DESC")
        await conn.rollback()
    table = [{"name": r["name"], "households": rupiah(r["pledged"]), "amount": rupiah(r["deposited"]),
              "extra": rupiah(r["spent"]), "href": ""} for r in rows]
    return _page(request, lang, t["csr_title"], intro=t["csr_intro"],
                 chart=bar_chart([(r["name"], r["deposited"]) for r in rows][:12], t["csr_title"]),
                 tables=[{"caption": t["csr_title"], "head": t["company"], "rows": table,
                          "cols": (t["pledged"], t["deposited"], t["spent"])}])


def _ratio(num: int, den: int, lang: str) -> str:
    if not den:
        return "\u2014"
    text = f"{num / den:.2f}"
    return text.replace(".", ",") if lang == "id" else text


@router.get("/usaha-sosial", response_class=HTMLResponse)
async def enterprises_page(request: Request, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        rows = await d.fetch(
            "WITH latest AS (SELECT DISTINCT ON (enterprise_id) * FROM proj_enterprise_reports "
            "ORDER BY enterprise_id, period_end DESC) "
            "SELECT e.enterprise_id, e.name, e.legal_form, e.province_code, l.period, l.earned_revenue, "
            "l.total_expenses, l.employees, l.employees_vulnerable FROM proj_enterprises e "
            "LEFT JOIN latest l USING (enterprise_id) WHERE e.status IN ('verified', 'active') "
            "ORDER BY l.earned_revenue DESC NULLS LAST, e.name")
        graduated = await d.fetchval("SELECT count(DISTINCT household_ref) FROM proj_graduations")
        await conn.rollback()
    names = region_names()
    table = [{"name": f"{r['name'] or r['legal_form'].upper().replace('_', ' ')} "
                      f"({names.get(r['province_code'], r['province_code'])})",
              "households": _ratio(r["earned_revenue"] or 0, r["total_expenses"] or 0, lang),
              "amount": number(r["employees"] or 0, lang), "extra": number(r["employees_vulnerable"] or 0, lang),
              "href": ""} for r in rows]
    chart = bar_chart([(r["name"] or r["legal_form"], r["earned_revenue"] or 0) for r in rows if r["name"]][:12],
                      t["se_title"])
    # households are counted only when the count cannot point at anyone
    grads = number(graduated, lang) if graduated >= MIN_CELL else f"< {MIN_CELL}"
    return _page(request, lang, t["se_title"], intro=t["se_intro"] + " " + t["graduations_note"].format(n=grads),
                 chart=chart, tables=[{"caption": t["se_title"], "head": t["enterprise"], "rows": table,
                                       "cols": (t["self_sufficiency"], t["jobs"], t["jobs_vulnerable"])}])


@router.get("/kemitraan", response_class=HTMLResponse)
async def partnerships_page(request: Request, lang: Lang = "id") -> HTMLResponse:
    t = STRINGS[lang]
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        projects = await d.fetch("SELECT * FROM proj_projects WHERE status <> 'cancelled' ORDER BY budget DESC")
        strands = await d.fetch("SELECT strand, count(*) AS n FROM proj_partners WHERE active = 'true' "
                                "GROUP BY strand ORDER BY strand")
        await conn.rollback()
    names = region_names()
    project_rows = [{"name": f"{p['title']} ({names.get(p['province_code'], p['province_code'])})",
                     "households": t["complete"] if p["helix_complete"] == "true" else
                     t["incomplete"] + " (" + ", ".join(t.get(f"strand_{s}", s) for s in
                                                        ("government", "campus", "industry")
                                                        if s not in p["strands_present"].split(",")) + ")",
                     "amount": rupiah(p["budget"]), "extra": rupiah(p["delivered"]), "href": ""} for p in projects]
    strand_rows = []
    for r in strands:
        involved = [p for p in projects if r["strand"] in p["strands_present"].split(",")]
        strand_rows.append({"name": t.get(f"strand_{r['strand']}", r["strand"]), "households": number(r["n"], lang),
                            "amount": number(len(involved), lang),
                            "extra": rupiah(sum(p["budget"] for p in involved)), "href": ""})
    return _page(request, lang, t["hx_title"], intro=t["hx_intro"],
                 chart=bar_chart([(p["title"], p["delivered"]) for p in projects][:12], t["delivered"]),
                 tables=[{"caption": t["hx_title"], "head": t["project"], "rows": project_rows,
                          "cols": (t["helix"], t["budget"], t["delivered"])},
                         {"caption": t["partners"], "head": t["strand"], "rows": strand_rows,
                          "cols": (t["partners"], t["projects"], t["budget"])}])
