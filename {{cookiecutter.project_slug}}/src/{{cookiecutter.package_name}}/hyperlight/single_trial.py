"""One trial: fit, reload the best checkpoint, re-validate it, test it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import Logger

from . import tracking
from .best_epoch import best_epoch_fields, describe_best_epoch
from .checks import BATCH_SIZE, check_config, check_loaders, fit_loaders, run_stages
from .console import quiet_lightning
from .devices import check_device, n_processes
from .evaluation import evaluate_checkpoint, evaluation_trainer
from .manifest import (
    BEST_CHECKPOINT_FIELD,
    CONFIG_FIELD,
    MANIFEST_FILE,
    METRICS_LAST_FIELD,
    RUN_NAME,
    SEED_FIELD,
    SETTINGS_FIELD,
    STAGES_FIELD,
    record_run,
)
from .metric_names import TRAIN, monitored_stage, table_column
from .metrics import TrialMetrics
from .progress import MetricsProgress
from .ranking import pick_best
from .results import METRICS_FILE, check_run_name, create_run_dir, print_results, save_metrics
from .settings import SCOPE_TRAIN, resolve_settings
from .trainer_setup import best_checkpoint_callback, build_trainer, with_schedule
from .user_loggers import LoggerFactory, run_loggers


def _device(trainer: pl.Trainer) -> str:
    device = trainer.strategy.root_device
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)


def _best_epoch(metrics: TrialMetrics, checkpoint: ModelCheckpoint) -> int:
    """The epoch ModelCheckpoint kept: the first with the best value of its monitored metric, or the last."""
    if not checkpoint.best_model_path:
        raise RuntimeError(f"no checkpoint was saved: '{checkpoint.monitor}' was never finite")
    if checkpoint.monitor is None:
        return int(metrics.stage(TRAIN).index.max())
    values = metrics.stage(monitored_stage(checkpoint.monitor))[table_column(checkpoint.monitor)]
    best = pick_best(values.index, lambda epoch: values[epoch], checkpoint.mode)
    if best is None:  # ModelCheckpoint also saves on a NaN metric
        raise RuntimeError(f"'{checkpoint.monitor}' was never finite")
    return int(best)


def run_single_trial(
    configure_dataloaders: Callable[..., dict],
    lmodule_class: type[pl.LightningModule],
    config: dict[str, Any],
    extra_config: Mapping[str, Any],
    pl_callbacks: Sequence[pl.Callback] = (),
    experiment_id: str = "default",
    pl_loggers: Sequence[Logger | LoggerFactory] = (),
    run_name: str | None = None,
    extra_run_name_prefix: str = "",
) -> dict[str, Any]:
    """Validate everything cheap first, then train; on failure the manifest says why.

    run_name: names the run in its folder (`<run_name>-<date>-<time>`), manifest and tracker;
    by default the run is named like its folder, `<LightningModule class>-<date>-<time>`.
    extra_run_name_prefix: goes before either name, as in the reference (`full-train-`).
    pl_loggers: Lightning loggers (each run gets a deep copy) or functions of the run's folder returning one.
    """
    check_config(config)
    settings = resolve_settings(extra_config)
    check_device(settings)
    check_run_name(run_name)
    check_run_name(extra_run_name_prefix or None, "extra_run_name_prefix")
    tracking.check_tracking(settings, pl_loggers)
    if settings.seed is not None:
        pl.seed_everything(settings.seed, workers=True)
    loaders = configure_dataloaders(config[BATCH_SIZE], n_workers=settings.n_workers)
    settings = check_loaders(loaders, settings, given=extra_config.keys())
    train_loader, val_loader = fit_loaders(loaders, settings)
    config = with_schedule(config, settings, len(train_loader))

    name = f"{extra_run_name_prefix}{run_name or lmodule_class.__name__}"
    run_dir = create_run_dir(settings.results_dir, experiment_id, prefix=f"{name}-")
    run_name = name if run_name else run_dir.name
    progress = MetricsProgress(csv_path=run_dir / METRICS_FILE)
    fields = {RUN_NAME: run_name, SEED_FIELD: settings.seed, CONFIG_FIELD: config, STAGES_FIELD: run_stages(settings)}
    with record_run(run_dir, **fields, **{SETTINGS_FIELD: settings.in_scope(SCOPE_TRAIN)}) as manifest:
        with tracking.wandb_run(settings, run_dir, experiment_id, config, SCOPE_TRAIN, name=run_name) as tracked:
            try:
                loggers = tracked.loggers + run_loggers(pl_loggers, run_dir)
                checkpoint = best_checkpoint_callback(run_dir, settings)
                trainer = build_trainer(config, settings, run_dir, pl_callbacks, loggers, [checkpoint, progress])
                processes = n_processes(settings)
                manifest.update(device=_device(trainer), processes=processes)
                with quiet_lightning():
                    trainer.fit(lmodule_class(config), train_loader, val_loader)
                    progress.reload()  # with DDP, rank zero's process recorded the epochs
                    progress.eval_epoch = _best_epoch(TrialMetrics(progress.rows), checkpoint)
                    # DDP's Trainer would spawn its processes again: evaluate here, on one device, once.
                    evaluator = trainer if processes == 1 else evaluation_trainer(settings, progress, run_dir, loggers)
                    lmodule_best = evaluate_checkpoint(
                        evaluator, lmodule_class, config, checkpoint.best_model_path, loaders, settings
                    )
                progress.show_summary()
            except BaseException:
                if progress.rows:  # keep what the finished epochs produced
                    save_metrics(run_dir, TrialMetrics(progress.rows))
                raise
            metrics = TrialMetrics(progress.rows)
            csv_path, png_path = save_metrics(run_dir, metrics)
            tracked.log_image(png_path)
        best = best_epoch_fields(progress.eval_epoch)
        last = {METRICS_LAST_FIELD: metrics.series_last.to_dict()}
        manifest.update(**best, **{BEST_CHECKPOINT_FIELD: checkpoint.best_model_path}, **last)
    files = {"plot": png_path, "metrics": csv_path, "manifest": run_dir / MANIFEST_FILE}
    print_results(f"Best checkpoint {describe_best_epoch(progress.eval_epoch)}. Results: {run_dir.resolve()}", files)
    return {
        RUN_NAME: run_name,
        "lmodule_best": lmodule_best,
        **best,
        "trainer": trainer,
        "metrics": metrics,
        "metrics_last": metrics.series_last,
        "results_dir": run_dir,
    }
