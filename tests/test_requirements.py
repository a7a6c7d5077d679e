"""The baked project's lock agrees with what it declares, resolves as it is for every offered Python,
and the template's tests run on that lock."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import TEMPLATE_ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / "requirements.lock"
PYTHONS = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())["python_version"]
UV = Path(sys.executable).with_name("uv")
# What uv says when it cannot reach the package index: the resolve is skipped there, not failed.
INDEX_UNREACHABLE = ("Failed to fetch", "error sending request", "dns error", "tcp connect error", "Could not connect")
RESOLVE_TIMEOUT_S = 600  # ends a hang only: a resolve takes about 12 s, network included, 3 s from uv's cache


def _linux(python_version: str) -> dict[str, str]:
    environment = {"python_version": python_version, "python_full_version": f"{python_version}.0"}
    return environment | {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64"}


def _locked_entries(lock: Path, python_version: str) -> dict[str, tuple[str, set[str]]]:
    """Name -> (pinned version, the names its `# via` lines give) for one Python on Linux x86_64."""
    entries: dict[str, tuple[str, set[str]]] = {}
    current = None  # the via lines that follow a pin belong to it; None after a pin of another platform
    for line in lock.read_text().splitlines():
        if line.startswith("    #"):  # "    # via NAME", "    # via" then "    #   NAME", or uv's notes
            words = line.removeprefix("    #").removeprefix(" via").split()
            if current is not None and words:
                entries[current][1].add(canonicalize_name(words[0]))
        elif line.strip() and not line.startswith("#"):
            req = Requirement(line)
            current = None
            if req.marker is None or req.marker.evaluate(_linux(python_version)):
                [spec] = req.specifier
                assert spec.operator == "==", f"{line}: a lock pins exact versions"
                current = canonicalize_name(req.name)
                assert current not in entries, f"{req.name} is pinned twice for Python {python_version}"
                entries[current] = (spec.version, set())
    return entries


def locked_versions(lock: Path, python_version: str) -> dict[str, str]:
    """Name -> pinned version for one Python on Linux x86_64, markers evaluated as pip would."""
    return {name: version for name, (version, _) in _locked_entries(lock, python_version).items()}


def locked_closure(lock: Path, python_version: str, requirements: list[str]) -> dict[str, str]:
    """Name -> pinned version of what `requirements` need on Linux x86_64, following the lock's `# via` lines.

    What an install of `requirements` under the lock's constraints must hold: the lock also pins the
    extras (dev tools), which such an install leaves out.
    """
    entries = _locked_entries(lock, python_version)
    needed = {canonicalize_name(Requirement(req).name) for req in requirements}
    while grown := {name for name, (_, parents) in entries.items() if parents & needed} - needed:
        needed |= grown
    return {name: entries[name][0] for name in needed}


def _pins(requirements: str) -> dict[str, str]:
    reqs = [Requirement(line) for line in requirements.splitlines() if line.strip() and not line.startswith("#")]
    return {canonicalize_name(req.name): next(iter(req.specifier)).version for req in reqs}


def test_the_lock_resolves_as_it_is_for_every_offered_python(tmp_path):
    """uv resolves the lock's own pins for each python_version on Linux x86_64 (a dry run: nothing installs).

    Only Python 3.11 is ever installed here; this shows that every pin has a distribution for the other
    Pythons too, allows them, and that no dependency is missing: the result is the lock, nothing added.
    """
    target = ["--python-platform", "x86_64-manylinux_2_28", "--no-header", "--no-annotate", "--quiet"]
    runs = {  # side by side: each waits on the index
        version: subprocess.Popen(
            [UV, "pip", "compile", LOCK, "--python-version", version, *target, "-o", tmp_path / f"{version}.txt"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for version in PYTHONS
    }
    for version, run in runs.items():
        _, err = run.communicate(timeout=RESOLVE_TIMEOUT_S)
        if run.returncode and any(sign in err for sign in INDEX_UNREACHABLE):
            pytest.skip(f"the package index is unreachable: {err.strip().splitlines()[-1]}")
        assert run.returncode == 0, f"Python {version}: {err}"
        assert _pins((tmp_path / f"{version}.txt").read_text()) == locked_versions(LOCK, version), version


def _declared(project: Path) -> list[Requirement]:
    project_table = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    extras = [dep for deps in project_table.get("optional-dependencies", {}).values() for dep in deps]
    return [Requirement(dep) for dep in [*project_table["dependencies"], *extras]]


def _make_variable(name: str) -> str:
    makefile = (TEMPLATE_ROOT / "Makefile").read_text()
    [value] = [line.split("=", 1)[1].strip() for line in makefile.splitlines() if line.startswith(f"{name} ")]
    return value


@pytest.mark.parametrize("use_wandb", ["y", "n"])
@pytest.mark.parametrize("python_version", PYTHONS)
def test_every_dependency_is_locked_within_its_range(bake, python_version, use_wandb):
    project = bake(python_version=python_version, use_wandb=use_wandb)
    pins = locked_versions(project / "requirements.lock", python_version)
    for req in _declared(project):
        version = pins.get(canonicalize_name(req.name))
        assert version is not None, f"{req.name} is missing from requirements.lock for Python {python_version}"
        assert req.specifier.contains(version), f"{req.name}=={version} is outside {req}"


def test_template_tests_install_the_baked_runtime_from_the_lock(bake):
    lines = [line.strip() for line in (TEMPLATE_ROOT / "requirements-dev.txt").read_text().splitlines()]
    assert "-c {{cookiecutter.project_slug}}/requirements.lock" in lines
    names = {canonicalize_name(Requirement(line).name) for line in lines if line and line[0].isalpha()}
    missing = [req.name for req in _declared(bake()) if canonicalize_name(req.name) not in names | {"torch"}]
    assert missing == [], "requirements-dev.txt leaves out baked dependencies"


def test_makefile_torch_is_the_locked_torch():
    [pinned] = Requirement(_make_variable("TORCH_SPEC")).specifier
    for python_version in PYTHONS:
        assert locked_versions(LOCK, python_version)["torch"] == pinned.version


def test_make_demo_names_match_the_default_bake(bake):
    project = bake()
    assert project.name == _make_variable("DEMO_SLUG")
    assert (project / "src" / _make_variable("DEMO_PACKAGE") / "__main__.py").is_file()
