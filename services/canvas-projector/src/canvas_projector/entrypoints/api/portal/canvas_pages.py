"""The portal's canvas and map pages: the Business Model Canvas in its standard layout (platform or one approved
program, as of a day; printable, downloadable as SVG), choropleth maps of coverage and rupiah per household, and
payments over time. Everything is drawn on the server; the pages work without JavaScript."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from canvas_projector.adapters import log_figures
from canvas_projector.adapters.geo import boundaries
from canvas_projector.adapters.reached import Reached
from canvas_projector.adapters.read_models import CanvasFacts, Replicas
from canvas_projector.application import queries
from canvas_projector.domain.canvas import APPROACHES, LAYOUT, Canvas
from canvas_projector.domain.canvas_svg import LETTERS, canvas_svg
from canvas_projector.domain.charts import month_label, months_between, time_chart_svg
from canvas_projector.domain.figures import number, rupiah, small_count
from canvas_projector.domain.maps import (
    HIDDEN,
    NO_DATA,
    AreaFigures,
    Measure,
    breaks_for,
    choropleth_svg,
    legend_classes,
)
from canvas_projector.entrypoints.api.deps import Lang, ReadDep
from canvas_projector.entrypoints.api.portal import render
from canvas_projector.entrypoints.api.portal.canvas_i18n import CANVAS_STRINGS
from gotong.reference import region_names

router = APIRouter(include_in_schema=False)
Program = Annotated[str, Query(max_length=50, description="program code; default: the whole platform")]
AsOf = Annotated[date | None, Query(description="the canvas as it stood at the end of this day (UTC)")]
Level = Annotated[Literal["province", "regency"], Query()]
MeasureQ = Annotated[Literal["coverage", "per_household"], Query()]
SVG = "image/svg+xml"


def _share(value: float | None, lang: str) -> str:
    if value is None:
        return "\u2014"
    text = f"{value * 100:.0f}%"
    return text


def _ratio(value: float | None, lang: str) -> str:
    if value is None:
        return "\u2014"
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "id" else text


def indicator_rows(indicators: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """(name, value) per sustainability indicator, written for people."""
    w = CANVAS_STRINGS[lang]
    strands = indicators["partners_per_strand"]
    values = {
        "non_one_off_funding_share": _share(indicators["non_one_off_funding_share"], lang),
        "enterprise_self_sufficiency": _ratio(indicators["enterprise_self_sufficiency"], lang),
        "enterprise_jobs_vulnerable_share": _share(indicators["enterprise_jobs_vulnerable_share"], lang),
        "graduations": small_count(indicators["graduations"], lang),
        "partners_per_strand": " / ".join(number(n, lang) if n else "\u2014" for n in strands.values()),
        "csr_companies": number(indicators["csr_companies"], lang) if indicators["csr_companies"] else "\u2014",
        "helix_complete_share": _share(indicators["helix_complete_share"], lang),
        "registry_verified_share": _share(indicators["registry_verified_share"], lang),
    }
    return [(w[f"ind_{k}"], v) for k, v in values.items()]


def _canvas_heading(canvas: Canvas, lang: str) -> str:
    w = CANVAS_STRINGS[lang]
    scope = w["platform"] if canvas.scope == "platform" else next(
        (p["name"] for p in canvas.programs if p["code"] == canvas.scope), canvas.scope)
    when = w["as_of_note"].format(date=canvas.as_of) if canvas.as_of else w["today_note"]
    return f"{w['canvas_title']} \u2014 {scope} ({when})"


@router.get("/kanvas", response_class=HTMLResponse)
async def canvas_page(request: Request, sql: ReadDep, program: Program = "platform", as_of: AsOf = None,
                      lang: Lang = "id") -> HTMLResponse:
    canvas = await queries.canvas_of(CanvasFacts(sql), program, as_of)
    w = CANVAS_STRINGS[lang]
    blocks = [{"block": c.block, "title": w[f"bmc_{c.block}"],
               "entries": [{"approach": i.approach, "letter": LETTERS[i.approach],
                          "approach_name": w[f"approach_{i.approach}"], "text": i.text(lang)}
                         for i in canvas.blocks[c.block]]} for c in LAYOUT]
    legend = [{"approach": a, "letter": LETTERS[a], "name": w[f"approach_{a}"]}
              for a in APPROACHES]
    query = f"program={canvas.scope}&lang={lang}" + (f"&as_of={canvas.as_of}" if canvas.as_of else "")
    return render(request, "canvas.html", lang, w["canvas_title"], w=w, canvas=canvas, blocks=blocks, legend=legend,
                  heading=_canvas_heading(canvas, lang), households=small_count(canvas.households, lang),
                  indicators=indicator_rows(canvas.indicators, lang), svg_href=f"/kanvas.svg?{query}")


@router.get("/kanvas.svg")
async def canvas_download(sql: ReadDep, program: Program = "platform", as_of: AsOf = None,
                          lang: Lang = "id") -> Response:
    canvas = await queries.canvas_of(CanvasFacts(sql), program, as_of)
    w = CANVAS_STRINGS[lang]
    footer = [f"{name}: {value}" for name, value in indicator_rows(canvas.indicators, lang)]
    svg = canvas_svg(canvas, lang, {c.block: w[f"bmc_{c.block}"] for c in LAYOUT},
                     {a: w[f"approach_{a}"] for a in APPROACHES}, _canvas_heading(canvas, lang),
                     [w["indicators_title"], *footer])
    name = f"kanvas-{canvas.scope}-{canvas.as_of or 'terbaru'}.svg"
    return Response(svg, media_type=SVG, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _area_text(area: AreaFigures | None, lang: str) -> str:
    w = CANVAS_STRINGS[lang]
    if area is None or not area.households:
        return w["no_data"]
    if not area.published:
        return w["hidden"]
    coverage = _share(area.coverage, lang)
    return (f"{number(area.households, lang)} {w['households_reached']}; {w['coverage']} {coverage}; "
            f"{rupiah(area.per_household or 0, lang)} / {w['households_reached']}")


async def _map(reached: Reached, level: str, measure: Measure, program: str | None,
               lang: str) -> tuple[str, list[tuple[str, str]], list[dict[str, str]]]:
    """The map SVG, its legend and its table rows: drawn once per position of the log and the register (it is
    drawn from nothing else; a regency map is hundreds of kilobytes of SVG)."""
    return await log_figures.remembered(  # type: ignore[no-any-return]
        reached.sql, ("map", level, measure, program, lang), lambda: _draw_map(reached, level, measure, program, lang),
        register=True)


async def _draw_map(reached: Reached, level: str, measure: Measure, program: str | None,
                    lang: str) -> tuple[str, list[tuple[str, str]], list[dict[str, str]]]:
    w = CANVAS_STRINGS[lang]
    areas = await reached.areas("province" if level == "province" else "regency", program)
    figures = {a.code: a for a in areas}
    breaks = breaks_for(measure, areas)
    names = region_names()
    shapes = boundaries(level)
    title = f"{w['measure_' + measure]} \u2014 {w['level_' + level]}"
    svg = choropleth_svg(shapes, figures, measure, breaks, {b.code: _area_text(figures.get(b.code), lang)
                                                            for b in shapes}, title, w["attribution"])
    legend = legend_classes(breaks, (lambda b: f"{b * 100:.0f}%") if measure == "coverage"
                            else (lambda b: rupiah(int(b), lang)))
    legend += [(HIDDEN, w["hidden"]), (NO_DATA, w["no_data"])]
    rows = [{"name": names.get(a.code, a.code),
             "reached": small_count(a.households, lang) if a.households else "0",
             "registered": number(a.registered, lang), "coverage": _share(a.coverage, lang),
             "per_household": rupiah(a.per_household, lang) if a.per_household is not None else "\u2014"}
            for a in sorted(areas, key=lambda a: names.get(a.code, a.code))]
    return svg, legend, rows


async def _approved(sql: ReadDep, program: str) -> tuple[list[dict[str, Any]], str | None]:
    """The approved programs (drafts never reach the projector), and the chosen one if it is among them."""
    programs = sorted(await Replicas(sql).programs(), key=lambda p: p["code"])
    return programs, program if any(p["code"] == program for p in programs) else None


@router.get("/peta", response_class=HTMLResponse)
async def maps_page(request: Request, sql: ReadDep, level: Level = "province", measure: MeasureQ = "coverage",
                    program: Program = "platform", lang: Lang = "id") -> HTMLResponse:
    w = CANVAS_STRINGS[lang]
    programs, chosen = await _approved(sql, program)
    reached = Reached(sql)
    svg, legend, rows = await _map(reached, level, measure, chosen, lang)
    names = {p["code"]: p["name"] for p in programs}
    monthly = {names[c]: points for c, points in (await reached.monthly()).items() if c in names}
    months = months_between(min(m for s in monthly.values() for m, _ in s),
                            max(m for s in monthly.values() for m, _ in s)) if monthly else []
    time_rows = [{"month": month_label(m, lang),
                  "amounts": [rupiah(dict(s).get(m, 0), lang) for s in monthly.values()]} for m in months]
    chart = time_chart_svg(monthly, w["time_title"], lang) if monthly else ""
    query = f"level={level}&measure={measure}&program={chosen or 'platform'}&lang={lang}"
    return render(request, "maps.html", lang, w["maps_title"], w=w, programs=programs, chosen=chosen,
                  level=level, measure=measure, map_svg=svg, legend=legend, rows=rows, chart=chart,
                  series=list(monthly), time_rows=time_rows, map_href=f"/peta.svg?{query}")


@router.get("/peta.svg")
async def map_download(sql: ReadDep, level: Level = "province", measure: MeasureQ = "coverage",
                       program: Program = "platform", lang: Lang = "id") -> Response:
    _, chosen = await _approved(sql, program)
    svg, _, _ = await _map(Reached(sql), level, measure, chosen, lang)
    return Response(svg, media_type=SVG,
                    headers={"Content-Disposition": f'attachment; filename="peta-{level}-{measure}.svg"'})
