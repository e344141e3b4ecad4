"""requirements/*.lock: every Python dependency pinned with hashes, in step with pyproject.toml.

``make`` installs from the locks with ``pip --require-hashes``, which refuses any package
the lock lacks; these tests see that the locks say what pyproject.toml says.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCKS = sorted((ROOT / "requirements").glob("*.lock"))
# "name==version [; marker] \" opens an entry; its "--hash=sha256:..." lines follow.
_ENTRY = re.compile(
    r"^([A-Za-z0-9._-]+)==([^\s;]+)(?: ;[^\\\n]*)?((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M
)


def entries(lock: Path) -> list[tuple[str, str, int]]:
    """(package name, version, number of hashes) per entry; a package may have one per marker."""
    return [
        (canonicalize_name(name), version, hashes.count("--hash="))
        for name, version, hashes in _ENTRY.findall(lock.read_text())
    ]


def locked(lock: Path) -> dict[str, str]:
    """Package name -> version, for the packages that have one version in ``lock``."""
    versions: dict[str, set[str]] = {}
    for name, version, _ in entries(lock):
        versions.setdefault(name, set()).add(version)
    return {name: found.pop() for name, found in versions.items() if len(found) == 1}


def pins(requirements: list[str]) -> dict[str, str]:
    """Name -> version of the ``==`` pins among ``requirements``, our own extras left out."""
    found: dict[str, str] = {}
    for line in requirements:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) == "calendar-gateway":
            continue
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{line}: pin it with =="
        found[canonicalize_name(requirement.name)] = specifier.version
    return found


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_every_locked_package_has_a_version_and_hashes(lock: Path) -> None:
    found = entries(lock)
    names = re.findall(r"^[A-Za-z0-9._-]+==", lock.read_text(), re.M)
    assert len(found) == len(names) > 0
    assert [name for name, _, hashes in found if hashes == 0] == []


def test_the_runtime_lock_pins_what_pyproject_pins() -> None:
    runtime = locked(ROOT / "requirements" / "runtime.lock")
    wanted = pins(PYPROJECT["project"]["dependencies"])
    assert {name: runtime.get(name) for name in wanted} == wanted


def test_the_dev_lock_pins_every_extra_as_pyproject_does() -> None:
    dev = locked(ROOT / "requirements" / "dev.lock")
    extras = PYPROJECT["project"]["optional-dependencies"].values()
    wanted = pins([*PYPROJECT["project"]["dependencies"], *(r for extra in extras for r in extra)])
    assert {name: dev.get(name) for name in wanted} == wanted


def test_the_runtime_and_dev_locks_agree_on_shared_packages() -> None:
    runtime = locked(ROOT / "requirements" / "runtime.lock")
    dev = locked(ROOT / "requirements" / "dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_the_build_lock_pins_the_build_backend_pyproject_names() -> None:
    build = locked(ROOT / "requirements" / "build.lock")
    wanted = pins(PYPROJECT["build-system"]["requires"])
    assert {name: build.get(name) for name in wanted} == wanted
