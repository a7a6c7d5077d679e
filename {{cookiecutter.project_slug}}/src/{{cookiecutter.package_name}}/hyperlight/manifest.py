"""The manifest.json of a run, and its one lifecycle: running, then finished, failed or interrupted.

It is written when the run starts and rewritten when it ends, so even a crashed or
killed run is described; both single trials and searches go through `record_run`.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import SearchInterruptedError
from .version import __version__

MANIFEST_FILE = "manifest.json"
STATUS_FIELD, SETTINGS_FIELD = "status", "extra_config"  # fields other modules read back
RUN_NAME = "run_name"  # the field with the run's name: in its folder name and its tracker too
STAGES_FIELD = "stages"  # which of Train, Val, Reval, Test the run has (validation and test are optional)
# Fields a run writes that other modules read back: a single trial's config and seed, a search's best
# config, and the last value of every metric (Reval and Test included).
CONFIG_FIELD, SEED_FIELD, BEST_CONFIG_FIELD, METRICS_LAST_FIELD = "config", "seed", "best_config", "metrics_last"
BEST_CHECKPOINT_FIELD = "best_checkpoint"  # the absolute path of a single trial's best checkpoint
RUNNING, FINISHED, FAILED, INTERRUPTED = "running", "finished", "failed", "interrupted"
# Lightning turns Ctrl-C into SystemExit; Ray Tune's own Ctrl-C handling ends in SearchInterruptedError.
INTERRUPTIONS = (KeyboardInterrupt, SystemExit, SearchInterruptedError)
PACKAGES = ("torch", "lightning", "torchmetrics", "ray")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


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


def template_version() -> str | None:
    """The template release the project was baked from: the package that vendors this runner
    states it as TEMPLATE_VERSION in its __init__ (None when the runner runs on its own)."""
    project = sys.modules.get(__package__.rpartition(".")[0])
    return getattr(project, "TEMPLATE_VERSION", None)


def environment() -> dict[str, Any]:
    """What it takes to reproduce a run; versions are read from metadata so Ray is never imported."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "hyperlight_version": __version__,
        "template_version": template_version(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {package: _version(package) for package in PACKAGES},
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": None if status is None else bool(status),
    }


def _jsonable(value: Any) -> Any:
    """numpy scalars (sampled hyper-parameters) as the numbers they are; anything else as text."""
    return value.item() if hasattr(value, "item") and callable(value.item) else str(value)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The manifest of an earlier run in `run_dir`, or {} when there is none."""
    path = run_dir / MANIFEST_FILE
    return json.loads(path.read_text()) if path.exists() else {}


class RunManifest:
    """The fields of one run's manifest; every change is written through at once."""

    def __init__(self, run_dir: Path, fields: dict[str, Any]) -> None:
        self.path = run_dir / MANIFEST_FILE
        self.fields = fields

    def update(self, **fields: Any) -> None:
        self.fields.update(fields)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.fields, indent=2, default=_jsonable) + "\n")
        tmp.replace(self.path)  # atomic: a reader never sees half a manifest


@contextmanager
def record_run(run_dir: Path, **fields: Any) -> Iterator[RunManifest]:
    """Write the manifest as running; on leaving, as finished, or as failed/interrupted with the error."""
    manifest = RunManifest(run_dir, {STATUS_FIELD: RUNNING, "started": _now(), **fields, **environment()})
    manifest.update()
    try:
        yield manifest
    except BaseException as error:
        status = INTERRUPTED if isinstance(error, INTERRUPTIONS) else FAILED
        manifest.update(**{STATUS_FIELD: status}, finished=_now(), error=repr(error))
        raise
    manifest.update(**{STATUS_FIELD: FINISHED}, finished=_now())
