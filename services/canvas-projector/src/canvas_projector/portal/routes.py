"""The public portal: Bahasa Indonesia first, English second, no login, no personal data, small cells hidden."""

from __future__ import annotations

from datetime import timedelta, timezone
from html import escape
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from canvas_projector.portal.i18n import STRINGS
from gotong.eventstore.postgres import driver_connection
from gotong.reference import region_names

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
WIB = timezone(timedelta(hours=7), "WIB")
#: Groups smaller than this are not published (no count, no amount): aggregates must not identify anyone.
MIN_CELL = 10
Lang = Annotated[str, Query(pattern="^(id|en)$")]


def rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def number(n: int, lang: str) -> str:
    return f"{n:,}".replace(",", "." if lang == "id" else ",")


def suppress(households: int, amount: int, lang: str) -> tuple[str, str]:
    if households < MIN_CELL:
        return f"< {MIN_CELL}", "—"
    return number(households, lang), rupiah(amount)


def bar_chart(rows: list[tuple[str, int]], label: str) -> str:
    """A horizontal bar chart as inline SVG (no scripts, no CDN), readable on a phone; label above each bar."""
    if not rows:
        return ""
    top = max(v for _, v in rows) or 1
    bars = []
    for i, (name, value) in enumerate(rows):
        y = 6 + 44 * i
        width = max(2, int(340 * value / top))
        bars.append(f'<text x="0" y="{y + 14}">{escape(name)} \u2014 {rupiah(value)}</text>'
                    f'<rect x="0" y="{y + 20}" width="{width}" height="16" fill="#0b5d3b"></rect>')
    return (f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 360 {44 * len(rows) + 8}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>')


def protect(groups: list[tuple[str, int, int]], others: str) -> list[tuple[str, int, int]]:
    """Small-cell protection: groups under MIN_CELL households are pooled into one `others` row, and if that
    pool is still small the smallest published groups join it — so no small group can be derived by
    subtracting published rows from the total. (name, households, amount) in, same out."""
    big = sorted([g for g in groups if g[1] >= MIN_CELL], key=lambda g: g[1])
    small = [g for g in groups if g[1] < MIN_CELL]
    if not small:
        return sorted(groups, key=lambda g: -g[2])
    pool = [0, 0]
    for _, h, a in small:
        pool[0] += h
        pool[1] += a
    while pool[0] < MIN_CELL and big:
        _, h, a = big.pop(0)
        pool[0] += h
        pool[1] += a
    return [*sorted(big, key=lambda g: -g[2]), (others, pool[0], pool[1])]


_AGGREGATE = """
WITH records AS (SELECT convert_from(leaf, 'UTF8')::jsonb AS r FROM tlog_leaves),
net AS (
    SELECT r->>'household_ref' AS hh, r->>'{group}' AS g,
           sum(CASE r->>'status' WHEN 'paid' THEN (r->>'amount')::bigint
                                 WHEN 'returned' THEN -(r->>'amount')::bigint ELSE 0 END) AS amount
    FROM records GROUP BY 1, 2)
SELECT g, count(DISTINCT hh) FILTER (WHERE amount > 0) AS households, sum(amount)::bigint AS amount
FROM net GROUP BY g ORDER BY amount DESC
"""


async def overview_data(request: Request, lang: str) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        by_program = await d.fetch(_AGGREGATE.replace("{group}", "program_code"))
        by_region = await d.fetch(_AGGREGATE.replace("{group}", "region_code"))
        records = await d.fetchval("SELECT count(*) FROM tlog_leaves")
        await conn.rollback()
    names = region_names()
    t = STRINGS[lang]
    provinces: dict[str, list[int]] = {}
    for r in by_region:
        code = (r["g"] or "").split(".")[0]
        agg = provinces.setdefault(code, [0, 0])
        agg[0] += r["households"]
        agg[1] += r["amount"] or 0
    province_groups = protect([(names.get(c, c), h, a) for c, (h, a) in provinces.items()], t["others"])
    program_groups = protect([(r["g"], r["households"], r["amount"] or 0) for r in by_program], t["others"])
    total_households = sum(g[1] for g in province_groups)
    total_amount = sum(g[2] for g in province_groups)

    def rows(groups: list[tuple[str, int, int]], linkable: bool = False) -> list[dict[str, str]]:
        return [dict(zip(("households", "amount"), suppress(h, a, lang), strict=True), name=n,
                     code=n if linkable and n != t["others"] else "") for n, h, a in groups]

    households, amount = suppress(total_households, total_amount, lang)
    return {"totals": {"households": households, "amount": amount, "records": number(records, lang)},
            "provinces": rows(province_groups), "programs": rows(program_groups, linkable=True),
            "chart": bar_chart([(n, a) for n, h, a in province_groups if h >= MIN_CELL][:12], t["per_province"])}


def _render(request: Request, name: str, lang: str, title_key: str, **context: Any) -> HTMLResponse:
    t = STRINGS[lang]
    return templates.TemplateResponse(request, name, {"lang": lang, "t": t, "title": t[title_key], **context})


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, lang: Lang = "id") -> HTMLResponse:
    return _render(request, "index.html", lang, "overview_title", **await overview_data(request, lang))


@router.get("/verifikasi", response_class=HTMLResponse)
async def verify_page(request: Request, lang: Lang = "id") -> HTMLResponse:
    return _render(request, "verify.html", lang, "verify_title")


@router.get("/checkpoint", response_class=HTMLResponse)
async def checkpoint_page(request: Request, lang: Lang = "id") -> HTMLResponse:
    async with request.app.state.engine.connect() as conn:
        d = await driver_connection(conn, begin=False)
        rows = await d.fetch("SELECT size, note, signed_at FROM tlog_checkpoints ORDER BY size DESC LIMIT 100")
        await conn.rollback()
    checkpoints = [{"size": number(r["size"], lang), "note": r["note"],
                    "signed_at": r["signed_at"].astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")} for r in rows]
    return _render(request, "checkpoints.html", lang, "checkpoints_title", checkpoints=checkpoints,
                   vkey=request.app.state.tlog.verifier_key)



