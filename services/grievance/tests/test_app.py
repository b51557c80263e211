"""The grievance app keeps the service contract: health, readiness (database and broker), OpenAPI, /info, metrics."""

from gotong.testing.service_contract import ServiceAppContract


class TestGrievanceApp(ServiceAppContract):
    service = "grievance"
