"""The seeds of a repeat group side by side, as Ray tasks with the resources of one trial each.

A task trains its seed in a private folder on whichever node runs it, then sends the run folder home
as one archive, so the group is whole on the driver's disk even when the nodes share no file system.
Each run is unpacked the moment it arrives: a failed seed costs only itself.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import ray

from .manifest import BEST_CHECKPOINT_FIELD, RunManifest, read_manifest
from .repeat_group import seed_run_name
from .search.ray_session import init_ray
from .settings import SEED, Settings
from .single_trial import run_single_trial
from .tracking import write_out_runs

RESULTS_DIR = "results_dir"  # the setting a task points at its private folder


def _pack(run_dir: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(run_dir, arcname=run_dir.name)
    return buffer.getvalue()


def _unpack(data: bytes, into: Path) -> Path:
    """The run folder at home; its manifest names the checkpoint where it now lies."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        name = archive.getnames()[0].split("/")[0]
        archive.extractall(into, filter="data")
    run_dir = into / name
    manifest = read_manifest(run_dir)
    if manifest.get(BEST_CHECKPOINT_FIELD):
        home = run_dir / Path(manifest[BEST_CHECKPOINT_FIELD]).parent.name / Path(manifest[BEST_CHECKPOINT_FIELD]).name
        RunManifest(run_dir, manifest).update(**{BEST_CHECKPOINT_FIELD: str(home)})
    return run_dir


@ray.remote
def _train_seed(args: tuple, extra_config: Mapping[str, Any], seed: int, group: str, name: str, kwargs: dict) -> bytes:
    with tempfile.TemporaryDirectory() as private:
        extra = {**extra_config, SEED: seed, RESULTS_DIR: private}
        result = run_single_trial(*args, extra, experiment_id=group, run_name=seed_run_name(name, seed), **kwargs)
        write_out_runs()
        return _pack(result["results_dir"])


def run_seeds_on_ray(
    args: tuple[Callable[..., dict], type[pl.LightningModule], dict[str, Any]],
    extra_config: Mapping[str, Any],
    settings: Settings,
    seeds: Sequence[int],
    group: str,
    name: str,
    address: str | None,
    finished: Callable[[int, Path], None],
    **kwargs: Any,
) -> None:
    """Every seed at once as far as the cluster fits them; `finished(seed, run_dir)` as each comes home."""
    init_ray(address, verbose=settings.verbose)
    gpus = settings.gpu_per_trial or (1 if settings.gpus != 0 and ray.cluster_resources().get("GPU", 0) else 0)
    task = _train_seed.options(num_cpus=settings.cpu_per_trial, num_gpus=gpus)
    pending = {task.remote(args, extra_config, seed, group, name, kwargs): seed for seed in seeds}
    into, errors = Path(settings.results_dir) / group, []
    while pending:
        [done], _ = ray.wait(list(pending), num_returns=1)
        seed = pending.pop(done)
        try:
            finished(seed, _unpack(ray.get(done), into))
        except ray.exceptions.RayTaskError as error:
            errors.append(error)
    if errors:
        raise errors[0].as_instanceof_cause()
