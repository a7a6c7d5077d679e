"""Every option bakes, nothing is left unrendered, and each option does what it says."""

import ast
import json
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import TEMPLATE_ROOT, text_files
from cookiecutter.generate import is_copy_only_path

OPTIONS = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
CHOICES = [
    (key, value)
    for key, values in OPTIONS.items()
    if isinstance(values, list) and not key.startswith("_")
    for value in values
]
VENDORED = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / "src" / "{{cookiecutter.package_name}}" / "hyperlight"


def _assert_fully_rendered(project: Path) -> None:
    leftovers = [
        str(p.relative_to(project)) for p in text_files(project) if "{{" in p.read_text() or "{%" in p.read_text()
    ]
    leftovers += [str(p.relative_to(project)) for p in project.rglob("*") if "{{" in p.name]
    assert leftovers == []
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path))  # rendered values must not break the syntax


def test_default_bake_has_the_documented_layout(bake):
    project = bake()
    package = project / "src" / "digits_research"
    for path in ("pyproject.toml", "README.md", "LICENSE", ".gitignore", "tests/test_wandb_tracking.py"):
        assert (project / path).is_file(), path
    for name in ("data.py", "model.py", "config.py", "cli.py", "__main__.py"):
        assert (package / name).is_file(), name
    _assert_fully_rendered(project)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"digits-research": "digits_research.cli:main"}
    assert "pytest>=8" in pyproject["project"]["optional-dependencies"]["dev"]


def test_vendored_runner_is_copied_verbatim_with_relative_imports(bake):
    runner_dir = str(VENDORED.relative_to(VENDORED.parents[2]))  # as cookiecutter walks the template
    assert is_copy_only_path(runner_dir, {"cookiecutter": OPTIONS})
    copied = bake() / "src" / "digits_research" / "hyperlight"
    sources = sorted(str(p.relative_to(VENDORED)) for p in VENDORED.rglob("*.py"))
    assert "search/hyper_opt.py" in sources
    assert sources == sorted(str(p.relative_to(copied)) for p in copied.rglob("*.py"))
    for name in sources:
        text = (VENDORED / name).read_text()
        assert (copied / name).read_text() == text
        assert "import hyperlight" not in text and "from hyperlight" not in text, name


@pytest.mark.parametrize(("key", "value"), CHOICES, ids=[f"{k}={v}" for k, v in CHOICES])
def test_every_choice_bakes_fully_rendered(bake, key, value):
    project = bake(**{key: value})
    _assert_fully_rendered(project)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    config = (project / "src" / "digits_research" / "config.py").read_text()
    if key == "use_wandb":
        has_wandb = value == "y"
        assert any(dep.startswith("wandb") for dep in pyproject["project"]["dependencies"]) is has_wandb
        assert ("wandb_project" in config) is has_wandb
        for test in ("test_wandb_tracking.py", "test_key_leak.py", "wandb_records.py"):
            assert (project / "tests" / test).exists() is has_wandb, test
    elif key == "license":
        assert (project / "LICENSE").exists() is (value != "Proprietary")
        assert pyproject["project"].get("license", "Proprietary") == value
    elif key == "python_version":
        assert pyproject["project"]["requires-python"] == f">={value}"
        assert pyproject["tool"]["ruff"]["target-version"] == f"py{value.replace('.', '')}"
    elif key == "cloud_provider":
        cluster = project / "cluster.yaml"
        assert cluster.exists() is (value != "none")
        if cluster.exists():
            assert yaml.safe_load(cluster.read_text())["provider"]["type"] == value


def test_names_flow_from_the_project_name(bake):
    project = bake(project_name="Protein Folding Study")
    assert project.name == "protein-folding-study"
    config = (project / "src" / "protein_folding_study" / "config.py").read_text()
    assert 'EXPERIMENT_ID = "protein-folding-study-baseline"' in config


def test_quotes_and_backslashes_in_free_text_survive(bake):
    description = 'A study of "grokking" \\ and <things> & more'
    project = bake(description=description, author_name='Dana "D" O\'Neil')
    _assert_fully_rendered(project)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == description
    assert pyproject["project"]["authors"][0]["name"] == 'Dana "D" O\'Neil'
