"""Bahasa Indonesia first, English second: the console's words, numbers written the way each language writes
them, times in WIB, and the owning services' refusals told in the officer's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

LANGS = ("id", "en")
WIB = ZoneInfo("Asia/Jakarta")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("Konsol Operasi Gotong", "Gotong operations console"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "nav": ("Menu utama", "Main menu"),
    "dashboard": ("Dasbor", "Dashboard"),
    "reviews": ("Antrean verifikasi", "Review queue"),
    "cycles": ("Siklus penyaluran", "Disbursement cycles"),
    "programs": ("Program", "Programs"),
    "exceptions": ("Pengecualian rekonsiliasi", "Reconciliation exceptions"),
    "allocations": ("Alokasi CSR menunggu", "CSR allocations waiting"),
    "reports": ("Laporan dampak", "Impact reports"),
    "nav_reviews": ("Verifikasi", "Reviews"),
    "nav_cycles": ("Siklus", "Cycles"),
    "nav_exceptions": ("Pengecualian", "Exceptions"),
    "nav_csr": ("Perusahaan CSR", "CSR companies"),
    "nav_allocations": ("Alokasi CSR", "CSR allocations"),
    "nav_reports": ("Laporan dampak", "Impact reports"),
    "nav_milestones": ("Tonggak terlambat", "Overdue milestones"),
    "household": ("Rumah tangga", "Household"),
    "sign_in": ("Masuk", "Sign in"),
    "sign_out": ("Keluar", "Sign out"),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "language": ("Bahasa", "Language"),
    "live": ("Angka diperbarui otomatis; tanpa JavaScript, muat ulang halaman.",
             "Figures update by themselves; without JavaScript, reload the page."),
    "as_of": ("Data per", "Data as of"),
    "cycles_by_state": ("Siklus menurut status", "Cycles by state"),
    "approvals_waiting": ("Menunggu persetujuan", "Approvals waiting"),
    "review_queue": ("Antrean verifikasi menurut alasan dan umur", "Review queue by reason and age"),
    "exceptions_open": ("Pengecualian terbuka menurut jenis", "Open exceptions by kind"),
    "payments_per_minute": ("Pembayaran menit ini", "Payments this minute"),
    "payments_last_minute": ("Pembayaran menit lalu", "Payments last minute"),
    "held_households": ("Rumah tangga ditahan", "Households held"),
    "none": ("Tidak ada", "None"),
    "register": ("Daftarkan rumah tangga", "Register a household"),
    "register_help": ("Data pribadi dikirim langsung ke registri, yang memeriksa NIK dan duplikat; konsol tidak "
                      "menyimpannya.", "Personal data goes straight to the registry, which checks NIKs and "
                      "duplicates; the console keeps none of it."),
    "kk_section": ("Kartu Keluarga", "Family card (KK)"),
    "village_code": ("Kode desa (Kepmendagri)", "Village code (Kepmendagri)"),
    "address": ("Alamat", "Address"),
    "phone": ("Telepon (boleh kosong)", "Phone (optional)"),
    "bank_account": ("Rekening bank (boleh kosong)", "Bank account (optional)"),
    "member": ("Anggota", "Member"),
    "required": ("wajib", "required"),
    "name": ("Nama", "Name"),
    "sex": ("Jenis kelamin", "Sex"),
    "female": ("Perempuan", "Female"),
    "male": ("Laki-laki", "Male"),
    "birth_date": ("Tanggal lahir", "Date of birth"),
    "relation": ("Hubungan dalam keluarga", "Relation in the family"),
    "approved": ("Disetujui", "Approved"),
    "paying": ("Sedang dibayar", "Paying"),
    "closed": ("Ditutup", "Closed"),
    "csr_allocation": ("Alokasi CSR", "CSR allocations"),
    "enterprise_verification": ("Verifikasi usaha sosial", "Social enterprises to verify"),
    "agreement_signature": ("Perjanjian belum ditandatangani", "Agreements to sign"),
    "failed": ("Gagal", "Failed"),
    "returned": ("Dikembalikan bank", "Returned by the bank"),
    "total": ("Jumlah", "Total"),
    "state": ("Status", "State"),
    "kind": ("Jenis", "Kind"),
    "reason": ("Alasan", "Reason"),
    "age": ("Umur", "Age"),
    "count": ("Banyaknya", "Count"),
    "filter": ("Saring", "Filter"),
    "region": ("Wilayah (kode Kemendagri)", "Region (Kemendagri code)"),
    "older_than": ("Menunggu lebih dari", "Waiting longer than"),
    "days": ("hari", "days"),
    "all": ("Semua", "All"),
    "next_page": ("Halaman berikutnya", "Next page"),
    "prev_page": ("Halaman sebelumnya", "Previous page"),
    "showing": ("Menampilkan", "Showing"),
    "of": ("dari", "of"),
    "at_least": ("sedikitnya", "at least"),
    "status": ("Status", "Status"),
    "opened_at": ("Dibuka", "Opened"),
    "proposal": ("Usulan", "Proposal"),
    "proposed_by": ("Diusulkan oleh", "Proposed by"),
    "decision": ("Keputusan", "Decision"),
    "note": ("Catatan", "Note"),
    "propose": ("Usulkan keputusan", "Propose decision"),
    "approve": ("Setujui", "Approve"),
    "send_back": ("Kembalikan", "Send back"),
    "verified": ("Terverifikasi", "Verified"),
    "rejected": ("Ditolak", "Rejected"),
    "open": ("Terbuka", "Open"),
    "proposed": ("Diusulkan", "Proposed"),
    "decided": ("Diputuskan", "Decided"),
    "detail": ("Rincian", "Details"),
    "purpose": ("Tujuan membuka data pribadi", "Purpose of opening personal data"),
    "purpose_help": ("Wajib diisi; setiap pembukaan dicatat oleh registri.",
                     "Required; the registry records every opening."),
    "show_personal": ("Tampilkan data pribadi", "Show personal data"),
    "personal": ("Data pribadi", "Personal data"),
    "program": ("Program", "Program"),
    "period": ("Periode", "Period"),
    "cutoff": ("Tanggal batas", "Cut-off date"),
    "open_cycle": ("Buka siklus", "Open a cycle"),
    "compute": ("Hitung hak", "Compute entitlements"),
    "review": ("Tandai sudah ditinjau", "Mark reviewed"),
    "pay": ("Bayar", "Pay"),
    "close": ("Tutup siklus", "Close cycle"),
    "reconcile": ("Rekonsiliasi", "Reconcile"),
    "reissue": ("Terbitkan ulang pembayaran", "Reissue payment"),
    "resolve": ("Selesaikan", "Resolve"),
    "resolution": ("Penyelesaian", "Resolution"),
    "amount": ("Jumlah (Rp)", "Amount (Rp)"),
    "households": ("Rumah tangga", "Households"),
    "target": ("Tujuan", "Target"),
    "reject": ("Tolak", "Reject"),
    "refused": ("Ditolak oleh layanan", "Refused by the service"),
    "done": ("Berhasil.", "Done."),
    "not_found": ("Halaman tidak ditemukan.", "Page not found."),
    "missing_endpoint": ("Layanan pemilik belum menyediakan daftar ini lewat API-nya.",
                         "The owning service does not offer this list in its API yet."),
    "session_expired": ("Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk lagi.",
                        "Your session ended after a period without activity. Please sign in again."),
    "token_expired": ("Izin masuk Anda sudah habis masa berlakunya. Silakan masuk lagi.",
                      "Your sign-in has expired. Please sign in again."),
    "role_refused": ("Akun Anda tidak memiliki peran yang dibutuhkan konsol ini",
                     "Your account lacks a role this console needs"),
    "roles_needed": ("Peran yang dibutuhkan", "Roles needed"),
    "roles_held": ("Peran Anda", "Your roles"),
    "sign_in_failed": ("Masuk gagal", "Sign-in failed"),
    "csrf_refused": ("Formulir ditolak: token keamanan (CSRF) tidak ada atau tidak cocok. Muat ulang halaman lalu "
                     "coba lagi.", "Form refused: its security (CSRF) token is missing or wrong. Reload the page "
                     "and try again."),
    "bad_input": ("Isian tidak valid", "Invalid input"),
    # reconciliation exceptions: their kinds and facts, as disbursement names them
    "amount_mismatch": ("Jumlah dibayar berbeda", "Amount paid differs"),
    "amount_disputed": ("Jumlah dipersoalkan lewat pengaduan", "Amount disputed by a complaint"),
    "stale_attempt_paid": ("Percobaan lama ternyata dibayar", "An earlier attempt was paid"),
    "conflicting_report": ("Laporan kanal bertentangan", "Conflicting channel report"),
    "exception": ("Pengecualian", "Exception"),
    "resolved": ("Selesai", "Resolved"),
    "payment_id": ("ID pembayaran", "Payment ID"),
    "attempt": ("Percobaan ke", "Attempt"),
    "cycle_id": ("ID siklus", "Cycle ID"),
    "created_at": ("Dibuka", "Opened"),
    "confirmed_amount": ("Jumlah dikonfirmasi", "Confirmed amount"),
    "signed_out": ("Anda sudah keluar.", "You are signed out."),
    "welcome": ("Masuk dengan akun petugas untuk memakai konsol.", "Sign in with your officer account to use the "
                "console."),
}

#: The owning services' refusals, by their problem code (and a word of their detail), in Bahasa Indonesia.
PROBLEMS_ID: list[tuple[str, str, str]] = [
    ("forbidden", "maker", "Empat mata: petugas yang mengusulkan tidak boleh menyetujui usulannya sendiri."),
    ("forbidden", "", "Anda tidak berwenang melakukan ini."),
    ("insufficient-scope", "", "Peran Anda tidak mencakup izin untuk tindakan ini."),
    ("unauthorized", "", "Izin masuk Anda tidak diterima layanan; silakan masuk lagi."),
    ("not-found", "", "Data tidak ditemukan."),
    ("conflict", "", "Bertabrakan dengan perubahan lain; muat ulang lalu coba lagi."),
    ("invalid-state-transition", "", "Langkah ini tidak berlaku untuk status saat ini."),
    ("validation-error", "", "Isian tidak valid."),
    ("too-many-requests", "", "Terlalu banyak permintaan; tunggu sebentar."),
    ("", "unreachable", "Layanan pemilik tidak dapat dihubungi."),
]


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("lang") or ""
    return asked if asked in LANGS else "id"


def text(lang: str, key: str) -> str:
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "id" else pair[1]


def number(value: Any, lang: str) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return "" if value is None else str(value)
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if lang == "id" else grouped


def rupiah(value: Any, lang: str) -> str:
    return f"Rp {number(value, lang)}" if isinstance(value, int) else ""


def when(value: Any, lang: str) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if not isinstance(value, datetime):
        return ""
    return str(value.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB"))


def refusal(lang: str, code: str, detail: str) -> str:
    """An owning service's refusal in the officer's language; the service's own words follow in English."""
    if lang != "id":
        return detail
    for known, word, said in PROBLEMS_ID:
        if (not known or known == code) and (not word or word in detail.lower()):
            return f"{said} ({detail})"
    return detail
