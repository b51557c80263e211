"""The portal's words: Bahasa Indonesia first, English second."""

STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "targeting_by_desil": "Sasaran menurut desil", "desil": "Desil", "regions": "Wilayah", "region": "Wilayah",
        "regions_intro": "Penyaluran per provinsi; pilih provinsi untuk melihat kabupaten/kota.",
        "csr_title": "Dana CSR perusahaan", "company": "Perusahaan", "pledged": "Diikrarkan",
        "deposited": "Disetor", "spent": "Disalurkan",
        "csr_intro": "Yang dijanjikan, disetor, dan disalurkan setiap perusahaan dari dana TJSL-nya.",
        "se_title": "Usaha sosial", "se_nav": "Usaha sosial", "enterprise": "Usaha sosial",
        "se_intro": "Usaha yang labanya melayani tujuan sosial. Kemandirian = pendapatan usaha / total biaya "
                    "(laporan terakhir yang diterima); 1,00 berarti hidup tanpa donasi.",
        "self_sufficiency": "Kemandirian", "jobs": "Pekerja", "jobs_vulnerable": "Pekerja dari kelompok rentan",
        "graduations_note": "Rumah tangga DTSEN yang anggotanya bekerja di usaha sosial (graduasi): {n}.",
        "hx_title": "Kemitraan Triple Helix", "hx_nav": "Kemitraan", "project": "Proyek", "projects": "Proyek",
        "hx_intro": "Pemerintah sebagai pembuat aturan, kampus sebagai pengetahuan dan riset, industri sebagai "
                    "sumber daya dan lapangan penerapan. Proyek lengkap bila ketiganya aktif di bawah perjanjian "
                    "yang ditandatangani.",
        "helix": "Triple Helix", "complete": "lengkap", "incomplete": "belum lengkap", "budget": "Anggaran",
        "delivered": "Kontribusi terealisasi", "partners": "Mitra", "strand": "Unsur",
        "strand_government": "Pemerintah", "strand_campus": "Kampus", "strand_industry": "Industri",
        "strand_community": "Komunitas",
        "canvas_title": "Business Model Canvas", "canvas": "Kanvas model bisnis", "as_of": "per tanggal",
        "maps_nav": "Peta", "status_check_nav": "Cek status bantuan",
        "show": "Tampilkan",
        "canvas_intro": "Sembilan blok diisi dari peristiwa yang tercatat; setiap butir menyebut pendekatan dan "
                        "buktinya.",
        "bmc_customer_segments": "Segmen penerima", "bmc_value_propositions": "Proposisi nilai",
        "bmc_channels": "Saluran", "bmc_customer_relationships": "Hubungan", "bmc_revenue_streams": "Sumber dana",
        "bmc_key_resources": "Sumber daya utama", "bmc_key_activities": "Aktivitas utama",
        "bmc_key_partners": "Mitra utama", "bmc_cost_structure": "Struktur biaya",
        "approach_dtsen": "DTSEN", "approach_targeted-aid": "bantuan tepat sasaran", "approach_csr": "CSR",
        "approach_social-enterprise": "kewirausahaan sosial", "approach_triple-helix": "Triple Helix",
        "skip": "Langsung ke isi", "menu": "Menu utama", "overview": "Ringkasan", "verify": "Verifikasi tanda terima",
        "checkpoints": "Riwayat checkpoint", "switch": "English",
        "overview_title": "Ke mana bantuan sosial mengalir",
        "overview_intro": "Setiap pembayaran bantuan tercatat di log transparansi yang dapat diperiksa siapa saja. "
                          "Tidak ada data pribadi di halaman ini.",
        "totals": "Total", "total_paid": "Total disalurkan", "households": "Rumah tangga penerima",
        "log_size": "Catatan di log", "per_province": "Per provinsi", "per_program": "Per program",
        "province": "Provinsi", "program": "Program", "others": "Lainnya (digabung)",
        "chart_caption": "Jumlah disalurkan per provinsi (kelompok di bawah 10 rumah tangga tidak ditampilkan).",
        "suppressed_note": "Kelompok dengan kurang dari 10 rumah tangga digabung ke \u201cLainnya\u201d, agar tidak "
                           "ada yang dapat dikenali \u2014 juga tidak dengan mengurangkan dari total.",
        "nothing_yet": "Belum ada data.",
        "verify_title": "Verifikasi tanda terima pembayaran",
        "verify_intro": "Tempel atau unggah tanda terima (JSON). Peramban Anda memeriksa tanda tangan checkpoint dan "
                        "bukti inklusi Merkle sendiri \u2014 tanpa mempercayai server kami.",
        "paste_receipt": "Tanda terima (JSON)", "or_upload": "atau unggah berkas", "verify_button": "Verifikasi",
        # the verification page's script says these (keys without the `v_`)
        "v_checking": "Memeriksa\u2026", "v_fetching": "Mengambil tanda terima pembayaran\u2026",
        "v_ok": "Terverifikasi",
        "v_ok_text": "Pembayaran ini tercatat di log transparansi: tanda tangan checkpoint cocok dengan kunci publik "
                     "log, dan bukti Merkle menunjukkan catatan ini ada di dalamnya \u2014 persis seperti tertulis di "
                     "bawah. Tidak satu angka pun dapat diubah tanpa verifikasi ini gagal.",
        "v_program": "Program", "v_amount": "Jumlah", "v_period": "Periode", "v_region": "Wilayah",
        "v_status": "Status", "v_checkpoint": "Checkpoint ditandatangani", "v_entry": "Entri di log",
        "v_entry_text": "catatan ke-{n} dari {size} di {origin} (indeks {index})",
        "v_quarter": "triwulan {q} tahun {y}",
        "v_months": "Januari,Februari,Maret,April,Mei,Juni,Juli,Agustus,September,Oktober,November,Desember",
        "v_status_paid": "sudah dibayar", "v_status_instructed": "diperintahkan untuk dibayar",
        "v_status_failed": "gagal dikirim", "v_status_returned": "dikembalikan ke kas program",
        "v_status_reissued": "dikirim ulang",
        "v_fail": "TIDAK terverifikasi",
        "v_why_json": "Teks ini bukan tanda terima: tidak dapat dibaca sebagai JSON. Tempel seluruh isi berkas tanda "
                      "terima, dari { sampai }.",
        "v_why_shape": "Tanda terima ini tidak lengkap: bagian \u201c{field}\u201d tidak ada atau tidak berbentuk "
                       "yang benar.",
        "v_why_signature": "Tanda tangan checkpoint tidak cocok dengan kunci publik log ini: checkpoint tidak "
                           "diterbitkan oleh log ini, atau isinya diubah sesudah ditandatangani.",
        "v_why_size": "Jumlah catatan yang disebut tanda terima berbeda dengan checkpoint-nya: tanda terima ini "
                      "telah diubah.",
        "v_why_inclusion": "Catatan pembayaran ini tidak ada di log di bawah checkpoint tersebut: isi catatan "
                           "(misalnya jumlah, program, atau wilayah) atau buktinya telah diubah.",
        "v_why_crypto": "Peramban ini tidak dapat memeriksa tanda tangan Ed25519. Coba peramban yang lebih baru.",
        "v_why_key": "Kunci publik log tidak dapat diambil. Periksa sambungan internet, lalu coba lagi.",
        "v_why_missing": "Belum ada tanda terima untuk pembayaran ini dengan status \u201c{status}\u201d: mungkin "
                         "pembayarannya belum masuk checkpoint yang ditandatangani. Coba lagi nanti.",
        "v_why_fetch": "Tanda terima tidak dapat diambil. Periksa sambungan internet, lalu coba lagi.",
        "v_download": "Unduh tanda terima ini (JSON)",
        "verify_note": "Kunci publik log:", "public_key": "kunci verifikasi",
        "checkpoints_title": "Riwayat checkpoint", "size": "Ukuran", "signed_at": "Ditandatangani",
        "signed_note": "Catatan bertanda tangan (C2SP)",
        "checkpoints_intro": "Setiap checkpoint ditandatangani dengan Ed25519 dan selalu konsisten dengan "
                             "yang sebelumnya.",
        "chart_top": "Menampilkan {n} teratas dari {total}.", "full_table": "Lihat tabel lengkap",
        "data_as_of": "Data per", "menu_button": "Menu",
        "error_title_404": "Halaman tidak ditemukan",
        "error_text_404": "Alamat ini tidak ada di portal. Mungkin tautannya salah ketik atau halamannya sudah pindah.",
        "error_title_400": "Alamat tidak dapat dipahami",
        "error_text_400": "Sebagian alamat ini tidak valid (misalnya pilihan bahasa atau kode wilayah).",
        "error_title_500": "Terjadi gangguan di sisi kami",
        "error_text_500": "Kesalahan ini sudah dicatat. Silakan coba lagi sebentar lagi.",
        "back_home": "Kembali ke ringkasan",
        "cp_what_title": "Apa itu checkpoint?",
        "cp_what": "Setiap pembayaran bantuan dicatat sebagai satu baris di log transparansi. Log hanya bisa "
                   "ditambah, tidak bisa diubah atau dihapus. Secara berkala kami menerbitkan checkpoint: "
                   "ringkasan seluruh log pada saat itu \u2014 jumlah catatannya dan satu \u201csidik jari\u201d "
                   "(hash akar Merkle) yang berubah bila satu catatan lama saja diubah.",
        "cp_note_title": "Apa itu catatan bertanda tangan?",
        "cp_note": "Checkpoint ditulis sebagai catatan teks pendek (format C2SP signed note): baris pertama "
                   "nama log, lalu jumlah catatan, lalu sidik jari, lalu tanda tangan digital Ed25519 kami. "
                   "Tanda tangan itu membuktikan bahwa kamilah yang menerbitkannya dan isinya tidak diubah "
                   "sesudahnya.",
        "cp_verify_title": "Cara memeriksanya",
        "cp_verify_1": "Simpan kunci publik log (tautan di bawah). Kunci itu tidak berubah.",
        "cp_verify_2": "Untuk satu pembayaran: buka halaman Verifikasi tanda terima dan tempel tanda terimanya. "
                       "Peramban Anda sendiri memeriksa tanda tangan dan bukti bahwa pembayaran itu ada di log.",
        "cp_verify_3": "Untuk seluruh log: bandingkan checkpoint yang Anda simpan dengan yang lebih baru. "
                       "Checkpoint baru selalu memuat semua catatan lama; buktinya ada di "
                       "/transparency/proof/consistency.",
        "cp_list_title": "Checkpoint terbaru", "cp_log": "Nama log",
        "cp_records": "Jumlah catatan", "cp_root": "Sidik jari (hash akar)",
        "cp_show_note": "Tampilkan catatan bertanda tangan",
    },
    "en": {
        "targeting_by_desil": "Targeting by desil", "desil": "Desil", "regions": "Regions", "region": "Region",
        "regions_intro": "Payments per province; choose a province to see its regencies and cities.",
        "csr_title": "Company CSR funds", "company": "Company", "pledged": "Pledged", "deposited": "Deposited",
        "spent": "Spent", "csr_intro": "What each company promised, paid in and paid out from its CSR (TJSL) funds.",
        "se_title": "Social enterprises", "se_nav": "Social enterprises", "enterprise": "Social enterprise",
        "se_intro": "Businesses whose profit serves a social purpose. Self-sufficiency = earned revenue / total "
                    "expenses (latest accepted report); 1.00 means it lives without donations.",
        "self_sufficiency": "Self-sufficiency", "jobs": "Jobs", "jobs_vulnerable": "Jobs for vulnerable people",
        "graduations_note": "Registered households with a member employed by a social enterprise (graduation): {n}.",
        "hx_title": "Triple Helix partnerships", "hx_nav": "Partnerships", "project": "Project", "projects": "Projects",
        "hx_intro": "Government as rule-maker, campuses as knowledge and research, industry as resources and field "
                    "of implementation. A project is complete when all three are active under a signed agreement.",
        "helix": "Triple Helix", "complete": "complete", "incomplete": "incomplete", "budget": "Budget",
        "delivered": "Contributions delivered", "partners": "Partners", "strand": "Strand",
        "strand_government": "Government", "strand_campus": "Campus", "strand_industry": "Industry",
        "strand_community": "Community",
        "canvas_title": "Business Model Canvas", "canvas": "Business Model Canvas", "as_of": "as of",
        "maps_nav": "Maps", "status_check_nav": "Check your aid",
        "show": "Show",
        "canvas_intro": "Nine blocks filled from recorded events; each item names its approach and its evidence.",
        "bmc_customer_segments": "Customer segments", "bmc_value_propositions": "Value propositions",
        "bmc_channels": "Channels", "bmc_customer_relationships": "Customer relationships",
        "bmc_revenue_streams": "Revenue streams", "bmc_key_resources": "Key resources",
        "bmc_key_activities": "Key activities", "bmc_key_partners": "Key partners",
        "bmc_cost_structure": "Cost structure",
        "approach_dtsen": "DTSEN", "approach_targeted-aid": "targeted aid", "approach_csr": "CSR",
        "approach_social-enterprise": "social entrepreneurship", "approach_triple-helix": "Triple Helix",
        "skip": "Skip to content", "menu": "Main menu", "overview": "Overview", "verify": "Verify a receipt",
        "checkpoints": "Checkpoint history", "switch": "Bahasa Indonesia",
        "overview_title": "Where social assistance goes",
        "overview_intro": "Every aid payment is recorded in a transparency log anyone can check. "
                          "There is no personal data on this page.",
        "totals": "Totals", "total_paid": "Total paid", "households": "Households reached",
        "log_size": "Records in the log", "per_province": "Per province", "per_program": "Per program",
        "province": "Province", "program": "Program", "others": "Others (pooled)",
        "chart_caption": "Amount paid per province (groups under 10 households are not shown).",
        "suppressed_note": "Groups of fewer than 10 households are pooled into \u201cOthers\u201d so nobody can be "
                           "identified \u2014 not even by subtracting from the total.",
        "nothing_yet": "No data yet.",
        "verify_title": "Verify a payment receipt",
        "verify_intro": "Paste or upload a receipt (JSON). Your browser checks the checkpoint signature and the "
                        "Merkle inclusion proof itself \u2014 without trusting our servers.",
        "paste_receipt": "Receipt (JSON)", "or_upload": "or upload a file", "verify_button": "Verify",
        "v_checking": "Checking\u2026", "v_fetching": "Fetching the payment's receipt\u2026",
        "v_ok": "Verified",
        "v_ok_text": "This payment is recorded in the transparency log: the checkpoint's signature matches the log's "
                     "public key, and the Merkle proof shows this record is in it \u2014 exactly as written below. "
                     "Not one figure can be changed without this check failing.",
        "v_program": "Program", "v_amount": "Amount", "v_period": "Period", "v_region": "Region",
        "v_status": "Status", "v_checkpoint": "Checkpoint signed", "v_entry": "Entry in the log",
        "v_entry_text": "record {n} of {size} in {origin} (index {index})", "v_quarter": "Q{q} {y}",
        "v_months": "January,February,March,April,May,June,July,August,September,October,November,December",
        "v_status_paid": "paid", "v_status_instructed": "instructed for payment", "v_status_failed": "failed to send",
        "v_status_returned": "returned to the program", "v_status_reissued": "sent again",
        "v_fail": "NOT verified",
        "v_why_json": "This text is not a receipt: it cannot be read as JSON. Paste the whole receipt file, from { "
                      "to }.",
        "v_why_shape": "This receipt is incomplete: its \u201c{field}\u201d part is missing or not of the right "
                       "form.",
        "v_why_signature": "The checkpoint's signature does not match this log's public key: the checkpoint was not "
                           "published by this log, or it was changed after it was signed.",
        "v_why_size": "The number of records the receipt gives differs from its checkpoint: the receipt was changed.",
        "v_why_inclusion": "This payment record is not in the log under that checkpoint: the record (its amount, "
                           "program or region, for example) or its proof was changed.",
        "v_why_crypto": "This browser cannot check Ed25519 signatures. Try a newer browser.",
        "v_why_key": "The log's public key could not be fetched. Check the internet connection and try again.",
        "v_why_missing": "There is no receipt yet for this payment with status \u201c{status}\u201d: the payment may "
                         "not be under a signed checkpoint yet. Try again later.",
        "v_why_fetch": "The receipt could not be fetched. Check the internet connection and try again.",
        "v_download": "Download this receipt (JSON)",
        "verify_note": "The log's public key:", "public_key": "verifier key",
        "checkpoints_title": "Checkpoint history", "size": "Size", "signed_at": "Signed",
        "signed_note": "Signed note (C2SP)",
        "checkpoints_intro": "Every checkpoint is signed with Ed25519 and always consistent with the previous one.",
        "chart_top": "Showing the top {n} of {total}.", "full_table": "See the full table",
        "data_as_of": "Data as of", "menu_button": "Menu",
        "error_title_404": "Page not found",
        "error_text_404": "This address is not on the portal. The link may be mistyped or the page may have moved.",
        "error_title_400": "This address cannot be understood",
        "error_text_400": "Part of this address is not valid (for example the language or a region code).",
        "error_title_500": "Something went wrong on our side",
        "error_text_500": "The error was logged. Please try again in a moment.",
        "back_home": "Back to the overview",
        "cp_what_title": "What is a checkpoint?",
        "cp_what": "Every aid payment is recorded as one line in the transparency log. The log can only grow: "
                   "nothing in it can be changed or deleted. From time to time we publish a checkpoint: a "
                   "summary of the whole log at that moment \u2014 how many records it holds and one "
                   "\u201cfingerprint\u201d (the Merkle root hash) that changes if even one old record changes.",
        "cp_note_title": "What is a signed note?",
        "cp_note": "A checkpoint is written as a short text note (the C2SP signed note format): the log's name, "
                   "the number of records, the fingerprint, then our Ed25519 digital signature. The signature "
                   "proves that we published it and that nothing in it was changed afterwards.",
        "cp_verify_title": "How to check it",
        "cp_verify_1": "Keep the log's public key (link below). It does not change.",
        "cp_verify_2": "For one payment: open Verify a receipt and paste the receipt. Your own browser checks "
                       "the signature and the proof that the payment is in the log.",
        "cp_verify_3": "For the whole log: compare a checkpoint you kept with a newer one. A newer checkpoint "
                       "always contains every older record; the proof is at /transparency/proof/consistency.",
        "cp_list_title": "Latest checkpoints", "cp_log": "Log name",
        "cp_records": "Records", "cp_root": "Fingerprint (root hash)",
        "cp_show_note": "Show the signed note",
    },
}
