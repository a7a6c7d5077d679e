"""The pinned test environment satisfies what the baked project declares."""

import tomllib

from conftest import TEMPLATE_ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def _pins() -> dict:
    lines = (TEMPLATE_ROOT / "requirements-dev.txt").read_text().splitlines()
    reqs = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {canonicalize_name(req.name): req for req in reqs}


def _declared(bake) -> list[Requirement]:
    pyproject = tomllib.loads((bake() / "pyproject.toml").read_text())
    return [Requirement(dep) for dep in pyproject["project"]["dependencies"]]


def _make_variable(name: str) -> str:
    makefile = (TEMPLATE_ROOT / "Makefile").read_text()
    [value] = [line.split("=", 1)[1].strip() for line in makefile.splitlines() if line.startswith(f"{name} ")]
    return value


def test_every_runtime_dependency_is_pinned_within_its_range(bake):
    pins = _pins()
    for req in _declared(bake):
        if req.name == "torch":  # installed first, on its own, by the Makefile
            continue
        pin = pins.get(canonicalize_name(req.name))
        assert pin is not None, f"{req.name} is missing from requirements-dev.txt"
        [version] = [spec.version for spec in pin.specifier]
        assert req.specifier.contains(version), f"{pin} is outside {req}"
        assert req.extras <= pin.extras, f"{pin} lacks extras {req.extras}"


def test_makefile_torch_satisfies_the_declared_range(bake):
    spec = _make_variable("TORCH_SPEC")
    [torch] = [req for req in _declared(bake) if req.name == "torch"]
    [pinned] = Requirement(spec).specifier
    assert torch.specifier.contains(pinned.version), f"{spec} is outside {torch}"


def test_make_demo_names_match_the_default_bake(bake):
    project = bake()
    assert project.name == _make_variable("DEMO_SLUG")
    assert (project / "src" / _make_variable("DEMO_PACKAGE") / "__main__.py").is_file()
