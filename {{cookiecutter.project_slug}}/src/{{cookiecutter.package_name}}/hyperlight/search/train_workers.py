"""Trials on several workers: Ray Train's TorchTrainer inside a Tune trial, as Ray 2.60 (Train V2) documents it.

With workers_per_trial > 1 a trial is a Tune function that launches one Ray Train run: each of its
workers runs the same Lightning fit as a one-process trial (`trial.fit_trial`), with Ray's DDP strategy,
and Ray's TuneReportCallback forwards rank zero's epoch reports to Tune, each with the path of the
checkpoint Ray Train stored. The trial's CPUs and GPUs are split evenly among its workers.
"""

from __future__ import annotations

import importlib.util
import logging
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from typing import Any

import ray.train
from ray import tune
from ray.actor import ActorHandle
from ray.train.lightning import RayDDPStrategy, RayLightningEnvironment, prepare_trainer
from ray.train.torch import TorchTrainer
from ray.tune.integration.ray_train import TuneReportCallback

from ..settings import Settings
from ..tracking import TrackedRun
from .start_line import wait_at
from .trial import fit_trial, trial_folder
from .wandb_runs import SearchTracking

# The Tune trial itself only waits for its Ray Train run: a sliver of the trial's CPUs; its workers share the rest.
TRIAL_DRIVER_CPU = 0.01
REPORT_LOG_MODULE = "ray.train.v2._internal.execution.context"  # where that INFO line comes from
TRAIN_RUNS = "train_runs"  # in Ray's experiment folder: each trial's Ray Train run and its checkpoints


def worker_resources(settings: Settings) -> dict[str, float]:
    """What each worker of a trial reserves: the trial's CPUs (less the waiting Tune trial's) and GPUs, split
    evenly, so that a whole trial takes cpu_per_trial and gpu_per_trial, as a one-process trial does."""
    n = settings.workers_per_trial
    gpus = {"GPU": settings.gpu_per_trial / n} if settings.gpu_per_trial else {}
    return {"CPU": (settings.cpu_per_trial - TRIAL_DRIVER_CPU) / n, **gpus}


def _report_to_train(metrics: dict[str, float], checkpoint_dir: Path | None) -> None:
    """Every rank reports each epoch (Ray Train waits for all); rank zero's carries the checkpoint."""
    checkpoint = None if checkpoint_dir is None else ray.train.Checkpoint.from_directory(checkpoint_dir)
    ray.train.report(metrics, checkpoint=checkpoint)


def _quiet_reports() -> None:
    """Ray Train logs every report of every worker at INFO, under its module's file name."""
    spec = importlib.util.find_spec(REPORT_LOG_MODULE)
    if spec is not None and spec.origin:
        logging.getLogger(spec.origin).setLevel(logging.WARNING)


def _fit_on_worker(config: dict[str, Any], *, trial_dir: str, **definitions: Any) -> None:
    """One Ray Train worker: the trial's fit as one process of Ray's DDP."""
    if not definitions["settings"].verbose:
        _quiet_reports()
    fit_trial(
        config,
        ray.train.get_checkpoint(),
        Path(trial_dir),
        lambda final_config: nullcontext(TrackedRun()),  # per-trial W&B runs need a Tune trial's context
        _report_to_train,
        **definitions,
        prepare=prepare_trainer,
        devices="auto",
        strategy=RayDDPStrategy(),
        plugins=[RayLightningEnvironment()],
    )


def train_run_trial(
    config: dict[str, Any],
    *,
    search: SearchTracking,
    start_line: ActorHandle | None = None,
    **definitions: Any,
) -> None:
    """Ray's function trainable for multi-worker trials; `tune.with_parameters` binds all but `config`.

    The Ray Train run is named after the trial, so a resumed search finds it again and goes on.
    """
    wait_at(start_line)
    settings: Settings = definitions["settings"]
    trial_dir = trial_folder(search.experiment_path)
    trainer = TorchTrainer(
        partial(_fit_on_worker, trial_dir=str(trial_dir), **definitions),
        train_loop_config=config,
        scaling_config=ray.train.ScalingConfig(
            num_workers=settings.workers_per_trial,
            use_gpu=settings.gpu_per_trial > 0,
            resources_per_worker=worker_resources(settings),
        ),
        run_config=ray.train.RunConfig(
            name=tune.get_context().get_trial_id(),
            storage_path=f"{search.experiment_path.rstrip('/')}/{TRAIN_RUNS}",
            callbacks=[TuneReportCallback()],
            # Ray Train's per-epoch INFO lines would bury Tune's progress table; `verbose` keeps them.
            logging_config=ray.train.LoggingConfig(log_level="INFO" if settings.verbose else "WARNING"),
            # The driver reads the best one back by the path reported with its epoch.
            checkpoint_config=ray.train.CheckpointConfig(
                num_to_keep=settings.n_checkpoints_to_keep,
                checkpoint_score_attribute=settings.metric_to_optimize,
                checkpoint_score_order=settings.metric_opt_mode,
            ),
        ),
    )
    trainer.fit()
