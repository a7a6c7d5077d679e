"""A search: check everything, let Ray Tune run the trials, then re-validate and test the best."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import ray

from ..best_epoch import BEST_EPOCH_INDEX, best_epoch_fields, describe_best_epoch
from ..checks import check_loaders, run_stages
from ..console import quiet_lightning
from ..devices import check_device
from ..errors import SearchInterruptedError
from ..evaluation import evaluate_checkpoint, evaluation_trainer
from ..manifest import BEST_CONFIG_FIELD, METRICS_LAST_FIELD, SETTINGS_FIELD, STAGES_FIELD, record_run
from ..metrics import TrialMetrics
from ..progress import MetricsProgress
from ..results import METRICS_FILE, PLOT_FILE, check_run_name, print_results, save_metrics
from ..settings import SCOPE_TUNE, Settings
from ..tracking import check_tracking
from ..trial_tables import STATUS_COLUMN, TRIALS_FILE, trials_summary
from ..user_loggers import LoggerFactory
from . import folders, setup
from .allocation import check_joined_cluster
from .capacity import trials_at_once
from .checks import check_cluster_address, check_storage, search_settings
from .plots import save_search_plots
from .ray_session import cluster_address, init_ray
from .reporter import CHECKPOINT_FILE, trial_config
from .results import ERROR, UNFINISHED, best_result, best_trial_checkpoint, trial_curves, trials_frame
from .start_line import release, start_line_for
from .stopping import sigterm_stops_search
from .wandb_runs import log_best, search_tracking


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
    progress.show_summary()
    return lmodule_best, best_epoch, TrialMetrics(progress.rows)


def run_hyper_opt(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    search_space_config: Mapping[str, Any],
    extra_config: Mapping[str, Any],
    pl_callbacks: Sequence[pl.Callback] = (),
    experiment_id: str = "default",
    resume: bool | str = False,
    address: str | None = None,
    pl_loggers: Sequence[LoggerFactory] = (),
    extra_run_name_prefix: str = "",
    record: str | Path | None = None,
) -> dict[str, Any]:
    """Search, then hand back the best trial already re-validated and tested.

    Every check (settings, search space, data function, local resources, the search to
    resume) runs before Ray starts and before a results folder is made.
    resume: True continues the search of this experiment that ran last, a path (its folder) that one.
    address: a Ray cluster to join (RAY_ADDRESS works too); by default Ray starts locally.
    pl_loggers: functions of a trial's folder returning a Lightning logger. W&B runs: see `wandb_runs`.
    extra_run_name_prefix: names a new search's folder `tune-<prefix><date>-<time>`, as in the reference.
    record: a file to write the search's folder in as soon as it exists, for a batch job to resume it.
    """
    settings = search_settings(extra_config, search_space_config)
    check_run_name(extra_run_name_prefix or None, "extra_run_name_prefix")
    check_tracking(settings, pl_loggers, search=True)  # W&B warns here, not from every trial
    check_device(settings, training=False)  # the driver re-validates and tests the best trial, on one device
    # Built now for the final evaluation, and a data function that breaks fails before Ray starts.
    loaders = configure_dataloaders(settings.batch_size_main, n_workers=settings.n_workers)
    settings = check_loaders(loaders, settings, given=extra_config.keys())
    address = cluster_address(address)
    on_cluster = address is not None
    local_cpus = None  # a cluster's own resources are known only once joined
    if on_cluster:
        check_cluster_address(address)
    else:
        local_cpus, local_gpus = setup.local_resources()
        setup.concurrency(settings, local_cpus, local_gpus, on_cluster=False)
    check_storage(settings.storage_path)
    resumed = folders.search_to_resume(settings.results_dir, experiment_id, resume) if resume else None

    # A local Ray sees the CPUs just checked; trials of several workers are Ray Train runs (see init_ray).
    init_ray(address, num_cpus=local_cpus, verbose=settings.verbose, dashboard=settings.workers_per_trial > 1)
    if on_cluster:
        check_joined_cluster(settings)
    settings, run_dir, fields = folders.start(settings, experiment_id, resumed, extra_run_name_prefix)
    if record is not None:
        Path(record).write_text(f"{run_dir.resolve()}\n")
    if settings.max_failures is None:  # on this machine a failure is the code's: retrying it only costs time
        settings = dataclasses.replace(settings, max_failures=3 if on_cluster else 0)
    slots = min(trials_at_once(settings, on_cluster), settings.n_samples)
    reuse = setup.reuses_actors(settings, on_cluster)
    # The line exists for actor reuse (see start_line). A resumed search may have fewer trials left than slots,
    # so only a new one lines up its workers; with one slot no trial waits for a second worker, and the line's
    # own worker would only compete for the CPUs.
    start_line = start_line_for(slots) if reuse and not resume and slots > 1 else None
    # One device per trial process: several per trial come from workers_per_trial, never from DDP spawns.
    trial_settings = dataclasses.replace(settings, gpus=1 if settings.gpu_per_trial > 0 else 0, num_processes=1)
    path = fields[folders.EXPERIMENT_PATH]
    search = search_tracking(settings, path)
    trainable = setup.trainable(
        configure_dataloaders, lmodule_class, trial_settings, pl_callbacks, start_line, pl_loggers, search
    )
    if resume:
        tuner = setup.restored_tuner(trainable, path)
    else:
        tuner = setup.new_tuner(trainable, search_space_config, settings, path, slots, reuse)
    fields.update({STAGES_FIELD: run_stages(settings), SETTINGS_FIELD: settings.in_scope(SCOPE_TUNE)})
    with folders.copied_beside_experiment(settings, run_dir, path), record_run(run_dir, **fields) as manifest:
        with sigterm_stops_search():
            try:
                grid = tuner.fit()
            finally:
                release(start_line)
        save_search_plots(run_dir, grid, search_space_config, settings)
        outcome = _summarize(grid, setup.searched_keys(search_space_config), settings, loaders, lmodule_class, run_dir)
        best = outcome.pop("best")
        log_best(settings, run_dir, search.group, best.config, outcome["metrics_last"], run_dir / PLOT_FILE)
        epochs = best_epoch_fields(outcome[BEST_EPOCH_INDEX])
        manifest.update(best_trial=best.path, **epochs, **{BEST_CONFIG_FIELD: best.config})
        manifest.update(**{METRICS_LAST_FIELD: outcome["metrics_last"].to_dict()})
    return outcome


def _summarize(grid, searched, settings: Settings, loaders, lmodule_class, run_dir: Path) -> dict[str, Any]:
    """trials.csv first, so even a failed or interrupted search leaves its table; then the best trial."""
    metric, mode = settings.metric_to_optimize, settings.metric_opt_mode
    trials = trials_frame(grid, metric, mode, searched)
    trials.to_csv(run_dir / TRIALS_FILE, index=False)
    print(trials_summary(trials))
    _report_failures(trials)
    # Ray may count a trial it stopped on a stop signal as terminated; its last report says it was not done.
    unfinished = (trials[STATUS_COLUMN] == UNFINISHED).any()
    if unfinished or grid.num_terminated + grid.num_errors < max(len(grid), settings.n_samples):
        raise SearchInterruptedError(f"the search stopped early; continue it with --resume {run_dir}")
    best = best_result(grid, metric, mode)
    lmodule_best, best_epoch, metrics = _evaluate(best, settings, loaders, lmodule_class, run_dir)
    csv_path, png_path = save_metrics(run_dir, metrics)
    files = {"plot": png_path, "metrics": csv_path, "trials": run_dir / TRIALS_FILE}
    headline = f"Best trial: {best.path}, its best checkpoint {describe_best_epoch(best_epoch)}"
    print_results(f"{headline}. Results: {run_dir.resolve()}", files)
    return {
        "lmodule_best": lmodule_best,
        **best_epoch_fields(best_epoch),
        "best_config": best.config,
        "best": best,
        "metrics": metrics,
        "metrics_last": metrics.series_last,
        "analysis": grid,
        "trials": trials,
        "results_dir": run_dir,
    }
