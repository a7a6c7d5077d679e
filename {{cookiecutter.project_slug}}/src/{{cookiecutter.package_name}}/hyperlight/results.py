"""The results folder of a run: checkpoint, metrics.csv, plot.png and manifest.json."""

from __future__ import annotations

import json
import platform
import subprocess
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from .metrics import TrialMetrics

PACKAGES = ("torch", "lightning", "torchmetrics", "ray")


def create_run_dir(results_dir: str | Path, experiment_id: str, kind: str = "") -> Path:
    """A fresh folder per run; mkdtemp makes it atomically, so runs never overwrite each other."""
    experiment_dir = Path(results_dir) / experiment_id
    experiment_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=time.strftime(f"{kind}%Y%m%d-%H%M%S-"), dir=experiment_dir))


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def environment() -> dict[str, Any]:
    """What it takes to reproduce a run; versions are read from metadata so Ray is never imported."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {package: _version(package) for package in PACKAGES},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
    }


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Written when the run starts and again when it ends, so a crashed run is still described."""
    path = run_dir / "manifest.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    tmp.replace(path)
    return path


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of an earlier run in `run_dir`, or {} when there is none."""
    path = run_dir / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}


def print_results(headline: str, files: dict[str, Path]) -> None:
    """The absolute paths a user opens next, one per line under the headline."""
    print(f"\n{headline}")
    for label, path in files.items():
        print(f"  {label:<9}{path.resolve()}")


def save_metrics(run_dir: Path, metrics: TrialMetrics) -> tuple[Path, Path]:
    csv_path, png_path = run_dir / "metrics.csv", run_dir / "plot.png"
    metrics.df.to_csv(csv_path)
    metrics.plot().savefig(png_path, dpi=100)
    return csv_path, png_path
