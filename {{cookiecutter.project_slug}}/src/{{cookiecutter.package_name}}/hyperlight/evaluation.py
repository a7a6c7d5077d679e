"""Re-validate and test a checkpoint on a fresh module instance.

A fresh instance proves the checkpoint alone reproduces the metric: nothing left over
from training (optimizer state, frozen layers, callbacks) can leak into the numbers.
Single trials and searches both end here: the result of a run is its best checkpoint,
re-validated (the Reval rows) and tested, not its last epoch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning.pytorch as pl

from .console import quiet_lightning
from .progress import MetricsProgress
from .settings import Settings
from .trainer_setup import device_kwargs


def evaluation_trainer(settings: Settings, progress: MetricsProgress, root_dir: Path) -> pl.Trainer:
    """A Trainer that only evaluates: for searches, whose training Trainers lived in Ray workers."""
    return pl.Trainer(
        **device_kwargs(settings.gpus),
        precision=settings.ptl_precision,
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
    settings: Settings,
) -> pl.LightningModule:
    """Reload the checkpoint into a new `lmodule_class(config)`, re-validate it, then test it."""
    lmodule_best = lmodule_class(config)
    # Quiet: Lightning would announce the restore, and that the module's configure_callbacks replace
    # the ones the fit attached, which is expected here.
    with quiet_lightning(info=False):
        # weights_only=False: the checkpoint is the run's own, and its hparams may hold numpy or Path values.
        trainer.validate(
            lmodule_best, loaders[settings.val_loader_name], ckpt_path=str(ckpt_path), verbose=False, weights_only=False
        )
        trainer.test(lmodule_best, loaders[settings.test_loader_name], verbose=False)
    return lmodule_best
