"""`/pengaduan-publik`: public accountability for grievances — cases by kind and by province (small cells pooled),
median time to a decision, SLA breach rate, share upheld. The figures are `GrievanceCases.figures`, the same
object the canvas's customer-relationships item is written from."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from canvas_projector.adapters.grievance_cases import GrievanceCases
from canvas_projector.domain.figures import MIN_CELL, number, small_count
from canvas_projector.domain.grievances import OTHERS, days, percent
from canvas_projector.entrypoints.api.deps import Lang, ReadDep
from canvas_projector.entrypoints.api.portal import render
from gotong.api.app import runtime
from gotong.reference import region_names

router = APIRouter(include_in_schema=False)

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Pengaduan warga", "lead": "Sanggahan, pengaduan pembayaran, perbaikan data dan usul yang "
        "diterima, dan seberapa cepat serta adil dijawab. Tanpa data pribadi: hanya jenis, wilayah dan waktu.",
        "total": "Pengaduan diterima", "decided": "Sudah diputuskan", "median": "Median waktu sampai keputusan",
        "breach": "Melewati batas waktu", "breach_of": "{n} dari {base} pengaduan yang batas waktunya sudah tiba",
        "upheld": "Dibenarkan", "upheld_of": "{n} dari {base} yang diputuskan",
        "by_kind": "Pengaduan menurut jenis", "by_province": "Pengaduan menurut provinsi", "kind": "Jenis",
        "province": "Provinsi", "cases": "Pengaduan", "others": "Lainnya",
        "sanggah": "Sanggah", "payment_complaint": "Pengaduan pembayaran", "data_correction": "Perbaikan data",
        "usul": "Usul",
        "small": "Angka dari kurang dari {m} pengaduan tidak ditampilkan, dan kelompok kecil digabung ke "
        "\u201cLainnya\u201d, agar tidak ada orang yang dapat dikenali.",
        "send": "Sampaikan pengaduan atau sanggahan", "nothing": "Belum ada data.",
    },
    "en": {
        "title": "Citizens' grievances", "lead": "Objections, payment complaints, data corrections and proposals "
        "received, and how quickly and fairly they are answered. No personal data: only kind, region and time.",
        "total": "Cases received", "decided": "Decided", "median": "Median time to a decision",
        "breach": "Past the deadline", "breach_of": "{n} of {base} cases whose deadline has come",
        "upheld": "Upheld", "upheld_of": "{n} of {base} decided",
        "by_kind": "Cases by kind", "by_province": "Cases by province", "kind": "Kind", "province": "Province",
        "cases": "Cases", "others": "Others",
        "sanggah": "Objection (sanggah)", "payment_complaint": "Payment complaint",
        "data_correction": "Data correction", "usul": "Proposal (usul)",
        "small": "Figures from fewer than {m} cases are not shown, and small groups are pooled into "
        "\u201cOthers\u201d, so nobody can be recognised.",
        "send": "Send a complaint or objection", "nothing": "No data yet.",
    },
}


@router.get("/pengaduan-publik", response_class=HTMLResponse)
async def grievances_page(request: Request, sql: ReadDep, lang: Lang = "id") -> HTMLResponse:
    w = WORDS[lang]
    rt = runtime(request.app)
    found = await GrievanceCases(sql).figures(rt.clock.now())
    names = region_names()
    kinds = [{"name": w.get(k, w["others"]) if k != OTHERS else w["others"], "n": small_count(n, lang)}
             for k, n in found.by_kind] if found.published else []
    provinces = [{"name": names.get(p, p) if p != OTHERS else w["others"], "n": small_count(n, lang)}
                 for p, n in found.by_province] if found.published else []
    grievance = getattr(rt.settings, "grievance_url", None)
    return render(request, "grievances.html", lang, w["title"], w=w, f=found, kinds=kinds, provinces=provinces,
                  total=small_count(found.total, lang), decided=small_count(found.decided, lang),
                  median=days(found.median_days, lang), breach=percent(found.breach_rate, lang),
                  upheld=percent(found.upheld_share, lang), min_cell=MIN_CELL,
                  # the share over a published base shows its numerator anyway: both, or neither
                  breach_of=w["breach_of"].format(n=number(found.breached, lang), base=number(found.deadline_base,
                                                                                              lang))
                  if found.breach_rate is not None else "",
                  upheld_of=w["upheld_of"].format(n=number(found.upheld, lang), base=number(found.decided, lang))
                  if found.upheld_share is not None else "",
                  form=f"{grievance.rstrip('/')}/pengaduan?lang={lang}" if grievance else None)
