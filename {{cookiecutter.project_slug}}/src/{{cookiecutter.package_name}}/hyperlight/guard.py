"""Checks that need Lightning to have logged something: run as early as that is possible."""

from __future__ import annotations

from lightning.pytorch import Callback, LightningModule, Trainer

from .validation import check_logged_names


class MetricNamesGuard(Callback):
    """Fails right after the sanity validation pass, before the first training epoch.

    Training metrics exist only once the first training epoch is over (the module's own
    on_train_epoch_end included), so their names are checked as the second epoch starts;
    a bad name there costs one epoch, not a whole run.
    """

    def __init__(self, metric_to_optimize: str) -> None:
        self.metric_to_optimize = metric_to_optimize
        self._train_checked = False

    def on_sanity_check_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
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
