"""The cluster shape in deploy/k8s/cluster/ holds together: Kafka (Strimzi, KRaft) with a topic per service and its
dead letters, a PostgreSQL cluster per service (CloudNativePG) whose app Secret the services and their migrations
read, a PodDisruptionBudget and an autoscaler per Deployment, network policies that let each service reach only its
own database, and a Grafana dashboard that queries only metrics the code defines.

Offline: the operators' resources are validated against their CRD schemas vendored in tests/fixtures/crds/ (see its
README), Kubernetes' own kinds by test_deploy.py (kubernetes-validate, strict).
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from gotong.api import metrics as http_metrics
from gotong.messaging import metrics as messaging_metrics
from gotong.service import discover_services

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
CLUSTER = K8S / "cluster"
CRDS = Path(__file__).parent / "fixtures" / "crds"
DASHBOARD = ROOT / "deploy" / "grafana" / "gotong.json"
SERVICES = tuple(discover_services())
#: Services that answer HTTP requests and scale on CPU; the projector scales on consumer lag (KEDA).
LAG_SCALED = frozenset({"canvas-projector"})
#: The services a service calls over HTTP, and nothing else: services learn from events, except grievance, whose
#: follow-ups ask the owning services' APIs to act on an upheld case (services/grievance/README.md), and the ops
#: console, whose desks act through the owning services' APIs with the officer's token (services/ops-console/README.md).
CALLS: dict[str, frozenset[str]] = {"grievance": frozenset({"registry", "disbursement"}),
                                    "ops-console": frozenset({"registry", "disbursement", "csr-ledger", "enterprise",
                                                              "partnership"})}


@functools.cache
def _documents() -> tuple[tuple[Path, dict[str, Any]], ...]:
    return tuple((path, doc) for path in sorted(K8S.rglob("*.yaml"))
                 for doc in yaml.safe_load_all(path.read_text()) if doc)


def _kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in _documents() if doc["kind"] == kind]


def _named(kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in _kind(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _is_custom_resource(doc: dict[str, Any]) -> bool:
    group = doc["apiVersion"].rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def _id(value: Any) -> str:
    return f"{value['kind']}/{value['metadata']['name']}" if isinstance(value, dict) else str(value)


# --- the operators' resources against their CRD schemas --------------------------------------------------------------

def _strict(schema: Any) -> Any:
    """A structural CRD schema as `kubectl apply --validate=strict` applies it: unknown fields are refused wherever
    the schema lists properties and does not preserve unknown fields."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: (value if key == "x-kubernetes-validations" else _strict(value)) for key, value in schema.items()}
    if "properties" in strict and "additionalProperties" not in strict \
            and not strict.get("x-kubernetes-preserve-unknown-fields"):
        strict["additionalProperties"] = False
    return strict


@functools.cache
def _validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    group, _, version = api_version.rpartition("/")
    (path,) = CRDS.glob(f"*/{group}_{version}_{kind}.yaml") or (None,)
    assert path is not None, f"no vendored schema for {api_version} {kind} in {CRDS} (see its README)"
    return jsonschema.Draft7Validator(_strict(yaml.safe_load(path.read_text())))


def _schema_errors(doc: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in _validator(doc["apiVersion"], doc["kind"]).iter_errors(doc)]


_CUSTOM = [doc for _, doc in _documents() if _is_custom_resource(doc)]
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")


@pytest.mark.parametrize("doc", _CUSTOM, ids=_id)
def test_each_custom_resource_is_valid_against_its_operators_schema(doc: dict[str, Any]):
    assert _schema_errors(doc) == []
    metadata = doc["metadata"]
    assert _DNS_SUBDOMAIN.fullmatch(metadata["name"]), metadata["name"]
    assert metadata["namespace"] in ("gotong", "kafka")
    assert all(isinstance(value, str) for value in metadata.get("labels", {}).values())


def test_the_schema_check_refuses_an_unknown_field_and_a_wrong_type():
    kafka = _named("Kafka", "gotong-kafka")
    typo = copy.deepcopy(kafka)
    typo["spec"]["kafka"]["listener"] = typo["spec"]["kafka"].pop("listeners")
    assert any("listener" in error for error in _schema_errors(typo))
    cluster = copy.deepcopy(_named("Cluster", "registry-pg"))
    cluster["spec"]["instances"] = "three"
    assert _schema_errors(cluster)


def test_the_custom_resources_are_the_expected_operators():
    assert {doc["apiVersion"].split("/")[0] for doc in _CUSTOM} == {"kafka.strimzi.io", "postgresql.cnpg.io",
                                                                      "keda.sh"}
    assert all(path.parent == CLUSTER for path, doc in _documents() if _is_custom_resource(doc)), \
        "operators' resources live in deploy/k8s/cluster/"


# --- Kafka -----------------------------------------------------------------------------------------------------------

def _kafka() -> dict[str, Any]:
    (kafka,) = _kind("Kafka")
    return kafka


def test_kafka_runs_in_kraft_mode_on_three_controllers_and_three_brokers_with_persistent_storage():
    kafka = _kafka()
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    pools = {tuple(pool["spec"]["roles"]): pool for pool in _kind("KafkaNodePool")}
    assert set(pools) == {("controller",), ("broker",)}
    for pool in pools.values():
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert pool["metadata"]["namespace"] == kafka["metadata"]["namespace"]
        assert pool["spec"]["replicas"] == 3
        storage = pool["spec"]["storage"]
        volumes = storage["volumes"] if storage["type"] == "jbod" else [storage]
        assert volumes
        assert all(v["type"] == "persistent-claim" and v["size"] for v in volumes)
        assert all(v.get("deleteClaim") is False for v in volumes), "deleting the cluster must not delete its data"


def test_kafka_refuses_auto_created_topics_and_acknowledges_on_two_of_three_replicas():
    config = _kafka()["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3
    assert config.get("unclean.leader.election.enable") is False


def test_the_services_bootstrap_address_is_the_kafka_clusters_listener():
    kafka = _kafka()
    bootstrap = _named("ConfigMap", "gotong-config")["data"]["KAFKA_BOOTSTRAP_SERVERS"]
    ports = {listener["port"] for listener in kafka["spec"]["kafka"]["listeners"] if not listener["tls"]}
    name, namespace = kafka["metadata"]["name"], kafka["metadata"]["namespace"]
    assert bootstrap in {f"{name}-kafka-bootstrap.{namespace}.svc:{port}" for port in ports}


def _topics() -> dict[str, dict[str, Any]]:
    topics = {}
    kafka = _kafka()
    for topic in _kind("KafkaTopic"):
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert topic["metadata"]["namespace"] == kafka["metadata"]["namespace"], "the Topic Operator's namespace"
        topics[topic["spec"].get("topicName", topic["metadata"]["name"])] = topic["spec"]
    return topics


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_its_events_and_dead_letter_topics_replicated_three_times_min_isr_two(name: str):
    topics = _topics()
    for topic in (f"{name}.events", f"{name}.events.dlq"):
        assert topic in topics, f"no KafkaTopic for {topic}"
        spec = topics[topic]
        assert spec["replicas"] == 3, topic
        assert int(spec["config"]["min.insync.replicas"]) == 2, topic
        assert spec["partitions"] >= 3, topic


def test_every_topic_a_service_consumes_is_declared():
    topics = _topics()
    for name, spec in discover_services().items():
        for consumed in spec.consumes:
            assert consumed in topics, f"{name} consumes {consumed}, which has no KafkaTopic"
            assert f"{consumed}.dlq" in topics, f"{name} dead-letters into {consumed}.dlq"
    assert set(topics) == {t for name in SERVICES for t in (f"{name}.events", f"{name}.events.dlq")}


def test_the_partition_counts_are_the_ones_the_sizing_derives():
    """deploy/README.md's sizing table names each topic's partitions; the KafkaTopics must say the same."""
    readme = (ROOT / "deploy" / "README.md").read_text()
    for topic, spec in _topics().items():
        if topic.endswith(".dlq"):
            continue
        row = re.search(rf"^\| `{re.escape(topic)}` \| (\d+) \|", readme, re.MULTILINE)
        assert row, f"the sizing table in deploy/README.md has no row for {topic}"
        assert int(row.group(1)) == spec["partitions"], topic


# --- PostgreSQL ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_a_three_instance_database_cluster_with_its_database_and_backups(name: str):
    cluster = _named("Cluster", f"{name}-pg")
    spec = cluster["spec"]
    assert cluster["metadata"]["namespace"] == "gotong"
    assert spec["instances"] == 3, "a primary and two replicas, so the operator can fail over"
    initdb = spec["bootstrap"]["initdb"]
    assert initdb["database"] == f"gotong_{name.replace('-', '_')}"
    assert initdb["owner"]
    assert spec["storage"]["size"]
    store = spec["backup"]["barmanObjectStore"]
    template = {(s["metadata"]["name"], key) for s in _kind("Secret") for key in s["stringData"]}
    for credential in store["s3Credentials"].values():
        assert (credential["name"], credential["key"]) in template, "object store credentials come from a Secret"
    backups = [b for b in _kind("ScheduledBackup") if b["spec"]["cluster"]["name"] == f"{name}-pg"]
    assert len(backups) == 1
    assert backups[0]["spec"].get("method", "barmanObjectStore") == "barmanObjectStore"


@pytest.mark.parametrize("name", SERVICES)
def test_the_service_and_its_migration_job_read_the_database_clusters_app_secret(name: str):
    expected = {"name": f"{name}-pg-app", "key": "uri"}
    deployment = _named("Deployment", name)["spec"]["template"]["spec"]
    migrate = next(job["spec"]["template"]["spec"] for job in _kind("Job")
                   if any(c.get("args") == ["migrate", name] for c in job["spec"]["template"]["spec"]["containers"]))
    for pod in (deployment, migrate):
        (container,) = [c for c in pod["containers"] if any(v["name"] == "DATABASE_URL" for v in c.get("env", []))]
        (var,) = [v for v in container["env"] if v["name"] == "DATABASE_URL"]
        assert var["valueFrom"]["secretKeyRef"] == expected


# --- disruption budgets and autoscaling ------------------------------------------------------------------------------

def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are understood here"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


@pytest.mark.parametrize("deployment", _kind("Deployment"), ids=_id)
def test_every_deployment_has_one_disruption_budget_that_keeps_a_pod_serving(deployment: dict[str, Any]):
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    budgets = [pdb for pdb in _kind("PodDisruptionBudget")
               if pdb["metadata"]["namespace"] == deployment["metadata"]["namespace"]
               and _selects(pdb["spec"]["selector"], labels)]
    assert len(budgets) == 1, f"{deployment['metadata']['name']}: {len(budgets)} PodDisruptionBudgets"
    spec = budgets[0]["spec"]
    replicas = deployment["spec"]["replicas"]
    assert replicas >= 2
    available = spec["minAvailable"] if "minAvailable" in spec else replicas - spec["maxUnavailable"]
    assert 1 <= available < replicas, "a drain can proceed and one pod keeps serving"


def _autoscalers(name: str) -> list[dict[str, Any]]:
    return [doc for doc in _kind("HorizontalPodAutoscaler") + _kind("ScaledObject")
            if doc["spec"]["scaleTargetRef"]["name"] == name]


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_has_one_autoscaler_on_cpu_or_on_consumer_lag(name: str):
    (scaler,) = _autoscalers(name)
    deployment = _named("Deployment", name)
    assert scaler["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    if name in LAG_SCALED:
        assert scaler["kind"] == "ScaledObject"
        low, high = scaler["spec"]["minReplicaCount"], scaler["spec"]["maxReplicaCount"]
        queries = [t["metadata"]["query"] for t in scaler["spec"]["triggers"] if t["type"] == "prometheus"]
        assert any("gotong_consumer_lag_messages" in q for q in queries)
        assert _metric_names_in(" ".join(queries)) <= _defined_metrics()
    else:
        assert scaler["kind"] == "HorizontalPodAutoscaler"
        low, high = scaler["spec"]["minReplicas"], scaler["spec"]["maxReplicas"]
        (metric,) = scaler["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
    assert low == deployment["spec"]["replicas"], "the autoscaler's floor is the Deployment's replica count"
    assert high > low


def test_every_autoscaler_targets_an_existing_deployment():
    names = {doc["metadata"]["name"] for doc in _kind("Deployment")}
    for doc in _kind("HorizontalPodAutoscaler") + _kind("ScaledObject"):
        assert doc["spec"]["scaleTargetRef"]["name"] in names, _id(doc)


# --- network policies ------------------------------------------------------------------------------------------------

def _policies_for(labels: dict[str, str], namespace: str = "gotong") -> list[dict[str, Any]]:
    return [p for p in _kind("NetworkPolicy") if p["metadata"]["namespace"] == namespace
            and _selects(p["spec"]["podSelector"], labels)]


def _database_pod(name: str) -> dict[str, str]:
    return {"cnpg.io/cluster": f"{name}-pg", "cnpg.io/instanceRole": "primary", "role": "primary"}


def _peer_reaches(peer: dict[str, Any], labels: dict[str, str], namespace: str, own_namespace: str) -> bool:
    """Whether a NetworkPolicyPeer matches a pod with `labels` in `namespace` (namespace labels are the
    kubernetes.io/metadata.name one)."""
    if "ipBlock" in peer:
        network = ipaddress.ip_network(peer["ipBlock"]["cidr"])
        return network.prefixlen < 8  # a block this wide takes in the pod network too
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": namespace}):
            return False
    elif namespace != own_namespace:
        return False
    return _selects(peer.get("podSelector", {}), labels)


def _egress_allows(source: dict[str, str], target: dict[str, str], port: int, namespace: str = "gotong") -> bool:
    for policy in _policies_for(source):
        if "Egress" not in policy["spec"]["policyTypes"]:
            continue
        for rule in policy["spec"].get("egress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if ports and port not in ports:
                continue
            if not rule.get("to") or any(_peer_reaches(peer, target, namespace, "gotong") for peer in rule["to"]):
                return True
    return False


def _ingress_allows(target: dict[str, str], source: dict[str, str], port: int, source_namespace: str) -> bool:
    for policy in _policies_for(target):
        if "Ingress" not in policy["spec"]["policyTypes"]:
            continue
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if ports and port not in ports:
                continue
            if not rule.get("from") or any(_peer_reaches(peer, source, source_namespace, "gotong")
                                           for peer in rule["from"]):
                return True
    return False


def test_the_declared_calls_are_between_installed_services() -> None:
    assert set(CALLS) <= set(SERVICES)
    assert set().union(*CALLS.values()) <= set(SERVICES)


def test_the_namespace_denies_all_traffic_unless_a_policy_allows_it():
    deny = _named("NetworkPolicy", "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_reaches_only_its_own_database_cluster(name: str):
    pod = _named("Deployment", name)["spec"]["template"]["metadata"]["labels"]
    migrate = {"app": f"migrate-{name}"}
    for other in SERVICES:
        expected = other == name
        assert _egress_allows(pod, _database_pod(other), 5432) is expected, f"{name} -> {other}-pg"
        assert _ingress_allows(_database_pod(other), pod, 5432, "gotong") is expected, f"{other}-pg <- {name}"
        assert _egress_allows(migrate, _database_pod(other), 5432) is expected, f"migrate-{name} -> {other}-pg"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_reaches_kafka_dns_the_collector_and_the_identity_provider_and_nothing_wider(name: str):
    pod = _named("Deployment", name)["spec"]["template"]["metadata"]["labels"]
    broker = {"strimzi.io/cluster": _kafka()["metadata"]["name"], "strimzi.io/broker-role": "true",
              "strimzi.io/kind": "Kafka"}
    assert _egress_allows(pod, broker, 9092, namespace="kafka")
    assert _egress_allows(pod, {"k8s-app": "kube-dns"}, 53, namespace="kube-system")
    collector = _named("Deployment", "otel-collector")["spec"]["template"]["metadata"]["labels"]
    assert _egress_allows(pod, collector, 4318)
    assert _ingress_allows(collector, pod, 4318, "gotong")
    blocks = [ipaddress.ip_network(peer["ipBlock"]["cidr"]) for policy in _policies_for(pod)
              for rule in policy["spec"].get("egress", []) for peer in rule.get("to", []) if "ipBlock" in peer]
    assert blocks, "the identity provider (JWKS_URL) is outside the cluster"
    assert all(block.prefixlen >= 24 for block in blocks), blocks
    for other in SERVICES:  # no service calls another (they learn from events), except those CALLS names
        if other != name:
            other_pod = _named("Deployment", other)["spec"]["template"]["metadata"]["labels"]
            expected = other in CALLS.get(name, ())
            assert _egress_allows(pod, other_pod, discover_services()[other].port) is expected, f"{name} -> {other}"
            assert not _egress_allows(pod, other_pod, 5432), f"{name} -> {other} on another port"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_takes_requests_only_from_the_ingress_controller_and_prometheus(name: str):
    pod = _named("Deployment", name)["spec"]["template"]["metadata"]["labels"]
    port = discover_services()[name].port
    assert _ingress_allows(pod, {"app.kubernetes.io/name": "ingress-nginx"}, port, "ingress-nginx")
    assert _ingress_allows(pod, {"app.kubernetes.io/name": "prometheus"}, port, "monitoring")
    assert not _ingress_allows(pod, {"app.kubernetes.io/name": "grafana"}, port, "monitoring")
    assert not _ingress_allows(pod, {"app": "anything"}, port, "default")
    for other in SERVICES:
        other_pod = _named("Deployment", other)["spec"]["template"]["metadata"]["labels"]
        expected = name in CALLS.get(other, ())
        assert _ingress_allows(pod, other_pod, port, "gotong") is expected, f"{name} <- {other}"


# --- observability ---------------------------------------------------------------------------------------------------

def _defined_metrics() -> set[str]:
    """Every sample name the kit's metric modules expose (a counter `x_total`, a histogram `x_bucket` ...)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    names = set()
    for module in (http_metrics, messaging_metrics):
        for value in vars(module).values():
            if isinstance(value, MetricWrapperBase):
                for family in value.describe():
                    names |= {family.name + suffix for suffix in suffixes[family.type]}
    return names


def _metric_names_in(expression: str) -> set[str]:
    return set(re.findall(r"\bgotong_[a-z0-9_]+\b", expression))


def _dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def test_the_dashboard_queries_only_metrics_the_code_defines():
    queries = _dashboard_queries()
    assert queries
    undefined = set().union(*map(_metric_names_in, queries)) - _defined_metrics()
    assert not undefined, f"the dashboard queries metrics no module defines: {sorted(undefined)}"


def test_the_dashboard_shows_every_operational_metric():
    shown = {re.sub(r"_(bucket|sum|count)$", "", n) for q in _dashboard_queries() for n in _metric_names_in(q)}
    defined = {re.sub(r"_(bucket|sum|count)$", "", n) for n in _defined_metrics()}
    assert defined - shown == set(), "a metric the services expose is missing from deploy/grafana/gotong.json"


def test_prometheus_scrapes_every_services_metrics_on_its_http_port():
    config = yaml.safe_load(_named("ConfigMap", "prometheus-gotong-scrape")["data"]["gotong-scrape.yml"])
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(SERVICES) <= set(jobs), "one job per service: `job` names the service on the dashboard"
    for name in SERVICES:
        job = jobs[name]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        (sd,) = job["kubernetes_sd_configs"]
        assert sd["namespaces"]["names"] == ["gotong"]
        assert {"role": "pod", "label": f"app={name}"} in sd["selectors"]
        keep = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
        assert {"source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": "http",
                "action": "keep"} in keep
        assert {"containerPort": discover_services()[name].port, "name": "http"} in \
            _named("Deployment", name)["spec"]["template"]["spec"]["containers"][0]["ports"]


def test_the_services_send_traces_to_the_collectors_otlp_http_receiver():
    endpoint = _named("ConfigMap", "gotong-config")["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    service = _named("Service", "otel-collector")
    (port,) = service["spec"]["ports"]
    assert endpoint == f"http://{service['metadata']['name']}.{service['metadata']['namespace']}.svc:{port['port']}"
    config = yaml.safe_load(_named("ConfigMap", "otel-collector")["data"]["config.yaml"])
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(f":{port['port']}")
    traces = config["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"]
    assert traces["exporters"]
    assert set(traces["exporters"]) <= set(config["exporters"])
    assert set(traces["processors"]) <= set(config["processors"])


def test_the_collector_runs_under_the_restricted_pod_security_standard():
    pod = _named("Deployment", "otel-collector")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in pod["containers"]:
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert re.fullmatch(r"[^:@]+:\d+\.\d+\.\d+", container["image"]), container["image"]
