"""Re-validate and test a checkpoint on a fresh module instance.

A fresh instance proves the checkpoint alone reproduces the metric: nothing left over
from training (optimizer state, frozen layers, callbacks) can leak into the numbers.
Single trials and searches both end here: the result of a run is its best checkpoint,
re-validated (the Reval rows) and tested, not its last epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.loggers import Logger

from .console import quiet_lightning
from .devices import device_kwargs
from .progress import MetricsProgress
from .settings import Settings

STATE_DICT = "state_dict"  # the weights' key in a Lightning checkpoint


def evaluation_trainer(
    settings: Settings, progress: MetricsProgress, root_dir: Path, loggers: Sequence[Logger] = ()
) -> pl.Trainer:
    """A Trainer that only evaluates, on one device: for searches, whose training Trainers lived in Ray
    workers, and for DDP trials, whose training Trainer ran in several processes."""
    return pl.Trainer(
        **device_kwargs(settings, training=False),
        precision=settings.ptl_precision,
        callbacks=[progress],
        logger=list(loggers) or False,
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
    """Reload the checkpoint into a new `lmodule_class(config)`, re-validate it, then test it.

    Each evaluation runs only when the run has its loader; without either, the weights are still reloaded.
    """
    lmodule_best = lmodule_class(config)
    evaluations = ((trainer.validate, settings.val_loader_name), (trainer.test, settings.test_loader_name))
    restore: str | None = str(ckpt_path)  # the first evaluation reloads the checkpoint, the next reuses it
    # Quiet: Lightning would announce the restore, and that the module's configure_callbacks replace
    # the ones the fit attached, which is expected here.
    with quiet_lightning(info=False):
        for evaluate, loader_name in evaluations:
            if loader_name is not None:
                # weights_only=False: the checkpoint is the run's own; its hparams may hold numpy or Path values.
                evaluate(lmodule_best, loaders[loader_name], ckpt_path=restore, verbose=False, weights_only=False)
                restore = None
    if restore is not None:
        state = torch.load(restore, map_location="cpu", weights_only=False)[STATE_DICT]
        lmodule_best.load_state_dict(state)
    return lmodule_best
