"""Translate the reference's search keys into a Ray Tune `Tuner`, with the fast settings on."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import ray
from ray import tune
from ray.actor import ActorHandle
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.hyperopt import HyperOptSearch

from .results import read_manifest
from .tune_trial import train_trial
from .validation import ConfigError


def searched_keys(search_space: dict[str, Any]) -> list[str]:
    """The keys Ray samples; the rest are constants every trial shares."""
    return [key for key, value in search_space.items() if isinstance(value, tune.search.sample.Domain)]


def experiment_path(extra_config: dict[str, Any], experiment_id: str, name: str) -> str:
    """Where Ray keeps a search: under the local results folder, a shared path, or s3:// / gs://.

    Ray owns this folder and re-uploads it when resuming, so the runner's own summaries
    live one level up, in the local search folder, never inside it.
    """
    root = extra_config.get("storage_path") or extra_config["results_dir"]
    root = str(root) if "://" in str(root) else str(Path(root).resolve())
    return f"{root.rstrip('/')}/{experiment_id}/{name}/ray"


def search_to_resume(results_dir: str | Path, experiment_id: str, resume: bool | str) -> tuple[Path, dict]:
    """The local folder and the starting manifest of the search to continue: the newest one, or the one named."""
    if resume is True:
        manifests = sorted((Path(results_dir) / experiment_id).glob("tune-*/manifest.json"), key=os.path.getmtime)
        if not manifests:
            raise ConfigError(f"no search to resume under {Path(results_dir) / experiment_id}; run `tune` first")
        run_dir = manifests[-1].parent
    else:
        run_dir = Path(resume)
    started = read_manifest(run_dir)
    if "experiment_path" not in started:
        raise ConfigError(f"--resume {run_dir}: not a search folder (no manifest.json naming a Ray experiment)")
    return run_dir, started


def concurrency(extra_config: dict[str, Any], on_cluster: bool) -> int:
    """As many trials at once as the CPUs (and GPUs) hold, and no more: HyperOpt then proposes
    each new trial knowing the results of all but the running ones.

    Locally a trial that cannot fit at all is a configuration error; a cluster may still
    scale up to fit it, so there one slot is assumed.
    """
    resources = ray.cluster_resources()
    cpus, gpus = resources.get("CPU", 0), resources.get("GPU", 0)
    slots = cpus / extra_config["cpu_per_trial"]
    if extra_config["gpu_per_trial"] > 0:
        slots = min(slots, gpus / extra_config["gpu_per_trial"])
    if slots < 1 and not on_cluster:
        raise ConfigError(
            f"a trial needs cpu_per_trial={extra_config['cpu_per_trial']} and "
            f"gpu_per_trial={extra_config['gpu_per_trial']}, but this machine has {cpus:g} CPUs and {gpus:g} GPUs"
        )
    return max(1, math.floor(slots + 1e-9))


def trainable(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    extra_config: dict[str, Any],
    pl_callbacks: Sequence[pl.Callback],
    start_line: ActorHandle | None,
):
    """Ray ships the definitions once through its object store; each trial builds its own loaders."""
    bound = tune.with_parameters(
        train_trial,
        configure_dataloaders=configure_dataloaders,
        lmodule_class=lmodule_class,
        extra_config=extra_config,
        pl_callbacks=list(pl_callbacks),
        start_line=start_line,
    )
    return tune.with_resources(bound, {"cpu": extra_config["cpu_per_trial"], "gpu": extra_config["gpu_per_trial"]})


def new_tuner(
    trainable_fn, search_space: dict[str, Any], extra: dict[str, Any], path: str, max_concurrent: int
) -> tune.Tuner:
    metric, mode = extra["metric_to_optimize"], extra["metric_opt_mode"]
    n_samples = extra["n_samples"]
    tune_config = tune.TuneConfig(
        metric=metric,
        mode=mode,
        # HyperOpt's default of 20 random starts would make a 16-trial search purely random.
        search_alg=HyperOptSearch(n_initial_points=max(1, min(20, n_samples // 2)), random_state_seed=extra["seed"]),
        scheduler=ASHAScheduler(max_t=extra["epoch_upper_limit"], grace_period=extra["grace_period"]),
        num_samples=n_samples,
        max_concurrent_trials=max_concurrent,
        reuse_actors=True,  # torch and Lightning are imported once per worker, not once per trial
    )
    run_config = tune.RunConfig(
        name=path.rsplit("/", 1)[-1],
        storage_path=path.rsplit("/", 1)[0],
        checkpoint_config=tune.CheckpointConfig(
            num_to_keep=extra["n_checkpoints_to_keep"],
            checkpoint_score_attribute=metric,
            checkpoint_score_order=mode,
        ),
        progress_reporter=tune.CLIReporter(
            metric_columns=list(extra["ray_metrics_to_show"]),
            parameter_columns=searched_keys(search_space),
            max_report_frequency=15,
        ),
        verbose=1,  # the status table only; per-epoch results live in trials.csv and the trial folders
    )
    return tune.Tuner(trainable_fn, param_space=search_space, tune_config=tune_config, run_config=run_config)


def restored_tuner(trainable_fn, path: str) -> tune.Tuner:
    """Finished and errored trials stay as they were; unfinished ones go on from their last checkpoint."""
    if not tune.Tuner.can_restore(path):
        raise ConfigError(f"{path} holds no Ray Tune search to resume")
    return tune.Tuner.restore(path, trainable=trainable_fn, resume_unfinished=True, resume_errored=False)
