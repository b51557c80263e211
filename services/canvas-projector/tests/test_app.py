"""The canvas-projector app keeps the service contract: health, readiness, OpenAPI, /info, metrics."""

from gotong.testing.service_contract import ServiceAppContract


class TestCanvasProjectorApp(ServiceAppContract):
    service = "canvas-projector"
