"""The deployment files parse and describe all six services with the probes the kit serves."""

from pathlib import Path

import yaml

from gotong.service import discover_services

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_every_service_has_a_kubernetes_deployment_with_probes():
    for name, spec in discover_services().items():
        docs = list(yaml.safe_load_all((DEPLOY / "k8s" / f"{name}.yaml").read_text()))
        deployment = next(d for d in docs if d["kind"] == "Deployment")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"][:2] == ["serve", name]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"containerPort": spec.port, "name": "http"} in container["ports"]


def test_compose_runs_six_services_on_kraft_kafka_with_a_database_each():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    for name in discover_services():
        assert services[name]["command"][:2] == ["serve", name]
        assert f"pg-{name}" in services
    assert {"kafka-1", "kafka-2", "kafka-3"} <= set(services)
    assert services["kafka-1"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
