"""The grievance vocabulary: case kinds and their categories, statuses, service levels (SLA), reason codes and the
plain-language words the public check answers with (Bahasa Indonesia first, English second).

- usul:              a village officer proposes a household for registration or re-assessment.
- sanggah:           an objection to a listed household's inclusion or its desil (may be anonymous).
- payment_complaint: aid not received, or a wrong amount.
- data_correction:   a member died, moved or was born.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

Kind = Literal["usul", "sanggah", "payment_complaint", "data_correction"]
Status = Literal["received", "triaged", "investigating", "decided", "closed"]
Outcome = Literal["upheld", "rejected"]
Channel = Literal["public", "officer"]
FollowUpAction = Literal["registry_review", "disbursement_reissue", "disbursement_exception", "registry_registration"]
FollowUpResult = Literal["done", "refused", "unsupported"]

KINDS: tuple[Kind, ...] = ("usul", "sanggah", "payment_complaint", "data_correction")

#: What each kind may be about (a code: free text stays sealed).
CATEGORIES: dict[str, frozenset[str]] = {
    "usul": frozenset({"registration", "reassessment"}),
    "sanggah": frozenset({"inclusion", "desil"}),
    "payment_complaint": frozenset({"not_received", "wrong_amount"}),
    "data_correction": frozenset({"member_died", "member_moved", "member_born"}),
}

#: Days from receipt (or from an appeal) to a decision.
SLA_DAYS: dict[str, int] = {"usul": 30, "sanggah": 14, "payment_complaint": 7, "data_correction": 21}
APPEAL_SLA_DAYS = 14
#: A warning is raised this long before the deadline.
WARN_BEFORE = timedelta(days=2)


def sla(kind: str) -> timedelta:
    return timedelta(days=SLA_DAYS[kind])


#: What an upheld decision asks of the owning service (closing the loop); data corrections are done by the
#: registry's officers with the case in hand, so they ask nothing automatically.
FOLLOW_UP: dict[str, FollowUpAction] = {
    "sanggah": "registry_review",
    "payment_complaint": "disbursement_reissue",
    "usul": "registry_registration",
}

#: A category that asks something else than its kind does: a wrong amount was paid, so there is nothing to reissue;
#: disbursement opens a reconciliation exception (`amount_disputed`) for its ops to settle.
FOLLOW_UP_BY_CATEGORY: dict[tuple[str, str], FollowUpAction] = {
    ("payment_complaint", "wrong_amount"): "disbursement_exception",
}


def follow_up_of(kind: str, category: str) -> FollowUpAction | None:
    """What an upheld case of this kind and category asks of the owning service (None: nothing automatic)."""
    return FOLLOW_UP_BY_CATEGORY.get((kind, category), FOLLOW_UP.get(kind))


#: What the owning service's answer to a follow-up means, in plain language (id, en), by action and result: the
#: citizen's tracking page and the officers' case view say it. A result without words here is shown as its code.
FOLLOW_UP_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "registry_review": {
        "done": ("Data keluarga masuk antrean pemeriksaan ulang petugas Dinas Sosial.",
                 "The household's data is queued for a re-check by the social affairs officers."),
        "refused": ("Pemeriksaan ulang data tidak dapat dibuka otomatis; petugas menindaklanjuti secara langsung.",
                    "A re-check could not be opened automatically; an officer follows it up directly."),
    },
    "registry_registration": {
        "done": ("Permintaan pendaftaran dibuat; petugas desa/kelurahan akan mendaftarkan keluarga.",
                 "A registration request is open; the village officer will register the household."),
        "refused": ("Permintaan pendaftaran tidak dapat dibuat otomatis; petugas menindaklanjuti secara langsung.",
                    "A registration request could not be opened automatically; an officer follows it up directly."),
    },
    "disbursement_reissue": {
        "done": ("Pembayaran diajukan ulang kepada penyalur.", "The payment is sent again through the channel."),
        "refused": ("Pembayaran tidak dapat diajukan ulang (misalnya sudah dibayar); petugas menindaklanjuti.",
                    "The payment cannot be sent again (it was paid, for example); an officer follows it up."),
    },
    "disbursement_exception": {
        "done": ("Selisih jumlah bantuan dicatat untuk diperiksa dan diselesaikan petugas pembayaran.",
                 "The wrong amount is recorded for the payment officers to check and settle."),
        "refused": ("Selisih jumlah tidak dapat dicatat (pembayaran belum diterima); petugas menindaklanjuti.",
                    "The wrong amount cannot be recorded (the payment was not received yet); an officer follows "
                    "it up."),
    },
}

#: Reason codes an officer decides with, and the plain language the public sees (id, en). A code keeps names and
#: other personal details out of what is published and answered publicly.
REASONS: dict[str, dict[str, tuple[str, str]]] = {
    "upheld": {
        "verified_in_field": ("Keberatan/usulan terbukti dari verifikasi lapangan.",
                              "Verified in the field: the case is upheld."),
        "documents_confirm": ("Dokumen yang dilampirkan membenarkan pengaduan.",
                              "The attached documents confirm the case."),
        "payment_not_delivered": ("Bantuan terbukti belum diterima; pembayaran diajukan ulang.",
                                  "The aid was not delivered; a reissue is requested."),
    },
    "rejected": {
        "not_verified": ("Verifikasi lapangan tidak membenarkan pengaduan.",
                         "Field verification did not confirm the case."),
        "already_correct": ("Data yang tercatat sudah benar.", "The recorded data is already correct."),
        "outside_criteria": ("Rumah tangga tidak memenuhi kriteria program.",
                             "The household does not meet the program's criteria."),
        "duplicate": ("Pengaduan yang sama sudah ditangani.", "The same case was handled already."),
        "insufficient_information": ("Informasi tidak cukup untuk ditindaklanjuti.",
                                     "Not enough information to act on."),
    },
}

STATUS_TEXT: dict[str, tuple[str, str]] = {
    "received": ("Diterima, menunggu penelaahan.", "Received, waiting to be triaged."),
    "triaged": ("Diteruskan ke petugas wilayah.", "Routed to the region's officer."),
    "investigating": ("Sedang diverifikasi.", "Being verified."),
    "decided": ("Sudah diputuskan.", "Decided."),
    "closed": ("Selesai.", "Closed."),
}
