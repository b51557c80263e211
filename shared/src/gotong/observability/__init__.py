"""Observability: JSON logs that scrub personal data, OpenTelemetry traces, Prometheus metrics."""
