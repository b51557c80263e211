"""The published contract: found by the catalog (JSON Schemas, AsyncAPI channel), lean, and with no field
that could hold personal data."""

from gotong_contracts import partnership
from gotong_contracts.catalog import asyncapi, json_schemas

from gotong.observability.logging import is_personal_key


def test_the_catalog_publishes_the_partnership_topic():
    schemas = json_schemas()
    assert {k for k in schemas if k.startswith("partnership/")} == {
        "partnership/PartnerRegistered.v1", "partnership/PartnerStatusChanged.v1",
        "partnership/AgreementStatusChanged.v1", "partnership/ProjectChanged.v1"}
    channel = asyncapi()["channels"]["partnership_events"]
    assert channel["address"] == "partnership.events"


def test_no_contract_field_is_personal():
    def fields(model):
        for name, info in model.model_fields.items():
            yield name
            inner = getattr(info.annotation, "__args__", ())
            for arg in inner:
                if hasattr(arg, "model_fields"):
                    yield from fields(arg)

    for model in partnership.EVENTS.values():
        names = set(fields(model))
        # Organisation names are public; nothing else named like personal data, no contact, no NIB.
        assert not {n for n in names if is_personal_key(n)} - {"name"}
        assert not names & {"contact", "email", "phone", "nib", "reason", "signatory"}


def test_project_changed_round_trips_through_json():
    event = partnership.ProjectChanged(
        project_id="p", version=3, change="milestone_overdue", title="TPST", status="running", region_code="35.78",
        province_code="35", budget=12_500_000_000, sdgs=[11], agreement_ids=["a"],
        partners=[partnership.ProjectPartner(partner_id="g", strand="government", role="regulator",
                                             committed_rupiah=5, delivered_rupiah=3)],
        strands_present=["government"], helix_complete=False, helix_missing=["campus", "industry"],
        committed_rupiah=5, delivered_rupiah=3, milestones_done=0, milestones_due=1, milestones_overdue=1,
        as_of="2026-11-29", occurred_at="2026-11-29T00:00:00+00:00")
    again = partnership.ProjectChanged.model_validate_json(event.model_dump_json())
    assert again == event
