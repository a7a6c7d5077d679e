"""One trial: fit, reload the best checkpoint, re-validate it, test it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from . import tracking
from .evaluation import evaluate_checkpoint
from .metrics import TrialMetrics
from .progress import MetricsProgress
from .results import create_run_dir, environment, print_results, save_metrics, write_manifest
from .trainer_setup import (
    best_checkpoint,
    build_trainer,
    quiet_lightning,
    with_schedule,
)
from .validation import check_config, check_extra_config, check_loaders

DEFAULTS: dict[str, Any] = {
    "seed": None,
    "n_workers": 0,
    "results_dir": "results",
    "wandb_project": None,
    "fast_dev_run": False,
}


def _device(trainer: pl.Trainer) -> str:
    device = trainer.strategy.root_device
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def _best_epoch(metrics: TrialMetrics, metric: str, mode: str) -> int:
    """The first epoch with the best value: ModelCheckpoint only replaces on strict improvement."""
    values = metrics.df.xs("Val", level="stage")[metric[len("val_") : -len("_epoch")]]
    return int(values.idxmax() if mode == "max" else values.idxmin())


def _evaluate_best(
    trainer: pl.Trainer,
    checkpoint: ModelCheckpoint,
    progress: MetricsProgress,
    lmodule_class: type[pl.LightningModule],
    config: dict[str, Any],
    extra: dict[str, Any],
    loaders: dict[str, Any],
) -> pl.LightningModule:
    if not checkpoint.best_model_path:
        raise RuntimeError(f"no checkpoint was saved: '{extra['metric_to_optimize']}' was never finite")
    metric, mode = extra["metric_to_optimize"], extra["metric_opt_mode"]
    progress.eval_epoch = _best_epoch(TrialMetrics(progress.rows), metric, mode)
    return evaluate_checkpoint(trainer, lmodule_class, config, checkpoint.best_model_path, loaders, extra)


def run_single_trial(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    config: dict[str, Any],
    extra_config: dict[str, Any],
    pl_callbacks: Sequence[pl.Callback] = (),
    experiment_id: str = "default",
) -> dict[str, Any]:
    """Validate everything cheap first, then train; on failure the manifest says why."""
    check_config(config)
    check_extra_config(extra_config)
    extra = {**DEFAULTS, **extra_config}
    if extra["seed"] is not None:
        pl.seed_everything(extra["seed"], workers=True)
    loaders = configure_dataloaders(config["batch_size"], n_workers=extra["n_workers"])
    check_loaders(loaders, extra)
    train_loader, val_loader = loaders[extra["train_loader_name"]], loaders[extra["val_loader_name"]]
    config = with_schedule(config, extra, len(train_loader))

    run_dir = create_run_dir(extra["results_dir"], experiment_id)
    manifest = {"status": "running", "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seed": extra["seed"]}
    manifest.update(config=config, extra_config=extra, **environment())
    write_manifest(run_dir, manifest)
    progress = MetricsProgress(csv_path=run_dir / "metrics.csv")
    loggers = []
    try:
        loggers = tracking.build_loggers(extra, run_dir, config)
        checkpoint = best_checkpoint(run_dir, extra)
        trainer = build_trainer(config, extra, run_dir, pl_callbacks, loggers, [checkpoint, progress])
        manifest["device"] = _device(trainer)
        with quiet_lightning():
            trainer.fit(lmodule_class(config), train_loader, val_loader)
            lmodule_best = _evaluate_best(trainer, checkpoint, progress, lmodule_class, config, extra, loaders)
    except BaseException as error:
        # Lightning turns Ctrl-C into SystemExit; keep what the finished epochs produced either way.
        interrupted = isinstance(error, KeyboardInterrupt | SystemExit)
        manifest.update(status="interrupted" if interrupted else "failed", error=repr(error))
        write_manifest(run_dir, manifest)
        if progress.rows:
            save_metrics(run_dir, TrialMetrics(progress.rows))
        raise
    finally:
        tracking.finish(loggers)

    metrics = TrialMetrics(progress.rows)
    csv_path, png_path = save_metrics(run_dir, metrics)
    manifest.update(
        status="finished",
        best_epoch=progress.eval_epoch,
        best_checkpoint=checkpoint.best_model_path,
        metrics_last=metrics.series_last.to_dict(),
    )
    write_manifest(run_dir, manifest)
    files = {"plot": png_path, "metrics": csv_path, "manifest": run_dir / "manifest.json"}
    print_results(f"Best epoch: {progress.eval_epoch}. Results: {run_dir.resolve()}", files)
    return {
        "lmodule_best": lmodule_best,
        "best_epoch": progress.eval_epoch,
        "trainer": trainer,
        "metrics": metrics,
        "metrics_last": metrics.series_last,
        "results_dir": run_dir,
    }
