"""Translate the reference's extra_config keys into a Lightning Trainer."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from lightning.pytorch import Callback, Trainer
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import Logger

from .guard import MetricNamesGuard
from .progress import MetricsProgress

# --fast-dev-run: batches per stage in its single epoch.
FAST_DEV_BATCHES = 2


def device_kwargs(gpus: int) -> dict[str, Any]:
    """gpus: -1 takes one GPU if there is one (else the CPU), 0 forces the CPU, 1 requires a GPU.

    One device per trial: the runner's results, metrics table and checkpoint reload are
    single-process; searches spread trials over GPUs instead (validation rejects gpus > 1).
    """
    if gpus == -1:
        return {"accelerator": "auto", "devices": 1}
    if gpus == 0:
        return {"accelerator": "cpu", "devices": 1}
    return {"accelerator": "gpu", "devices": gpus}


def build_trainer(
    config: dict[str, Any],
    extra_config: dict[str, Any],
    run_dir: Path,
    pl_callbacks: list[Callback],
    loggers: list[Logger],
    progress: MetricsProgress,
) -> tuple[Trainer, ModelCheckpoint]:
    """One Trainer per run, with fresh copies of the user's callbacks so runs never share state."""
    metric, mode = extra_config["metric_to_optimize"], extra_config["metric_opt_mode"]
    # Save and decide at validation end, on exactly the weights that produced the metric; at train
    # epoch end (Lightning's default here) callbacks and the module may already have changed them.
    checkpoint = ModelCheckpoint(
        dirpath=run_dir / "checkpoints",
        filename="best-{epoch:03d}",
        monitor=metric,
        mode=mode,
        save_top_k=1,
        save_on_train_epoch_end=False,
    )
    callbacks = [
        MetricNamesGuard(metric),
        *copy.deepcopy(list(pl_callbacks)),
        EarlyStopping(
            monitor=metric,
            mode=mode,
            patience=extra_config["ptl_early_stopping_patience"],
            check_on_train_epoch_end=False,
        ),
        checkpoint,
        progress,
    ]
    fast = bool(extra_config["fast_dev_run"])
    limits = {f"limit_{stage}_batches": FAST_DEV_BATCHES for stage in ("train", "val", "test")} if fast else {}
    clip = config.get("gradient_clip_val") or None
    trainer = Trainer(
        **device_kwargs(extra_config["gpus"]),
        **limits,
        precision=extra_config["ptl_precision"],
        max_epochs=1 if fast else config["max_epochs"],
        # The grace period: early stopping may fire, but the run goes on until min_epochs.
        min_epochs=None if fast else extra_config["ptl_early_stopping_grace_period"] or None,
        gradient_clip_val=clip,
        deterministic=extra_config["seed"] is not None,
        callbacks=callbacks,
        logger=loggers or False,
        log_every_n_steps=max(1, min(50, config["n_steps_per_epoch"])),
        enable_progress_bar=False,
        default_root_dir=run_dir,
    )
    return trainer, checkpoint
