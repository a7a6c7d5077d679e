"""Re-validate and test a checkpoint on a fresh module instance.

A fresh instance proves the checkpoint alone reproduces the metric: nothing left over
from training (optimizer state, frozen layers, callbacks) can leak into the numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning.pytorch as pl

from .progress import MetricsProgress
from .trainer_setup import device_kwargs


def evaluation_trainer(extra_config: dict[str, Any], progress: MetricsProgress, root_dir: Path) -> pl.Trainer:
    """A Trainer that only evaluates: for searches, whose training Trainers lived in Ray workers."""
    return pl.Trainer(
        **device_kwargs(extra_config["gpus"]),
        precision=extra_config["ptl_precision"],
        callbacks=[progress],
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        default_root_dir=root_dir,
    )


def evaluate_checkpoint(
    trainer: pl.Trainer,
    lmodule_class: type[pl.LightningModule],
    config: dict[str, Any],
    ckpt_path: str | Path,
    loaders: dict[str, Any],
    extra_config: dict[str, Any],
) -> pl.LightningModule:
    """Stages 5-7 of a run: the result is the best checkpoint, not the last epoch."""
    lmodule_best = lmodule_class(config)
    # weights_only=False: the checkpoint is the run's own, and its hparams may hold numpy or Path values.
    trainer.validate(
        lmodule_best,
        loaders[extra_config["val_loader_name"]],
        ckpt_path=str(ckpt_path),
        verbose=False,
        weights_only=False,
    )
    trainer.test(lmodule_best, loaders[extra_config["test_loader_name"]], verbose=False)
    return lmodule_best
