"""One Lightning namespace: Ray's callbacks must subclass the Callback our Trainer takes."""

import ast
from pathlib import Path

import lightning.pytorch as pl

import {{ cookiecutter.package_name }}

SOURCES = Path({{ cookiecutter.package_name }}.__file__).parent.rglob("*.py")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


def test_project_never_imports_the_pytorch_lightning_namespace():
    offenders = [path.name for path in SOURCES if "pytorch_lightning" in _imported_modules(path)]
    assert offenders == []


def test_ray_lightning_callbacks_match_our_namespace():
    from ray.tune.integration.pytorch_lightning import TuneReportCheckpointCallback

    assert issubclass(TuneReportCheckpointCallback, pl.Callback)
