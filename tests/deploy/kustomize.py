"""The part of kustomize that deploy/kubernetes uses, in Python, to check it offline.

Supported: ``resources`` (files and kustomization directories), ``labels`` (metadata only),
``namespace``, ``images``, ``replicas`` and JSON 6902 ``patches``. Anything else in a
kustomization is refused, so the manifests cannot drift past what is checked.
``python -m tests.deploy.kustomize DIR`` prints the rendered YAML.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

Resource = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "labels", "namespace", "images", "replicas",
             "patches"}  # fmt: skip
POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


def render(directory: Path) -> list[Resource]:
    """The resources that ``kubectl kustomize directory`` would print, in file order."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise ValueError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    resources = [
        r for entry in kustomization.get("resources", []) for r in _load(directory / entry)
    ]
    for label in kustomization.get("labels", []):
        _label(resources, label)
    if namespace := kustomization.get("namespace"):
        for resource in resources:
            if resource["kind"] != "Namespace":
                resource["metadata"]["namespace"] = namespace
    for image in kustomization.get("images", []):
        _set_image(resources, image)
    for replicas in kustomization.get("replicas", []):
        _named(resources, replicas["name"], POD_OWNERS)["spec"]["replicas"] = replicas["count"]
    for patch in kustomization.get("patches", []):
        target = patch["target"]
        resource = _named(resources, target["name"], {target["kind"]})
        for operation in yaml.safe_load(patch["patch"]):
            _apply(resource, operation)
    return resources


def _load(path: Path) -> list[Resource]:
    if path.is_dir():
        return render(path)
    return [r for r in yaml.safe_load_all(path.read_text()) if r is not None]


def _label(resources: list[Resource], label: dict[str, Any]) -> None:
    if label.get("includeSelectors") or label.get("includeTemplates"):
        raise ValueError("labels: only metadata labels are supported")
    for resource in resources:
        resource["metadata"].setdefault("labels", {}).update(label["pairs"])


def _named(resources: list[Resource], name: str, kinds: set[str]) -> Resource:
    matches = [r for r in resources if r["kind"] in kinds and r["metadata"]["name"] == name]
    if len(matches) != 1:
        raise ValueError(f"{name}: {len(matches)} resources of kinds {sorted(kinds)}")
    return matches[0]


def _set_image(resources: list[Resource], image: dict[str, str]) -> None:
    if "digest" in image:
        reference = f"{image.get('newName', image['name'])}@{image['digest']}"
    else:
        reference = f"{image.get('newName', image['name'])}:{image['newTag']}"
    for resource in resources:
        if resource["kind"] not in POD_OWNERS:
            continue
        for container in resource["spec"]["template"]["spec"]["containers"]:
            if container["image"].split(":")[0].split("@")[0] == image["name"]:
                container["image"] = reference


def _apply(resource: Resource, operation: dict[str, Any]) -> None:
    *parents, key = operation["path"].strip("/").split("/")
    node = resource
    for part in parents:
        node = node[part]
    if operation["op"] == "replace" and key not in node:
        raise ValueError(f"replace: no {operation['path']}")
    if operation["op"] in {"add", "replace"}:
        node[key] = operation["value"]
    elif operation["op"] == "remove":
        del node[key]
    else:
        raise ValueError(f"unsupported patch operation {operation['op']}")


if __name__ == "__main__":
    yaml.safe_dump_all(render(Path(sys.argv[1])), sys.stdout, sort_keys=False)
