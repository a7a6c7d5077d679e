"""Translate the settings (EXTRA_CONFIG) into a Lightning Trainer and its callbacks."""

from __future__ import annotations

import copy
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import Logger

from .checks import MAX_EPOCHS
from .console import DelayedProgressBar, quiet_lightning
from .devices import device_kwargs
from .guard import FiniteLossGuard, MetricNamesGuard
from .metric_names import after_training_epoch
from .settings import Settings

# --fast-dev-run: batches per stage in its single epoch.
FAST_DEV_BATCHES = 2
# Added to the config before the module is built: LR schedules need them before training starts.
STEPS_PER_EPOCH, TRAIN_STEPS = "n_steps_per_epoch", "n_train_steps"


def best_checkpoint_callback(run_dir: Path, settings: Settings) -> ModelCheckpoint:
    """Save and decide at validation end, on exactly the weights that produced the metric; at train
    epoch end (Lightning's default here) callbacks and the module may already have changed them.
    A train metric is decided at train epoch end, where it is computed. With no metric the latest
    epoch replaces the one before it (Lightning's rule for `monitor=None`): the last is kept."""
    return ModelCheckpoint(
        dirpath=run_dir / "checkpoints",
        filename="best-{epoch:03d}" if settings.metric_to_optimize else "last-{epoch:03d}",
        monitor=settings.metric_to_optimize,
        mode=settings.metric_opt_mode,
        save_top_k=1,
        save_on_train_epoch_end=after_training_epoch(settings.metric_to_optimize),
    )


class GraceEarlyStopping(EarlyStopping):
    """The reference's grace period: no early-stopping check in the first `grace_epochs` epochs.

    Patience counts from the first check on, so a run whose metric stops improving at once ends
    after epoch `grace_epochs + patience`. Lightning's own `min_epochs` would let patience run out
    during the grace epochs and stop the run the moment they are over.
    """

    def __init__(self, grace_epochs: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.grace_epochs = grace_epochs

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.current_epoch >= self.grace_epochs:
            super().on_validation_end(trainer, pl_module)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.current_epoch >= self.grace_epochs:
            super().on_train_epoch_end(trainer, pl_module)


def build_trainer(
    config: dict[str, Any],
    settings: Settings,
    run_dir: Path,
    pl_callbacks: list[Callback],
    loggers: list[Logger],
    own_callbacks: list[Callback],
    **trainer_kwargs: Any,
) -> Trainer:
    """One Trainer per run, with fresh copies of the user's callbacks so runs never share state.

    `own_callbacks` run after the Runner's `pl_callbacks`, so the runner's metric collection sees
    what they did in the same hook; Lightning appends a module's configure_callbacks() after these
    and always runs ModelCheckpoint last. `trainer_kwargs` go to the Trainer as they are (devices and strategy too).
    """
    metric, mode = settings.metric_to_optimize, settings.metric_opt_mode
    stopping = GraceEarlyStopping(
        settings.ptl_early_stopping_grace_period,
        monitor=metric,
        mode=mode,
        patience=settings.ptl_early_stopping_patience,
        check_on_train_epoch_end=after_training_epoch(metric),
    )
    callbacks = [
        MetricNamesGuard(metric),
        FiniteLossGuard(),
        *copy.deepcopy(list(pl_callbacks)),
        *([stopping] if metric else []),  # without a metric a run trains every epoch it is given
        *own_callbacks,
        *([DelayedProgressBar()] if sys.stdout.isatty() else []),
    ]
    fast = settings.fast_dev_run
    limits = {f"limit_{stage}_batches": FAST_DEV_BATCHES for stage in ("train", "val", "test")} if fast else {}
    clip = config.get("gradient_clip_val") or None
    # The Trainer advertises a logger service as it is built; `verbose` lets it.
    with nullcontext() if settings.verbose else quiet_lightning():
        return Trainer(
            **{**device_kwargs(settings), **limits, **trainer_kwargs},
            precision=settings.ptl_precision,
            max_epochs=_epochs(config, settings),
            gradient_clip_val=clip,
            deterministic=settings.seed is not None,
            callbacks=callbacks,
            logger=loggers or False,
            log_every_n_steps=max(1, min(50, config[STEPS_PER_EPOCH])),
            # A bar only in a terminal, and only once an epoch has run a few seconds (tables come first).
            enable_progress_bar=sys.stdout.isatty(),
            enable_model_summary=settings.verbose,
            default_root_dir=run_dir,
        )


def with_schedule(config: dict[str, Any], settings: Settings, n_batches: int) -> dict[str, Any]:
    """The config a module is built with: the user's, plus the two schedule sizes."""
    fast = settings.fast_dev_run
    n_steps = min(n_batches, FAST_DEV_BATCHES) if fast else n_batches
    return {**config, STEPS_PER_EPOCH: n_steps, TRAIN_STEPS: n_steps * _epochs(config, settings)}


def _epochs(config: dict[str, Any], settings: Settings) -> int:
    """A fast dev run is one epoch, whatever max_epochs says."""
    return 1 if settings.fast_dev_run else config[MAX_EPOCHS]
