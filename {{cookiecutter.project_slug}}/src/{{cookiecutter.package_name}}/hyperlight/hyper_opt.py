"""A search: check everything, let Ray Tune run the trials, then re-validate and test the best."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch

from . import tune_setup
from .errors import SearchInterruptedError
from .evaluation import evaluate_checkpoint, evaluation_trainer
from .metrics import TrialMetrics
from .progress import MetricsProgress
from .ray_session import init_ray
from .results import create_run_dir, environment, print_results, save_metrics, write_manifest
from .single_trial import DEFAULTS
from .start_line import StartLine
from .trainer_setup import quiet_lightning
from .tune_checks import check_search_space, check_tune_extra_config
from .tune_results import best_checkpoint, best_result, trial_curves, trials_frame
from .tune_trial import CHECKPOINT_FILE
from .validation import check_loaders


def _report_failures(trials) -> None:
    failed = trials[trials["status"] == "ERROR"]
    if not failed.empty:
        print(f"\n{len(failed)} of {len(trials)} trials failed:")
        for row in failed.itertuples():
            print(f"  {row.trial}: {row.error}")


def _evaluate(result, extra, loaders, lmodule_class, run_dir: Path) -> tuple[pl.LightningModule, int, TrialMetrics]:
    """Re-validate and test the best checkpoint in the driver, with batch_size_main loaders."""
    metric, mode = extra["metric_to_optimize"], extra["metric_opt_mode"]
    checkpoint, best_epoch = best_checkpoint(result, metric, mode)
    progress = MetricsProgress(csv_path=run_dir / "metrics.csv")
    progress.rows, progress.eval_epoch = trial_curves(result), best_epoch
    with checkpoint.as_directory() as ckpt_dir:
        ckpt_file = Path(ckpt_dir) / CHECKPOINT_FILE
        # The trial's own config, with the schedule sizes the module was built with.
        config = torch.load(ckpt_file, map_location="cpu", weights_only=False)["hyperlight_config"]
        with quiet_lightning(info=False):
            trainer = evaluation_trainer(extra, progress, run_dir)
            lmodule_best = evaluate_checkpoint(trainer, lmodule_class, config, ckpt_file, loaders, extra)
    return lmodule_best, best_epoch, TrialMetrics(progress.rows)


def run_hyper_opt(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    search_space_config: dict[str, Any],
    extra_config: dict[str, Any],
    pl_callbacks: Sequence[pl.Callback] = (),
    experiment_id: str = "default",
    resume: bool | str = False,
    address: str | None = None,
) -> dict[str, Any]:
    """Search, then hand back the best trial already re-validated and tested.

    resume: True continues the search of this experiment that ran last, a path (its folder) that one.
    address: a Ray cluster to join (RAY_ADDRESS works too); by default Ray starts locally.
    """
    check_search_space(search_space_config)
    check_tune_extra_config(extra_config)
    extra = {**DEFAULTS, **extra_config}
    # Built now for the final evaluation, and a data function that breaks fails before Ray starts.
    loaders = configure_dataloaders(extra["batch_size_main"], n_workers=extra["n_workers"])
    check_loaders(loaders, extra)
    # Driver-side summaries always go to a local folder, even when trials store to s3:// or gs://.
    if resume:
        run_dir, started = tune_setup.search_to_resume(extra["results_dir"], experiment_id, resume)
        # A resumed search keeps the size and the metric it started with: Ray restores them too.
        path, n_samples = started["experiment_path"], started["n_samples"]
        extra.update({key: started["extra_config"][key] for key in ("metric_to_optimize", "metric_opt_mode")})
    else:
        run_dir = create_run_dir(extra["results_dir"], experiment_id, kind="tune-")
        path, n_samples = tune_setup.experiment_path(extra, experiment_id, run_dir.name), extra["n_samples"]

    init_ray(address)
    max_concurrent = tune_setup.concurrency(extra, on_cluster=bool(address or os.environ.get("RAY_ADDRESS")))
    # A resumed search may have fewer trials left than slots, so only a new one lines up its workers.
    start_line = None if resume else StartLine.remote(min(max_concurrent, n_samples))
    trainable = tune_setup.trainable(configure_dataloaders, lmodule_class, extra, pl_callbacks, start_line)
    if resume:
        tuner = tune_setup.restored_tuner(trainable, path)
    else:
        tuner = tune_setup.new_tuner(trainable, search_space_config, extra, path, max_concurrent)
    manifest = {"status": "running", "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "n_samples": n_samples}
    manifest.update(experiment_path=path, extra_config=extra, **environment())
    write_manifest(run_dir, manifest)
    try:
        grid = tuner.fit()
        searched = tune_setup.searched_keys(search_space_config)
        result = _summarize(grid, searched, n_samples, extra, loaders, lmodule_class, run_dir)
    except BaseException as error:
        interrupted = isinstance(error, KeyboardInterrupt | SearchInterruptedError)
        write_manifest(
            run_dir, {**manifest, "status": "interrupted" if interrupted else "failed", "error": repr(error)}
        )
        raise
    best = result.pop("best")
    manifest.update(status="finished", finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"), best_trial=best.path)
    manifest.update(best_epoch=result["best_epoch"], best_config=best.config)
    write_manifest(run_dir, {**manifest, "metrics_last": result["metrics_last"].to_dict()})
    return result


def _summarize(grid, searched, n_samples, extra, loaders, lmodule_class, run_dir: Path) -> dict[str, Any]:
    """trials.csv first, so even a failed or interrupted search leaves its table; then the best trial."""
    metric, mode = extra["metric_to_optimize"], extra["metric_opt_mode"]
    trials = trials_frame(grid, metric, mode, searched)
    trials.to_csv(run_dir / "trials.csv", index=False)
    _report_failures(trials)
    if grid.num_terminated + grid.num_errors < max(len(grid), n_samples):
        raise SearchInterruptedError(f"the search stopped early; continue it with --resume {run_dir}")
    best = best_result(grid, metric, mode)
    lmodule_best, best_epoch, metrics = _evaluate(best, extra, loaders, lmodule_class, run_dir)
    csv_path, png_path = save_metrics(run_dir, metrics)
    files = {"plot": png_path, "metrics": csv_path, "trials": run_dir / "trials.csv"}
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
