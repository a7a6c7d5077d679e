"""Checks that need Lightning to have logged something: run as early as that is possible."""

from __future__ import annotations

from lightning.pytorch import Callback, LightningModule, Trainer

from .validation import check_logged_names


class MetricNamesGuard(Callback):
    """Fails right after the sanity validation pass, before the first training epoch.

    Training metrics exist only after the first training epoch, so their names are
    checked then; a bad name there costs one epoch, not a whole run.
    """

    def __init__(self, metric_to_optimize: str) -> None:
        self.metric_to_optimize = metric_to_optimize
        self._train_checked = False

    def on_sanity_check_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        check_logged_names(trainer.callback_metrics, self.metric_to_optimize)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if not self._train_checked:
            check_logged_names(trainer.callback_metrics)
            self._train_checked = True
