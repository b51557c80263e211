"""The Agreement aggregate: an MoU (nota kesepahaman) or PKS (perjanjian kerja sama) between partners.

draft → signed (every listed party signs, a document is attached) → active (from the term's start) → ended
(at the term's end); signed or active → terminated (early, with a reason). Parties and term change only in
draft; documents can be added until the agreement is over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import InvalidTransition, ValidationFailed
from partnership.domain.events import (
    AgreementActivated,
    AgreementDrafted,
    AgreementEnded,
    AgreementPublished,
    AgreementSigned,
    AgreementTerminated,
    DocumentAttached,
    DocumentRef,
    PartyAdded,
    PartyRemoved,
    PartyTerm,
    PublishedParty,
    TermChanged,
)
from partnership.domain.values import Strand, sha256_hex

AgreementKind = Literal["mou", "pks"]
OVER = ("ended", "terminated")
#: Statuses under which an agreement binds its parties (what the Triple Helix check counts).
BINDING = ("signed", "active")


def _published_parties(parties: Mapping[str, str], strands: Mapping[str, Strand]) -> list[PublishedParty]:
    """The parties with their strand, in the order listed (a party whose strand is unknown is left out)."""
    return [PublishedParty(partner_id=p, strand=strands[p], role=r) for p, r in parties.items() if p in strands]


def check_term(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ValidationFailed("the term must end on or after it starts", field="ends_on")


class Agreement(Aggregate):
    stream_type: ClassVar[str] = "agreement"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    def initial_state(self) -> None:
        self.kind: AgreementKind = "mou"
        self.title = ""
        self.purpose = ""
        self.starts_on = date.min
        self.ends_on = date.min
        self.parties: dict[str, str] = {}  # partner id -> role, in the order they were listed
        self.documents: list[dict[str, str]] = []
        self.status = "draft"
        self.previous_status: str | None = None
        self.parent_agreement_id: str | None = None
        self.signed_on: date | None = None
        self.effective_on: date | None = None
        self.termination_reason: str | None = None

    @classmethod
    def draft(cls, id: UUID, *, kind: AgreementKind, title: str, purpose: str, starts_on: date, ends_on: date,
              parties: list[PartyTerm], parent_agreement_id: str | None = None,
              documents: Sequence[tuple[str, str]] = (), strands: Mapping[str, Strand] | None = None,
              as_of: date | None = None, now: str | None = None) -> Agreement:
        """A draft, with the documents known already (each `(sha256, title)`). Given `now` (and the parties'
        `strands`), the event carries what is published; the draft takes effect `as_of` (default: its start)."""
        check_term(starts_on, ends_on)
        seen: set[str] = set()
        for i, party in enumerate(parties):
            if party.partner_id in seen:
                raise ValidationFailed("a partner is listed twice", field=f"parties.{i}.partner_id")
            seen.add(party.partner_id)
        if kind == "mou" and parent_agreement_id is not None:
            raise ValidationFailed("only a PKS implements a parent MoU", field="parent_agreement_id")
        docs: list[DocumentRef] = []
        for i, (sha256, doc_title) in enumerate(documents):
            where = f"documents.{i}.sha256"
            digest = sha256_hex(sha256, where)
            if any(d.sha256 == digest for d in docs):
                raise ValidationFailed("this document is attached already", field=where)
            docs.append(DocumentRef(sha256=digest, title=doc_title))
        agreement = cls(id)
        published = None
        if now is not None:
            published = AgreementPublished(
                kind=kind, title=title, status="draft", previous_status=None,
                parties=_published_parties({p.partner_id: p.role for p in parties}, strands or {}),
                starts_on=starts_on, ends_on=ends_on, effective_on=as_of or starts_on,
                document_sha256=[d.sha256 for d in docs], occurred_at=now)
        agreement._record(AgreementDrafted(kind=kind, title=title, purpose=purpose, starts_on=starts_on,
                                           ends_on=ends_on, parties=parties,
                                           parent_agreement_id=parent_agreement_id, documents=docs,
                                           published=published))
        return agreement

    def _published(self, status: str, effective_on: date, strands: Mapping[str, Strand] | None,
                   now: str | None) -> AgreementPublished | None:
        """What a move to `status` publishes (None without `now`: nothing is published)."""
        if now is None:
            return None
        return AgreementPublished(
            kind=self.kind, title=self.title, status=status, previous_status=self.status,
            parties=_published_parties(self.parties, strands or {}), starts_on=self.starts_on,
            ends_on=self.ends_on, effective_on=effective_on, document_sha256=[d["sha256"] for d in self.documents],
            occurred_at=now)

    # -- while a draft --------------------------------------------------------------------------------

    def _only_draft(self, what: str) -> None:
        if self.status != "draft":
            raise InvalidTransition(f"the agreement is {self.status}; {what} only while it is a draft",
                                    field="status")

    def add_party(self, partner_id: str, role: str) -> None:
        self._only_draft("parties can be added")
        if partner_id in self.parties:
            raise InvalidTransition("this partner is a party already", field="partner_id")
        self._record(PartyAdded(partner_id=partner_id, role=role))

    def remove_party(self, partner_id: str) -> None:
        self._only_draft("parties can be removed")
        if partner_id not in self.parties:
            raise ValidationFailed("this partner is not a party to the agreement", field="partner_id")
        self._record(PartyRemoved(partner_id=partner_id))

    def change_term(self, starts_on: date, ends_on: date) -> None:
        self._only_draft("the term can change")
        check_term(starts_on, ends_on)
        self._record(TermChanged(starts_on=starts_on, ends_on=ends_on))

    def attach_document(self, sha256: str, title: str) -> None:
        if self.status in OVER:
            raise InvalidTransition(f"the agreement is {self.status}; no documents can be attached",
                                    field="status")
        digest = sha256_hex(sha256, "sha256")
        if any(d["sha256"] == digest for d in self.documents):
            raise InvalidTransition("this document is attached already", field="sha256")
        self._record(DocumentAttached(sha256=digest, title=title))

    # -- the life of the agreement --------------------------------------------------------------------

    def sign(self, signed_by: list[str], signed_on: date, *, strands: Mapping[str, Strand] | None = None,
             now: str | None = None) -> None:
        if self.status != "draft":
            raise InvalidTransition(f"the agreement is {self.status}; only a draft can be signed", field="status")
        if len(self.parties) < 2:
            raise InvalidTransition("an agreement needs at least two parties before it is signed", field="parties")
        strangers = [p for p in signed_by if p not in self.parties]
        if strangers:
            raise ValidationFailed(f"not parties to this agreement: {', '.join(strangers)}", field="signed_by")
        missing = [p for p in self.parties if p not in signed_by]
        if missing:
            raise InvalidTransition(f"every party must sign; not signed by: {', '.join(missing)}",
                                    field="signed_by", missing=missing)
        if not self.documents:
            raise InvalidTransition("attach the signed document (its SHA-256) before signing", field="documents")
        if signed_on > self.ends_on:
            raise InvalidTransition(f"the term ended on {self.ends_on}; it cannot be signed after",
                                    field="signed_on")
        self._record(AgreementSigned(signed_on=signed_on, signed_by=list(self.parties),
                                     published=self._published("signed", signed_on, strands, now)))

    def activate(self, effective_on: date, *, strands: Mapping[str, Strand] | None = None,
                 now: str | None = None) -> None:
        if self.status != "signed":
            raise InvalidTransition(f"the agreement is {self.status}; only a signed agreement can become active",
                                    field="status")
        if effective_on < self.starts_on:
            raise InvalidTransition(f"the term starts on {self.starts_on}", field="effective_on")
        if effective_on > self.ends_on:
            raise InvalidTransition(f"the term ended on {self.ends_on}", field="effective_on")
        self._record(AgreementActivated(effective_on=effective_on,
                                        published=self._published("active", effective_on, strands, now)))

    def end(self, effective_on: date, *, strands: Mapping[str, Strand] | None = None,
            now: str | None = None) -> None:
        if self.status != "active":
            raise InvalidTransition(f"the agreement is {self.status}; only an active agreement ends",
                                    field="status")
        if effective_on < self.ends_on:
            raise InvalidTransition(f"the term runs until {self.ends_on}; to stop earlier, terminate it",
                                    field="effective_on")
        self._record(AgreementEnded(effective_on=effective_on,
                                    published=self._published("ended", effective_on, strands, now)))

    def terminate(self, effective_on: date, reason: str, *, strands: Mapping[str, Strand] | None = None,
                  now: str | None = None) -> None:
        if self.status not in BINDING:
            raise InvalidTransition(f"the agreement is {self.status}; only a signed or active agreement can be "
                                    "terminated", field="status")
        if self.signed_on is not None and effective_on < self.signed_on:
            raise InvalidTransition(f"it was signed on {self.signed_on}", field="effective_on")
        self._record(AgreementTerminated(effective_on=effective_on, reason=reason,
                                         published=self._published("terminated", effective_on, strands, now)))

    def binding_on(self, day: date) -> bool:
        """Signed or active, and the term has not run out on `day`."""
        return self.status in BINDING and day <= self.ends_on

    # -- apply ----------------------------------------------------------------------------------------

    def _move(self, status: str, on: date) -> None:
        self.previous_status, self.status, self.effective_on = self.status, status, on

    def apply_agreement_drafted(self, e: AgreementDrafted) -> None:
        self.kind = "pks" if e.kind == "pks" else "mou"
        self.title, self.purpose, self.starts_on, self.ends_on = e.title, e.purpose, e.starts_on, e.ends_on
        self.parties = {p.partner_id: p.role for p in e.parties}
        self.parent_agreement_id = e.parent_agreement_id
        self.documents = [{"sha256": d.sha256, "title": d.title} for d in e.documents]

    def apply_party_added(self, e: PartyAdded) -> None:
        self.parties[e.partner_id] = e.role

    def apply_party_removed(self, e: PartyRemoved) -> None:
        del self.parties[e.partner_id]

    def apply_term_changed(self, e: TermChanged) -> None:
        self.starts_on, self.ends_on = e.starts_on, e.ends_on

    def apply_document_attached(self, e: DocumentAttached) -> None:
        self.documents.append({"sha256": e.sha256, "title": e.title})

    def apply_agreement_signed(self, e: AgreementSigned) -> None:
        self._move("signed", e.signed_on)
        self.signed_on = e.signed_on

    def apply_agreement_activated(self, e: AgreementActivated) -> None:
        self._move("active", e.effective_on)

    def apply_agreement_ended(self, e: AgreementEnded) -> None:
        self._move("ended", e.effective_on)

    def apply_agreement_terminated(self, e: AgreementTerminated) -> None:
        self._move("terminated", e.effective_on)
        self.termination_reason = e.reason

    def to_state(self) -> dict[str, Any]:
        return {"id": str(self.id), "kind": self.kind, "title": self.title, "purpose": self.purpose,
                "starts_on": self.starts_on.isoformat(), "ends_on": self.ends_on.isoformat(),
                "parties": [{"partner_id": p, "role": r} for p, r in self.parties.items()],
                "documents": list(self.documents), "status": self.status, "previous_status": self.previous_status,
                "parent_agreement_id": self.parent_agreement_id,
                "signed_on": self.signed_on.isoformat() if self.signed_on else None,
                "effective_on": self.effective_on.isoformat() if self.effective_on else None,
                "termination_reason": self.termination_reason, "version": self.version}
