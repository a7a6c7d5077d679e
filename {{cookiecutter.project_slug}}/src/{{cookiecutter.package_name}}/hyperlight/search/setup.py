"""Translate the search settings into a Ray Tune `Tuner`, with the fast settings on."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from ray import tune
from ray.actor import ActorHandle
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.hyperopt import HyperOptSearch

from ..errors import ConfigError
from ..manifest import FINISHED, STATUS_FIELD, read_manifest
from ..settings import Settings
from .trial import train_trial

RAY_FOLDER = "ray"  # Ray's experiment, inside the search's local folder
SEARCH_PREFIX = "tune-"  # of a search's folder name under results/<experiment_id>/
EXPERIMENT_PATH = "experiment_path"  # the manifest field that names Ray's experiment, to resume it
KEPT_ON_RESUME = ("metric_to_optimize", "metric_opt_mode", "n_samples")  # settings a resumed search keeps


def searched_keys(search_space: Mapping[str, Any]) -> list[str]:
    """The keys Ray samples; the rest are constants every trial shares."""
    return [key for key, value in search_space.items() if isinstance(value, tune.search.sample.Domain)]


def experiment_path(settings: Settings, experiment_id: str, name: str) -> str:
    """Where Ray keeps a search: under the local results folder, a shared path, or s3:// / gs://.

    Ray owns this folder and re-uploads it when resuming, so the runner's own summaries
    live one level up, in the local search folder, never inside it.
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


def local_resources() -> tuple[int, int]:
    """The CPUs and GPUs a local Ray would find, known before Ray starts."""
    import torch

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cpus, torch.cuda.device_count()


def concurrency(settings: Settings, cpus: float, gpus: float, on_cluster: bool) -> int:
    """As many trials at once as the CPUs (and GPUs) hold, and no more: HyperOpt then proposes
    each new trial knowing the results of all but the running ones.

    Locally a trial that cannot fit at all is a configuration error; a cluster may still
    scale up to fit it, so there one slot is assumed.
    """
    slots = cpus / settings.cpu_per_trial
    if settings.gpu_per_trial > 0:
        slots = min(slots, gpus / settings.gpu_per_trial)
    if slots < 1 and not on_cluster:
        raise ConfigError(
            f"a trial needs cpu_per_trial={settings.cpu_per_trial:g} and gpu_per_trial={settings.gpu_per_trial:g}, "
            f"but this machine has {cpus:g} CPUs and {gpus:g} GPUs"
        )
    return max(1, math.floor(slots + 1e-9))


def trainable(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    settings: Settings,
    pl_callbacks: Sequence[pl.Callback],
    start_line: ActorHandle | None,
):
    """Ray ships the definitions once through its object store; each trial builds its own loaders."""
    bound = tune.with_parameters(
        train_trial,
        configure_dataloaders=configure_dataloaders,
        lmodule_class=lmodule_class,
        settings=settings,
        pl_callbacks=list(pl_callbacks),
        start_line=start_line,
    )
    return tune.with_resources(bound, {"cpu": settings.cpu_per_trial, "gpu": settings.gpu_per_trial})


def new_tuner(
    trainable_fn, search_space: Mapping[str, Any], settings: Settings, path: str, max_concurrent: int
) -> tune.Tuner:
    metric, mode, n_samples = settings.metric_to_optimize, settings.metric_opt_mode, settings.n_samples
    tune_config = tune.TuneConfig(
        metric=metric,
        mode=mode,
        # HyperOpt's default of 20 random starts would make a 16-trial search purely random.
        search_alg=HyperOptSearch(n_initial_points=max(1, min(20, n_samples // 2)), random_state_seed=settings.seed),
        scheduler=ASHAScheduler(max_t=settings.epoch_upper_limit, grace_period=settings.grace_period),
        num_samples=n_samples,
        max_concurrent_trials=max_concurrent,
        reuse_actors=True,  # torch and Lightning are imported once per worker, not once per trial
    )
    run_config = tune.RunConfig(
        name=path.rsplit("/", 1)[-1],
        storage_path=path.rsplit("/", 1)[0],
        # A cluster loses nodes (spot instances, preemption): their trials go on elsewhere from a checkpoint.
        failure_config=tune.FailureConfig(max_failures=settings.max_failures),
        checkpoint_config=tune.CheckpointConfig(
            num_to_keep=settings.n_checkpoints_to_keep,
            checkpoint_score_attribute=metric,
            checkpoint_score_order=mode,
        ),
        progress_reporter=tune.CLIReporter(
            metric_columns=list(settings.ray_metrics_to_show),
            parameter_columns=searched_keys(search_space),
            max_report_frequency=15,
        ),
        verbose=1,  # the status table only; per-epoch results live in trials.csv and the trial folders
    )
    return tune.Tuner(trainable_fn, param_space=dict(search_space), tune_config=tune_config, run_config=run_config)


def restored_tuner(trainable_fn, path: str) -> tune.Tuner:
    """Finished and errored trials stay as they were; unfinished ones go on from their last checkpoint."""
    return tune.Tuner.restore(path, trainable=trainable_fn, resume_unfinished=True, resume_errored=False)
