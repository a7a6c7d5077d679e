"""A search's folders: the local one under results/, Ray's experiment (inside it, or on shared storage),
and the search a `--resume` continues."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

from ray import tune

from ..errors import ConfigError
from ..manifest import FINISHED, RUN_NAME, SETTINGS_FIELD, STATUS_FIELD, read_manifest
from ..results import SEARCH_PREFIX, create_run_dir
from ..settings import Settings
from ..storage import RAY_FOLDER, is_uri, upload_folder

EXPERIMENT_PATH = "experiment_path"  # the manifest field that names Ray's experiment, to resume it
KEPT_ON_RESUME = ("metric_to_optimize", "metric_opt_mode", "n_samples")  # settings a resumed search keeps


def experiment_path(settings: Settings, experiment_id: str, name: str) -> str:
    """Where Ray keeps a search: under the local results folder, a shared path, or s3:// / gs://.

    Ray owns this folder and re-uploads it when resuming, so the runner's own summaries
    live one level up: in the local search folder, and with storage_path a copy beside it there.
    """
    root = settings.storage_path or settings.results_dir
    root = root if "://" in root else str(Path(root).resolve())
    return f"{root.rstrip('/')}/{experiment_id}/{name}/{RAY_FOLDER}"


def search_to_resume(results_dir: str, experiment_id: str, resume: bool | str) -> tuple[Path, dict]:
    """The local folder and the starting manifest of the search to continue: the newest one, or the one named."""
    if resume is True:
        pattern = f"{SEARCH_PREFIX}*/manifest.json"
        manifests = sorted((Path(results_dir) / experiment_id).glob(pattern), key=os.path.getmtime)
        if not manifests:
            raise ConfigError(f"no search to resume under {Path(results_dir) / experiment_id}; run `tune` first")
        run_dir = manifests[-1].parent
    else:
        run_dir = Path(resume)
    started = read_manifest(run_dir)
    if EXPERIMENT_PATH not in started:
        raise ConfigError(f"--resume {run_dir}: not a search folder (no manifest.json naming a Ray experiment)")
    if started.get(STATUS_FIELD) == FINISHED:
        raise ConfigError(f"--resume {run_dir}: that search has finished; its results are in that folder")
    if not tune.Tuner.can_restore(started[EXPERIMENT_PATH]):
        raise ConfigError(f"--resume {run_dir}: {started[EXPERIMENT_PATH]} holds no Ray Tune search to resume")
    return run_dir, started


def start(settings: Settings, experiment_id: str, resumed: tuple[Path, dict] | None, name_prefix: str = ""):
    """The settings, the local folder and the manifest fields of a new search, or of the one to resume."""
    if resumed is None:
        run_dir = create_run_dir(settings.results_dir, experiment_id, prefix=f"{SEARCH_PREFIX}{name_prefix}")
        path = experiment_path(settings, experiment_id, run_dir.name)
        return settings, run_dir, {RUN_NAME: run_dir.name, EXPERIMENT_PATH: path}
    run_dir, started = resumed
    # A resumed search keeps the size and the metric it started with: Ray restores them too.
    kept = {key: started[SETTINGS_FIELD][key] for key in KEPT_ON_RESUME}
    fields = {key: started[key] for key in (RUN_NAME, EXPERIMENT_PATH, "started") if key in started}
    return dataclasses.replace(settings, **kept), run_dir, fields


@contextlib.contextmanager
def copied_beside_experiment(settings: Settings, run_dir: Path, path: str) -> Iterator[None]:
    """With storage_path, the search's own folder goes beside Ray's experiment when the search ends,
    however it ends: on a cluster the driver's working directory is deleted with the job or the cluster."""
    home = path.rsplit("/", 1)[0]
    same = not is_uri(home) and Path(home).resolve() == run_dir.resolve()  # storage_path is results_dir
    try:
        yield
    finally:
        if settings.storage_path and not same:
            upload_folder(run_dir, home)
            print(f"The search's folder is also in {home}")
