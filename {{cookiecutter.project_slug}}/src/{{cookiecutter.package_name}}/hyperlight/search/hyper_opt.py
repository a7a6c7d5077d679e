"""A search: check everything, let Ray Tune run the trials, then re-validate and test the best."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import ray

from ..checks import check_loaders
from ..errors import SearchInterruptedError
from ..evaluation import evaluate_checkpoint, evaluation_trainer
from ..manifest import SETTINGS_FIELD, record_run
from ..metrics import TrialMetrics
from ..progress import MetricsProgress
from ..results import METRICS_FILE, create_run_dir, print_results, save_metrics
from ..settings import SCOPE_TUNE, Settings
from ..trainer_setup import check_device, quiet_lightning
from . import setup
from .checks import check_cluster_address, check_storage, search_settings
from .ray_session import cluster_address, init_ray
from .results import ERROR, STATUS_COLUMN, best_result, best_trial_checkpoint, trial_curves, trials_frame
from .start_line import start_line_for
from .trial import CHECKPOINT_FILE, trial_config

TRIALS_FILE = "trials.csv"


def _report_failures(trials) -> None:
    failed = trials[trials[STATUS_COLUMN] == ERROR]
    if not failed.empty:
        print(f"\n{len(failed)} of {len(trials)} trials failed:")
        for row in failed.itertuples():
            print(f"  {row.trial}: {row.error}")


def _evaluate(best: ray.tune.Result, settings: Settings, loaders, lmodule_class, run_dir: Path):
    """Re-validate and test the best trial's best checkpoint in the driver, with batch_size_main loaders."""
    metric, mode = settings.metric_to_optimize, settings.metric_opt_mode
    checkpoint, best_epoch = best_trial_checkpoint(best, metric, mode)
    progress = MetricsProgress(csv_path=run_dir / METRICS_FILE)
    progress.rows, progress.eval_epoch = trial_curves(best), best_epoch
    with checkpoint.as_directory() as ckpt_dir:
        ckpt_file = Path(ckpt_dir) / CHECKPOINT_FILE
        with quiet_lightning(info=False):
            trainer = evaluation_trainer(settings, progress, run_dir)
            lmodule_best = evaluate_checkpoint(
                trainer, lmodule_class, trial_config(ckpt_file), ckpt_file, loaders, settings
            )
    return lmodule_best, best_epoch, TrialMetrics(progress.rows)


def _start(settings: Settings, experiment_id: str, resumed: tuple[Path, dict] | None):
    """The settings, the local folder and the manifest fields of a new search, or of the one to resume."""
    if resumed is None:
        run_dir = create_run_dir(settings.results_dir, experiment_id, kind=setup.SEARCH_PREFIX)
        return settings, run_dir, {setup.EXPERIMENT_PATH: setup.experiment_path(settings, experiment_id, run_dir.name)}
    run_dir, started = resumed
    # A resumed search keeps the size and the metric it started with: Ray restores them too.
    kept = {key: started[SETTINGS_FIELD][key] for key in setup.KEPT_ON_RESUME}
    fields = {key: started[key] for key in (setup.EXPERIMENT_PATH, "started")}
    return dataclasses.replace(settings, **kept), run_dir, fields


def run_hyper_opt(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    search_space_config: Mapping[str, Any],
    extra_config: Mapping[str, Any],
    pl_callbacks: Sequence[pl.Callback] = (),
    experiment_id: str = "default",
    resume: bool | str = False,
    address: str | None = None,
) -> dict[str, Any]:
    """Search, then hand back the best trial already re-validated and tested.

    Every check (settings, search space, data function, local resources, the search to
    resume) runs before Ray starts and before a results folder is made.
    resume: True continues the search of this experiment that ran last, a path (its folder) that one.
    address: a Ray cluster to join (RAY_ADDRESS works too); by default Ray starts locally.
    """
    settings = search_settings(extra_config, search_space_config)
    check_device(settings.gpus)  # the driver re-validates and tests the best trial on it
    # Built now for the final evaluation, and a data function that breaks fails before Ray starts.
    loaders = configure_dataloaders(settings.batch_size_main, n_workers=settings.n_workers)
    check_loaders(loaders, settings)
    address = cluster_address(address)
    on_cluster = address is not None
    local_cpus = None  # a cluster's own resources are known only once joined
    if on_cluster:
        check_cluster_address(address)
    else:
        local_cpus, local_gpus = setup.local_resources()
        setup.concurrency(settings, local_cpus, local_gpus, on_cluster=False)
    check_storage(settings.storage_path)
    resumed = setup.search_to_resume(settings.results_dir, experiment_id, resume) if resume else None

    init_ray(address, num_cpus=local_cpus)  # a local Ray sees the CPUs just checked
    settings, run_dir, fields = _start(settings, experiment_id, resumed)
    if settings.max_failures is None:  # on this machine a failure is the code's: retrying it only costs time
        settings = dataclasses.replace(settings, max_failures=3 if on_cluster else 0)
    resources = ray.cluster_resources()
    max_concurrent = setup.concurrency(settings, resources.get("CPU", 0), resources.get("GPU", 0), on_cluster)
    # A resumed search may have fewer trials left than slots, so only a new one lines up its workers.
    start_line = None if resume else start_line_for(min(max_concurrent, settings.n_samples))
    trial_settings = dataclasses.replace(settings, gpus=1 if settings.gpu_per_trial > 0 else 0)
    trainable = setup.trainable(configure_dataloaders, lmodule_class, trial_settings, pl_callbacks, start_line)
    path = fields[setup.EXPERIMENT_PATH]
    if resume:
        tuner = setup.restored_tuner(trainable, path)
    else:
        tuner = setup.new_tuner(trainable, search_space_config, settings, path, max_concurrent)
    with record_run(run_dir, **fields, **{SETTINGS_FIELD: settings.in_scope(SCOPE_TUNE)}) as manifest:
        grid = tuner.fit()
        outcome = _summarize(grid, setup.searched_keys(search_space_config), settings, loaders, lmodule_class, run_dir)
        best = outcome.pop("best")
        manifest.update(best_trial=best.path, best_epoch=outcome["best_epoch"], best_config=best.config)
        manifest.update(metrics_last=outcome["metrics_last"].to_dict())
    return outcome


def _summarize(grid, searched, settings: Settings, loaders, lmodule_class, run_dir: Path) -> dict[str, Any]:
    """trials.csv first, so even a failed or interrupted search leaves its table; then the best trial."""
    metric, mode = settings.metric_to_optimize, settings.metric_opt_mode
    trials = trials_frame(grid, metric, mode, searched)
    trials.to_csv(run_dir / TRIALS_FILE, index=False)
    _report_failures(trials)
    if grid.num_terminated + grid.num_errors < max(len(grid), settings.n_samples):
        raise SearchInterruptedError(f"the search stopped early; continue it with --resume {run_dir}")
    best = best_result(grid, metric, mode)
    lmodule_best, best_epoch, metrics = _evaluate(best, settings, loaders, lmodule_class, run_dir)
    csv_path, png_path = save_metrics(run_dir, metrics)
    files = {"plot": png_path, "metrics": csv_path, "trials": run_dir / TRIALS_FILE}
    print_results(f"Best trial: {best.path} (epoch {best_epoch}). Results: {run_dir.resolve()}", files)
    return {
        "lmodule_best": lmodule_best,
        "best_epoch": best_epoch,
        "best_config": best.config,
        "best": best,
        "metrics": metrics,
        "metrics_last": metrics.series_last,
        "analysis": grid,
        "trials": trials,
        "results_dir": run_dir,
    }
