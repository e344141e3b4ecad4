"""deploy/kubernetes: it renders, validates against the Kubernetes schemas, and fits the gateway."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from calendar_gateway.services.calendars import DRAIN_SECONDS
from calendar_gateway.settings import Settings
from tests.deploy.kustomize import Resource, render

KUBERNETES = Path(__file__).parents[2] / "deploy" / "kubernetes"
EXAMPLE = KUBERNETES / "overlays" / "example"
# The oldest version the manifests need (a preStop sleep action), and the newest known.
VERSIONS = ("1.30.0", "1.37.0")


@pytest.fixture(scope="module")
def example() -> list[Resource]:
    return render(EXAMPLE)


def one(resources: list[Resource], kind: str, name: str) -> Resource:
    (found,) = (r for r in resources if r["kind"] == kind and r["metadata"]["name"] == name)
    return found


def gateway_container(resources: list[Resource]) -> dict[str, Any]:
    pod = one(resources, "Deployment", "calendar-gateway")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return dict(container)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_resource_validates_strictly_against_the_kubernetes_schemas(
    example: list[Resource], version: str
) -> None:
    for resource in example:
        kubernetes_validate.validate(resource, version, strict=True)


def test_the_base_alone_validates_too() -> None:
    for resource in render(KUBERNETES / "base"):
        kubernetes_validate.validate(resource, VERSIONS[-1], strict=True)


def test_the_python_rendering_is_what_kubectl_kustomize_renders(example: list[Resource]) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("no kubectl to compare with")
    printed = subprocess.run(
        [kubectl, "kustomize", str(EXAMPLE)], capture_output=True, text=True, check=True, timeout=60
    ).stdout

    def key(r: Resource) -> tuple[str, str]:
        return r["kind"], r["metadata"]["name"]

    assert sorted(yaml.safe_load_all(printed), key=key) == sorted(example, key=key)


def test_the_grace_period_covers_the_pause_the_drain_the_timeout_and_the_edits(
    example: list[Resource],
) -> None:
    settings = one(example, "ConfigMap", "calendar-gateway")["data"]
    pod = one(example, "Deployment", "calendar-gateway")["spec"]["template"]["spec"]
    pause = gateway_container(example)["lifecycle"]["preStop"]["sleep"]["seconds"]
    drain = float(settings["CALENDAR_GATEWAY_SHUTDOWN_DRAIN_SECONDS"])
    timeout = float(settings["CALENDAR_GATEWAY_SHUTDOWN_TIMEOUT_SECONDS"])
    assert pod["terminationGracePeriodSeconds"] >= pause + drain + timeout + DRAIN_SECONDS


def test_the_probes_ask_healthz_for_life_and_readyz_for_readiness(
    example: list[Resource],
) -> None:
    container = gateway_container(example)
    paths = {p: container[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe",
                                                          "readinessProbe")}  # fmt: skip
    assert paths == {"startupProbe": "/healthz", "livenessProbe": "/healthz",
                     "readinessProbe": "/readyz"}  # fmt: skip


def test_both_containers_run_unprivileged_on_a_read_only_root(example: list[Resource]) -> None:
    for name in ("calendar-gateway", "redis"):
        pod = one(example, "Deployment", name)["spec"]["template"]["spec"]
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["runAsNonRoot"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert set(container["resources"]) == {"requests", "limits"}


def test_the_gateway_starts_from_the_configmap_and_secrets(
    example: list[Resource], monkeypatch: pytest.MonkeyPatch
) -> None:
    container = gateway_container(example)
    config = one(example, "ConfigMap", "calendar-gateway")["data"]
    secret = one(example, "Secret", "calendar-gateway")["stringData"]
    redis_password = one(example, "Secret", "calendar-gateway-redis")["stringData"]["password"]
    (redis_url,) = (e["value"] for e in container["env"] if e["name"].endswith("REDIS_URL"))
    environment = {**config, **secret}
    environment["CALENDAR_GATEWAY_REDIS_URL"] = redis_url.replace("$(REDIS_PASSWORD)",
                                                                  redis_password)  # fmt: skip
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    fields = {f"CALENDAR_GATEWAY_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) - fields == {"TMPDIR"}  # no misspelt setting is silently ignored
    assert settings.redis_url == f"redis://:{redis_password}@redis:6379/0"
    assert settings.bookings_url == "https://synergist.internal.example.com"


def test_the_redis_example_requires_a_password(example: list[Resource]) -> None:
    redis = one(example, "Deployment", "redis")["spec"]["template"]["spec"]["containers"][0]
    arguments = redis["args"]
    assert arguments[arguments.index("--requirepass") + 1] == "$(REDIS_PASSWORD)"
