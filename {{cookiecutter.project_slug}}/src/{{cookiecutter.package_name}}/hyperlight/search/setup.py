"""Translate the search settings into a Ray Tune `Tuner`, with the fast settings on."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import lightning.pytorch as pl
from ray import tune
from ray.actor import ActorHandle
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.hyperopt import HyperOptSearch

from ..display import in_notebook
from ..errors import ConfigError
from ..settings import Settings
from ..user_loggers import LoggerFactory
from .trial import train_trial
from .wandb_runs import SearchTracking


def searched_keys(search_space: Mapping[str, Any]) -> list[str]:
    """The keys Ray samples; the rest are constants every trial shares."""
    return [key for key, value in search_space.items() if isinstance(value, tune.search.sample.Domain)]


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
    pl_loggers: Sequence[LoggerFactory],
    search: SearchTracking,
):
    """Ray ships the definitions once through its object store; each trial builds its own loaders and loggers.

    A trial of several workers is a Ray Train run (see `train_workers`): its workers reserve the
    trial's resources, and the Tune trial that waits for them a sliver of a CPU.
    """
    several = settings.workers_per_trial > 1
    if several:
        from .train_workers import TRIAL_DRIVER_CPU, train_run_trial  # Ray Train loads only when used
    bound = tune.with_parameters(
        train_run_trial if several else train_trial,
        configure_dataloaders=configure_dataloaders,
        lmodule_class=lmodule_class,
        settings=settings,
        pl_callbacks=list(pl_callbacks),
        pl_loggers=list(pl_loggers),
        search=search,
        start_line=start_line,
    )
    if several:
        return tune.with_resources(bound, {"cpu": TRIAL_DRIVER_CPU})
    return tune.with_resources(bound, {"cpu": settings.cpu_per_trial, "gpu": settings.gpu_per_trial})


def _searcher(search_space: Mapping[str, Any], settings: Settings) -> HyperOptSearch | None:
    """HyperOpt proposes the searched keys; with every key pinned (say by `--set`) it has nothing to
    propose and refuses, so Tune's default runs n_samples trials of the one config."""
    if not searched_keys(search_space):
        return None
    # HyperOpt's default of 20 random starts would make a 16-trial search purely random.
    n_initial = max(1, min(20, settings.n_samples // 2))
    return HyperOptSearch(n_initial_points=n_initial, random_state_seed=settings.seed)


def reuses_actors(settings: Settings, on_cluster: bool) -> bool:
    """torch and Lightning are imported once per worker, not once per trial.

    A trial of several workers only waits in its actor (its Ray Train run brings its own workers), and Tune
    cannot reuse those. Not on a cluster either: Tune hands out a cached actor without asking whether its
    node still lives (TuneController._maybe_reuse_cached_actor), so after a lost node the next trial failed
    at once; there a trial's start is small beside its GPU epochs.
    """
    return settings.workers_per_trial == 1 and not on_cluster


def new_tuner(
    trainable_fn, search_space: Mapping[str, Any], settings: Settings, path: str, max_concurrent: int, reuse: bool
) -> tune.Tuner:
    metric, mode, n_samples = settings.metric_to_optimize, settings.metric_opt_mode, settings.n_samples
    tune_config = tune.TuneConfig(
        metric=metric,
        mode=mode,
        search_alg=_searcher(search_space, settings),
        scheduler=ASHAScheduler(max_t=settings.epoch_upper_limit, grace_period=settings.grace_period),
        num_samples=n_samples,
        max_concurrent_trials=max_concurrent,
        reuse_actors=reuse,  # see reuses_actors
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
        # In a notebook the table is redrawn in place, as the epoch tables are.
        progress_reporter=(tune.JupyterNotebookReporter if in_notebook() else tune.CLIReporter)(
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
