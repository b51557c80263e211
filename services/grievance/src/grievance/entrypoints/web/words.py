"""What the citizens' grievance pages say: Bahasa Indonesia first, English second. Every field's error is a
sentence in the citizen's language naming the field (never the value typed)."""

from __future__ import annotations

from datetime import date

#: Page address -> case kind. An usul has a page too, but it explains the way through the village office: the
#: public channel does not take an usul (the domain refuses it), a village officer proposes it.
SLUGS: dict[str, str] = {"sanggah": "sanggah", "pembayaran": "payment_complaint",
                         "perbaikan-data": "data_correction", "usul": "usul"}
KIND_SLUG = {kind: slug for slug, kind in SLUGS.items()}

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "lang_other": "English", "lang_other_code": "en", "home": "Pengaduan",
        "index_title": "Pengaduan dan sanggahan bantuan sosial",
        "index_lead": "Data keluarga salah, bantuan tidak diterima, atau ada keluarga mampu yang menerima bantuan? "
        "Sampaikan di sini tanpa login. Anda mendapat nomor pengaduan untuk memantau jawabannya.",
        "track_link": "Lacak pengaduan dengan nomor pengaduan",
        "kind_sanggah": "Sanggah: keberatan atas keluarga penerima",
        "kind_sanggah_text": "Keluarga yang tercatat sebagai penerima tampak mampu, atau desilnya tidak sesuai. Boleh "
        "tanpa nama. Dijawab dalam 14 hari.",
        "kind_payment_complaint": "Pengaduan pembayaran",
        "kind_payment_complaint_text": "Bantuan tidak diterima atau jumlahnya salah. Dijawab dalam 7 hari.",
        "kind_data_correction": "Perbaikan data keluarga",
        "kind_data_correction_text": "Anggota keluarga meninggal, pindah, atau lahir. Dijawab dalam 21 hari.",
        "kind_usul": "Usul: mengusulkan keluarga",
        "kind_usul_text": "Keluarga miskin yang belum terdaftar, atau perlu dinilai ulang. Diajukan melalui "
        "petugas desa/kelurahan.",
        "usul_lead": "Usul pendaftaran atau penilaian ulang diajukan oleh petugas desa/kelurahan, karena petugas "
        "memeriksa dokumen dan mengunjungi rumah. Datanglah ke kantor desa/kelurahan dengan KTP dan Kartu "
        "Keluarga (KK) keluarga yang diusulkan. Petugas akan memasukkan usul dan memberikan nomor pengaduan, "
        "yang dapat Anda lacak di halaman ini. Usul dijawab dalam 30 hari.",
        "form_lead": "Isian bertanda * wajib. Nama, NIK dan cerita Anda disimpan terenkripsi dan hanya dibaca "
        "petugas yang menangani; tidak pernah ditampilkan di halaman publik.",
        "region": "Wilayah keluarga yang dimaksud", "province": "Provinsi", "regency": "Kabupaten/kota",
        "district": "Kecamatan", "village": "Desa/kelurahan", "choose": "— pilih —", "next": "Lanjut",
        "region_chosen": "Wilayah terpilih", "region_none": "Belum dipilih: pilih provinsi lalu tekan Lanjut.",
        "change_region": "Ganti wilayah",
        "category": "Apa masalahnya?",
        "cat_inclusion": "Keluarga ini mampu dan tidak layak menerima bantuan",
        "cat_desil": "Desil (peringkat kesejahteraan) keluarga ini tidak sesuai",
        "cat_not_received": "Bantuan tidak diterima", "cat_wrong_amount": "Jumlah bantuan salah",
        "cat_member_died": "Anggota keluarga meninggal", "cat_member_moved": "Anggota keluarga pindah",
        "cat_member_born": "Anggota keluarga baru lahir",
        "subject_ref_household": "Nomor rujukan keluarga", "subject_ref_payment": "Nomor bukti pembayaran",
        "subject_ref_household_hint": "Nomor rujukan keluarga dari kantor desa/kelurahan atau Dinas Sosial "
        "(contoh: 3f2b…-…). Bukan NIK.",
        "subject_ref_payment_hint": "Tertulis di halaman Cek status bantuan, pada kolom Bukti. Bukan nomor "
        "rekening.",
        "description": "Ceritakan apa yang terjadi", "description_hint": "Paling banyak 4.000 huruf.",
        "names": "Nama orang yang dimaksud (jika tahu)", "names_hint": "Pisahkan dengan koma.",
        "anonymous": "Kirim tanpa nama (anonim)",
        "anonymous_text": "Jika dicentang, nama dan nomor telepon Anda tidak disimpan sama sekali, bahkan tidak "
        "terenkripsi. Keluarga yang Anda sanggah tidak akan pernah tahu siapa yang mengirim, dan petugas pun tidak. "
        "Akibatnya petugas tidak dapat menghubungi Anda: simpan nomor pengaduan untuk melihat jawabannya.",
        "reporter": "Data Anda (boleh dikosongkan)",
        "reporter_text": "Isi jika Anda bersedia dihubungi petugas. Disimpan terenkripsi, tidak pernah "
        "ditampilkan kepada keluarga yang dimaksud.",
        "reporter_name": "Nama Anda", "reporter_phone": "Nomor telepon",
        "reporter_phone_hint": "Contoh: 081234567890",
        "send": "Kirim pengaduan", "required": "wajib",
        "invalid": "Periksa isian berikut",
        "err_region_code": "Pilih wilayah keluarga (paling tidak provinsi), lalu kirim lagi.",
        "err_category": "Pilih salah satu masalah.",
        "err_subject_ref": "Isi nomor rujukan yang benar (bukan NIK atau nama).",
        "err_description": "Ceritakan apa yang terjadi (1 sampai 4.000 huruf).",
        "err_names": "Nama paling banyak 200 huruf tiap orang, paling banyak 20 orang.",
        "err_reporter_name": "Isi nama Anda (paling banyak 200 huruf), atau kosongkan nomor telepon juga.",
        "err_reporter_phone": "Nomor telepon 8 sampai 15 angka, boleh diawali +.",
        "err_anonymous": "Hanya sanggah yang boleh dikirim tanpa nama.",
        "err_form": "Formulir ini sudah kedaluwarsa; isi dan kirim lagi.",
        "submitted_title": "Pengaduan diterima",
        "submitted_lead": "Simpan nomor pengaduan ini. Hanya dengan nomor ini Anda dapat melihat jawabannya; nomor "
        "ini tidak dapat dicari ulang.",
        "tracking_number": "Nomor pengaduan", "due": "Batas waktu keputusan",
        "submitted_anonymous": "Dikirim tanpa nama: identitas Anda tidak disimpan.",
        "track_now": "Lihat status pengaduan", "another": "Kirim pengaduan lain",
        "track_title": "Lacak pengaduan",
        "track_lead": "Masukkan nomor pengaduan yang Anda terima (contoh: GRV-7K3M-Q9XD-2B4T). Nomor dikirim "
        "lewat formulir, tidak ditaruh di alamat halaman.",
        "nomor": "Nomor pengaduan", "track": "Lacak",
        "err_nomor": "Nomor pengaduan berbentuk GRV-XXXX-XXXX-XXXX.",
        "err_nomor_unknown": "Tidak ada pengaduan dengan nomor ini. Periksa kembali hurufnya.",
        "kind": "Jenis", "status": "Status", "received_on": "Diterima", "outcome": "Keputusan",
        "follow_up": "Tindak lanjut",
        "upheld": "Pengaduan diterima (dibenarkan)", "rejected": "Pengaduan ditolak",
        "appealed": "Sudah diajukan banding.",
        "appeal": "Banding", "appeal_send": "Ajukan banding",
        "appeal_hint": "Tidak setuju dengan keputusan? Anda dapat mengajukan banding satu kali: pengaduan "
        "diperiksa lagi dan dijawab dalam 14 hari.",
        "appeal_done": "Banding diterima: pengaduan diperiksa lagi.",
        "appeal_refused": "Banding tidak dapat diajukan sekarang (sudah pernah, atau tindak lanjut keputusan "
        "belum selesai). Coba lagi nanti atau datang ke kantor desa/kelurahan.",
        "too_many": "Terlalu banyak permintaan", "too_many_text": "Tunggu sekitar {s} detik, lalu coba lagi.",
        "footer": "Pengaduan · Gotong",
    },
    "en": {
        "lang_other": "Bahasa Indonesia", "lang_other_code": "id", "home": "Grievances",
        "index_title": "Complaints and objections about social assistance",
        "index_lead": "Wrong family data, aid not received, or a well-off family receiving aid? Tell us here, "
        "without logging in. You get a tracking number to follow the answer.",
        "track_link": "Track a case by its tracking number",
        "kind_sanggah": "Objection (sanggah) to a listed family",
        "kind_sanggah_text": "A family listed as a recipient seems well off, or its decile looks wrong. May be "
        "anonymous. Answered within 14 days.",
        "kind_payment_complaint": "Payment complaint",
        "kind_payment_complaint_text": "Aid not received, or the wrong amount. Answered within 7 days.",
        "kind_data_correction": "Correct a family's data",
        "kind_data_correction_text": "A family member died, moved or was born. Answered within 21 days.",
        "kind_usul": "Proposal (usul): propose a family",
        "kind_usul_text": "A poor family not yet registered, or due for re-assessment. Made through the village "
        "officer.",
        "usul_lead": "A proposal for registration or re-assessment is made by the village officer, who checks the "
        "documents and visits the home. Go to the village office with the KTP and family card (KK) of the family "
        "you propose. The officer enters the proposal and gives you a tracking number you can follow on this "
        "page. A proposal is answered within 30 days.",
        "form_lead": "Fields marked * are required. Names, NIKs and your story are stored encrypted and read only "
        "by the officer handling the case; they never appear on a public page.",
        "region": "Region of the family concerned", "province": "Province", "regency": "Regency/city",
        "district": "District", "village": "Village", "choose": "— choose —", "next": "Next",
        "region_chosen": "Region chosen", "region_none": "Not chosen yet: choose a province, then press Next.",
        "change_region": "Change region",
        "category": "What is wrong?",
        "cat_inclusion": "This family is well off and should not receive aid",
        "cat_desil": "This family's decile (welfare ranking) is wrong",
        "cat_not_received": "Aid not received", "cat_wrong_amount": "Wrong amount",
        "cat_member_died": "A family member died", "cat_member_moved": "A family member moved",
        "cat_member_born": "A family member was born",
        "subject_ref_household": "Family reference number", "subject_ref_payment": "Payment receipt number",
        "subject_ref_household_hint": "The family's reference number from the village office or the social "
        "affairs office (e.g. 3f2b…-…). Not the NIK.",
        "subject_ref_payment_hint": "Shown on the Check your social assistance page, in the Receipt column. Not "
        "a bank account number.",
        "description": "Tell us what happened", "description_hint": "At most 4,000 characters.",
        "names": "Names of the people concerned (if known)", "names_hint": "Separate them with commas.",
        "anonymous": "Send without my name (anonymous)",
        "anonymous_text": "If ticked, your name and phone number are not stored at all, not even encrypted. The "
        "family you object to will never know who sent it, and neither will the officers. So the officer cannot "
        "contact you: keep the tracking number to see the answer.",
        "reporter": "About you (optional)",
        "reporter_text": "Fill in if you agree to be contacted by the officer. Stored encrypted, never shown to the "
        "family concerned.",
        "reporter_name": "Your name", "reporter_phone": "Phone number", "reporter_phone_hint": "e.g. 081234567890",
        "send": "Send", "required": "required",
        "invalid": "Please check",
        "err_region_code": "Choose the family's region (at least the province), then send again.",
        "err_category": "Choose one of the problems.",
        "err_subject_ref": "Enter the right reference number (not a NIK or a name).",
        "err_description": "Tell us what happened (1 to 4,000 characters).",
        "err_names": "At most 200 characters per name, at most 20 people.",
        "err_reporter_name": "Enter your name (at most 200 characters), or leave the phone number empty too.",
        "err_reporter_phone": "A phone number of 8 to 15 digits, optionally starting with +.",
        "err_anonymous": "Only an objection (sanggah) may be anonymous.",
        "err_form": "This form has expired; fill it in and send it again.",
        "submitted_title": "Case received",
        "submitted_lead": "Keep this tracking number. Only with it can you see the answer; it cannot be looked up "
        "again.",
        "tracking_number": "Tracking number", "due": "Decision due by",
        "submitted_anonymous": "Sent anonymously: your identity was not stored.",
        "track_now": "See the case's status", "another": "Send another case",
        "track_title": "Track a case",
        "track_lead": "Enter the tracking number you were given (e.g. GRV-7K3M-Q9XD-2B4T). It is sent with the "
        "form, never put in the page's address.",
        "nomor": "Tracking number", "track": "Track",
        "err_nomor": "A tracking number looks like GRV-XXXX-XXXX-XXXX.",
        "err_nomor_unknown": "No case has this tracking number. Check the letters again.",
        "kind": "Kind", "status": "Status", "received_on": "Received", "outcome": "Decision",
        "follow_up": "Follow-up",
        "upheld": "Upheld", "rejected": "Rejected",
        "appealed": "An appeal was made.",
        "appeal": "Appeal", "appeal_send": "Appeal",
        "appeal_hint": "Disagree with the decision? You may appeal once: the case is examined again and answered "
        "within 14 days.",
        "appeal_done": "Appeal received: the case is examined again.",
        "appeal_refused": "The appeal cannot be made now (it was made already, or the decision's follow-up has not "
        "finished). Try again later or go to the village office.",
        "too_many": "Too many requests", "too_many_text": "Wait about {s} seconds, then try again.",
        "footer": "Grievances · Gotong",
    },
}

MONTHS = {"id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                 "Oktober", "November", "Desember"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December")}


def lang_of(value: str | None) -> str:
    return value if value in WORDS else "id"


def day(iso: str | None, lang: str) -> str:
    """`2026-12-15` -> `15 Desember 2026` / `15 December 2026`."""
    if not iso:
        return "\u2014"
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}"
