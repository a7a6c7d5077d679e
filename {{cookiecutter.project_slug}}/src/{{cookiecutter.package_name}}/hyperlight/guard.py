"""Checks that need a running Trainer: they fail as early as the problem can be seen."""

from __future__ import annotations

import torch
from lightning.pytorch import Callback, LightningModule, Trainer

from .checks import check_logged_names
from .metric_names import after_training_epoch


class MetricNamesGuard(Callback):
    """Fails right after the sanity validation pass, before the first training epoch.

    Training metrics exist only once the first training epoch is over (the module's own
    on_train_epoch_end included), so their names are checked as the second epoch starts;
    a bad name there costs one epoch, not a whole run. A `train_*` metric_to_optimize is
    checked at the first train epoch end, before early stopping and checkpointing read it.
    """

    def __init__(self, metric_to_optimize: str | None) -> None:
        self.metric_to_optimize = metric_to_optimize
        self.watches_training = after_training_epoch(metric_to_optimize)
        self._train_checked = False

    def on_sanity_check_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        check_logged_names(trainer.callback_metrics, None if self.watches_training else self.metric_to_optimize)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.watches_training and trainer.current_epoch == 0:
            check_logged_names(trainer.callback_metrics, self.metric_to_optimize)

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.current_epoch == 1:
            self._check_train_names(trainer)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._check_train_names(trainer)  # runs of a single epoch

    def _check_train_names(self, trainer: Trainer) -> None:
        if not self._train_checked:
            self._train_checked = True
            check_logged_names(trainer.callback_metrics)


class FiniteLossGuard(Callback):
    """Stops a run whose training loss turns NaN or inf, naming the epoch and step.

    Lightning would train on, and every later metric would be NaN; in a search the
    error marks just this trial as failed while the others go on.
    """

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs, batch, batch_idx) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if isinstance(loss, torch.Tensor) and not torch.isfinite(loss).all():
            value = loss.detach().float().sum().item()
            raise FloatingPointError(
                f"training loss is {value} at epoch {trainer.current_epoch}, batch {batch_idx}; "
                "lower the learning rate or enable gradient clipping"
            )
