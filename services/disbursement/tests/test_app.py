"""The disbursement app keeps the service contract: health, readiness (database and broker), OpenAPI, /info, metrics."""

from gotong.testing.service_contract import ServiceAppContract


class TestDisbursementApp(ServiceAppContract):
    service = "disbursement"
