"""`/cek-status`: the public status check as a page for citizens ("Cek status bantuan"), in Bahasa Indonesia
and English, on a cheap phone, without JavaScript.

Two ways to ask, as the API: the village (province → regency → district → village, each step a plain GET form)
and the full name, or NIK and name. The NIK and name are POSTed, never put in a URL. The answer says in plain
words whether the household is registered, its desil and what that means, each program and period with the
amount and status, links to verify the payment's receipt on the transparency portal (its `/verifikasi` page
fetches and checks it in the browser) and to download it, and what to do next.
"Not found" and "the name does not match" are the same answer.

Limited per client address (the connection's, never a forwarding header the client writes) by the kit's
`SharedLimiter`, counted in the registry's PostgreSQL so the limit holds across replicas, with its own policy
beside the API's. An address over the limit gets a page, not a bare 429: it says in words when to try again
(Retry-After) and carries a proof-of-work challenge (`gotong.api.proof_of_work`) that the kit's own `pow.js`,
served from here, solves and resubmits with the same form; a solved challenge lets that one request through,
once (replays are refused on every replica). The form's own fields travel back in the page as hidden inputs so
that the browser can resubmit them; the page is `no-store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from gotong.api.app import runtime
from gotong.api.proof_of_work import POW_SCRIPT, ChallengeRefused, ProofOfWork
from gotong.api.shared_limits import SharedLimiter, client_address
from gotong.domain.errors import DomainError
from registry.config import Settings
from registry.entrypoints.api.deps import registry_state
from registry.entrypoints.api.public import StatusAnswer, StatusQuery, check_status, limiter_secret

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
STYLE = (Path(__file__).parent / "templates" / "status.css").read_bytes()
ICON = (Path(__file__).parent / "templates" / "favicon.svg").read_bytes()

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "title": "Cek status bantuan sosial", "lead": "Periksa apakah keluarga Anda terdaftar di DTSEN dan bantuan "
        "apa yang sudah diterima. Nama dan NIK tidak disimpan di alamat halaman ini.",
        "by_region": "Cari dengan wilayah dan nama", "by_nik": "Cari dengan NIK dan nama",
        "province": "Provinsi", "regency": "Kabupaten/kota", "district": "Kecamatan", "village": "Desa/kelurahan",
        "choose": "— pilih —", "next": "Lanjut", "name": "Nama lengkap (sesuai KTP)", "nik": "NIK (16 angka)",
        "check": "Cek status", "found": "Terdaftar di DTSEN", "not_found": "Data tidak ditemukan",
        "not_found_text": "Periksa kembali nama dan wilayah atau NIK. Nama harus sama dengan KTP. Jika keluarga Anda "
        "belum terdaftar, Anda dapat mengusulkan pendaftaran melalui kantor desa/kelurahan.",
        "desil": "Desil kesejahteraan", "desil_text": "Keluarga Anda termasuk kelompok {pct}% rumah tangga dengan "
        "tingkat kesejahteraan terendah di Indonesia (desil {d} dari 10).",
        "desil_aid": "Desil 1–4 dapat menjadi sasaran bantuan seperti PKH dan BPNT, sesuai aturan tiap program.",
        "desil_none": "Belum ada peringkat kesejahteraan untuk keluarga ini.",
        "programs": "Bantuan yang tercatat", "no_programs": "Belum ada bantuan yang tercatat untuk keluarga ini.",
        "program": "Program", "period": "Periode", "amount": "Jumlah", "status": "Status", "receipt": "Bukti",
        "see_receipt": "Unduh bukti", "verify_receipt": "Periksa keaslian",
        "verify": "Periksa keaslian bukti di portal transparansi",
        "next_steps": "Langkah selanjutnya",
        "complain": "Sampaikan pengaduan atau sanggahan secara daring (tanpa login)",
        "complain_payment": "Laporkan masalah",
        "object_office": "Data salah, atau bantuan tidak diterima? Sampaikan ke kantor desa/kelurahan atau Dinas "
        "Sosial kabupaten/kota, dengan membawa KTP dan Kartu Keluarga.",
        "again": "Cek lagi", "too_many": "Terlalu banyak permintaan",
        "too_many_text": "Tunggu sekitar {s} detik, lalu coba lagi.", "invalid": "Periksa isian berikut",
        "pow_lead": "Permintaan dari alamat internet Anda melebihi batas. Agar bisa melanjutkan tanpa menunggu, "
        "browser Anda (dengan JavaScript) mengerjakan satu soal hitungan kecil, tanpa layanan pihak ketiga, lalu "
        "mengirim ulang isian Anda sendiri.",
        "pow_working": "Sedang memeriksa… halaman ini akan dikirim ulang sendiri dalam beberapa detik.",
        "pow_noscript": "JavaScript tidak aktif, jadi soal tidak bisa dikerjakan. Tunggu sekitar {s} detik, lalu "
        "tekan tombol di bawah.", "send_again": "Kirim ulang",
        "pow_malformed": "Jawaban pemeriksaan tidak lengkap; soal baru diberikan.",
        "pow_forged": "Soal pemeriksaan tidak dikenal (mungkin dari alamat lain); soal baru diberikan.",
        "pow_expired": "Soal pemeriksaan sudah kedaluwarsa; soal baru diberikan.",
        "pow_wrong": "Jawaban pemeriksaan salah; soal baru diberikan.",
        "pow_used": "Soal pemeriksaan ini sudah pernah dipakai; soal baru diberikan.",
        "lang_other": "English", "lang_other_code": "en",
        "paid": "Sudah dibayar", "instructed": "Sedang diproses", "failed": "Gagal dikirim; akan dikirim ulang",
        "reissued": "Dikirim ulang", "returned": "Dikembalikan ke kas program",
    },
    "en": {
        "title": "Check your social assistance", "lead": "Check whether your family is in the DTSEN register and "
        "which assistance it has received. Your name and NIK are never put in this page's address.",
        "by_region": "Search by region and name", "by_nik": "Search by NIK and name",
        "province": "Province", "regency": "Regency/city", "district": "District", "village": "Village",
        "choose": "— choose —", "next": "Next", "name": "Full name (as on the KTP)", "nik": "NIK (16 digits)",
        "check": "Check status", "found": "Registered in DTSEN", "not_found": "Not found",
        "not_found_text": "Check the name and the region or NIK again. The name must be as on the KTP. If your "
        "family is not registered, you can ask for registration at the village office.",
        "desil": "Welfare decile", "desil_text": "Your family is among the {pct}% of households with the lowest "
        "welfare in Indonesia (decile {d} of 10).",
        "desil_aid": "Deciles 1–4 can be eligible for assistance such as PKH and BPNT, by each program's rules.",
        "desil_none": "This family has no welfare ranking yet.",
        "programs": "Assistance on record", "no_programs": "No assistance is on record for this family yet.",
        "program": "Program", "period": "Period", "amount": "Amount", "status": "Status", "receipt": "Receipt",
        "see_receipt": "Download receipt", "verify_receipt": "Verify it",
        "verify": "Verify a receipt on the transparency portal",
        "next_steps": "What next",
        "complain": "Send a complaint or an objection online (no login)",
        "complain_payment": "Report a problem",
        "object_office": "Wrong data, or assistance not received? Tell the village office or the regency's social "
        "affairs office (Dinas Sosial), with your KTP and family card.",
        "again": "Check again", "too_many": "Too many requests",
        "too_many_text": "Wait about {s} seconds, then try again.", "invalid": "Please check",
        "pow_lead": "Your internet address has gone over the limit. To go on without waiting, your browser (with "
        "JavaScript) solves a small arithmetic puzzle, with no third-party service, then sends your form again by "
        "itself.",
        "pow_working": "Checking… this page will send itself again in a few seconds.",
        "pow_noscript": "JavaScript is off, so the puzzle cannot be solved. Wait about {s} seconds, then press the "
        "button below.", "send_again": "Send again",
        "pow_malformed": "The check's answer was incomplete; here is a new puzzle.",
        "pow_forged": "The check's puzzle was not issued here (or for another address); here is a new puzzle.",
        "pow_expired": "The check's puzzle has expired; here is a new puzzle.",
        "pow_wrong": "The check's answer is wrong; here is a new puzzle.",
        "pow_used": "This puzzle has already been used; here is a new puzzle.",
        "lang_other": "Bahasa Indonesia", "lang_other_code": "id",
        "paid": "Paid", "instructed": "Being processed", "failed": "Failed; will be sent again",
        "reissued": "Sent again", "returned": "Returned to the program",
    },
}
FIELD_NAMES = {"name": "name", "nik": "nik", "village_code": "village", "": "name"}


def _lang(value: str | None) -> str:
    return value if value in WORDS else "id"


def money(amount: int, lang: str) -> str:
    digits = f"{amount:,}"
    return "Rp\u00a0" + (digits.replace(",", ".") if lang == "id" else digits)


def status_page_router(per_minute: int) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    limiter = SharedLimiter("cek-status", per_minute, secret=limiter_secret)
    works: dict[int, ProofOfWork] = {}

    def proof_of_work(request: Request) -> ProofOfWork:
        settings = runtime(request.app).settings
        assert isinstance(settings, Settings)
        found = works.get(id(settings))
        if found is None:
            found = works[id(settings)] = ProofOfWork(limiter_secret(settings), settings.status_challenge_bits,
                                                      settings.status_challenge_ttl_s)
        return found

    def regions_under(request: Request, code: str | None) -> list[tuple[str, str]]:
        names = registry_state(request.app).deps.regions.names
        depth = 0 if not code else code.count(".") + 1
        prefix = "" if not code else code + "."
        return sorted(((k, v) for k, v in names.items() if k.startswith(prefix) and k.count(".") == depth),
                      key=lambda kv: kv[1])

    def render(request: Request, lang: str, *, code: int = 200, **context: Any) -> HTMLResponse:
        q = request.query_params
        chosen = {level: q.get(level) or context.pop(level, None)
                  for level in ("province", "regency", "district")}
        known = registry_state(request.app).deps.regions.names
        chosen = {k: v if v in known else None for k, v in chosen.items()}
        if chosen["province"] is None or not (chosen["regency"] or "").startswith(chosen["province"] or "-"):
            chosen["regency"] = None
        if chosen["regency"] is None or not (chosen["district"] or "").startswith(chosen["regency"] or "-"):
            chosen["district"] = None
        lists = {"province": regions_under(request, None),
                 "regency": regions_under(request, chosen["province"]) if chosen["province"] else [],
                 "district": regions_under(request, chosen["regency"]) if chosen["regency"] else [],
                 "village": regions_under(request, chosen["district"]) if chosen["district"] else []}
        settings = runtime(request.app).settings
        assert isinstance(settings, Settings)
        response = templates.TemplateResponse(request, "status.html", {
            "w": WORDS[lang], "lang": lang, "chosen": chosen, "lists": lists, "money": money,
            "portal": (settings.canvas_projector_url or "").rstrip("/"),
            "grievance": (settings.grievance_url or "").rstrip("/"), **context}, status_code=code)
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.get("/cek-status/style.css")
    async def style() -> Response:
        return Response(STYLE, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/cek-status/favicon.svg")
    async def icon() -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})

    @router.get("/cek-status/pow.js")
    async def pow_js() -> Response:
        return Response(POW_SCRIPT, media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/cek-status", response_class=HTMLResponse)
    async def form(request: Request, lang: str | None = None) -> HTMLResponse:
        return render(request, _lang(lang))

    @router.post("/cek-status", response_class=HTMLResponse)
    async def ask(request: Request, name: str = Form(""), nik: str = Form(""), village_code: str = Form(""),
                  lang: str = Form("id"), challenge: str = Form(""), counter: str = Form("")) -> HTMLResponse:
        language = _lang(lang)
        village = village_code.strip() or None
        parts = village.split(".") if village else []
        keep: dict[str, Any] = {"province": ".".join(parts[:1]) or None, "regency": ".".join(parts[:2]) or None,
                "district": ".".join(parts[:3]) or None}
        client = client_address(request.scope)
        decision = await limiter.take(request.app, client)
        if not decision.allowed:
            work = proof_of_work(request)
            refused: str | None = None
            if counter:  # without JavaScript the form comes back unsolved: no refusal, just the page again
                try:
                    async with runtime(request.app).database.statement() as sql:
                        await work.redeem(sql, challenge, counter, client)
                except ChallengeRefused as err:
                    refused = err.reason
            if refused is not None or not counter:
                response = render(request, language, code=429, limited=decision.retry_after,
                                  challenge=work.issue(client), bits=work.bits, refused=refused,
                                  again={"name": name, "nik": nik, "village_code": village_code}, **keep)
                response.headers.update(limiter.headers(decision))
                return response
        try:
            query = StatusQuery(name=name.strip(), nik=nik.strip() or None, village_code=village)
            answer: StatusAnswer = await check_status(request, query)
        except ValidationError as err:
            fields = sorted({FIELD_NAMES.get(str(e["loc"][0]) if e["loc"] else "", "name") for e in err.errors()})
            return render(request, language, code=422, invalid=fields, **keep)
        except DomainError as err:
            return render(request, language, code=422, invalid=[FIELD_NAMES.get(err.field or "", "village")],
                          **keep)
        return render(request, language, answer=answer, **keep)

    return router


__all__ = ["WORDS", "money", "status_page_router"]
