"""The portal's words: Bahasa Indonesia first, English second."""

STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "canvas_title": "Business Model Canvas", "canvas": "Kanvas model bisnis", "as_of": "per tanggal",
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
        "checking": "Memeriksa\u2026",
        "verified": "Terverifikasi: catatan ini adalah entri berindeks {index} dari {size} di log {origin}.",
        "not_verified": "TIDAK terverifikasi", "verify_note": "Kunci publik log:", "public_key": "kunci verifikasi",
        "checkpoints_title": "Riwayat checkpoint", "size": "Ukuran", "signed_at": "Ditandatangani",
        "signed_note": "Catatan bertanda tangan (C2SP)",
        "checkpoints_intro": "Setiap checkpoint ditandatangani dengan Ed25519 dan selalu konsisten dengan "
                             "yang sebelumnya.",
    },
    "en": {
        "canvas_title": "Business Model Canvas", "canvas": "Business Model Canvas", "as_of": "as of",
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
        "checking": "Checking\u2026",
        "verified": "Verified: this record is the entry at index {index} of {size} in log {origin}.",
        "not_verified": "NOT verified", "verify_note": "The log's public key:", "public_key": "verifier key",
        "checkpoints_title": "Checkpoint history", "size": "Size", "signed_at": "Signed",
        "signed_note": "Signed note (C2SP)",
        "checkpoints_intro": "Every checkpoint is signed with Ed25519 and always consistent with the previous one.",
    },
}
