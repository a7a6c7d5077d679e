"""How a trial's epochs reach Ray: each with a checkpoint of the weights that produced its metrics."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from ray import tune

from ..metric_names import report_name
from ..metrics import EPOCH, STAGE, row_values
from ..progress import MetricsProgress
from ..tracking import TrackedRun

CHECKPOINT_FILE = "checkpoint.ckpt"
FINISHED_MARK = "trial_finished"  # in the last checkpoint of a trial that ran to its end
CONFIG_KEY = "hyperlight_config"  # the trial's config, inside its Lightning checkpoints


def trial_config(ckpt_file: Path) -> dict[str, Any]:
    """The config a trial built its module from (schedule sizes included), read back from its checkpoint."""
    # weights_only=False: the trial's own checkpoint; its config may hold numpy or Path values.
    return torch.load(ckpt_file, map_location="cpu", weights_only=False)[CONFIG_KEY]


class TuneReporter(MetricsProgress):
    """Reports each finished epoch to Ray with a checkpoint of the weights that were validated.

    The checkpoint is written at validation end (like ModelCheckpoint in a single trial), or
    at train epoch end in a trial without validation, but reported once the epoch is over,
    when its train metrics exist too; the driver rebuilds the curves from these reports.
    """

    def __init__(
        self,
        config: dict[str, Any],
        tracked: TrackedRun,
        validates: bool,
        report: Callable[[dict[str, float], Path | None], None],
    ) -> None:
        super().__init__(csv_path=None, print_tables=False)  # Ray's progress table speaks for all trials
        self.config = config
        self.tracked = tracked
        self.validates = validates
        self.report = report  # report_to_tune in a trial; to Ray Train in each worker of one
        self._epoch_checkpoint: str | None = None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_validation_end(trainer, pl_module)
        if not trainer.sanity_checking:
            self._save(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        if not self.validates:
            self._save(trainer)

    def _save(self, trainer: pl.Trainer) -> None:
        self._discard()
        self._epoch_checkpoint = tempfile.mkdtemp(prefix="hyperlight-ckpt-")
        trainer.save_checkpoint(Path(self._epoch_checkpoint) / CHECKPOINT_FILE)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._discard()  # the trial failed or Ray stopped it: nothing more to report

    def on_epoch_recorded(self, trainer: pl.Trainer, epoch: int, final: bool) -> None:
        if self._epoch_checkpoint is None:
            return
        if final:
            (Path(self._epoch_checkpoint) / FINISHED_MARK).touch()
            self.tracked.finish(failed=False)  # now: Ray may end this process right after the last report
        report: dict[str, float] = {EPOCH: epoch}  # reports carry the epoch under the same key as rows
        for row in self.epoch_rows(epoch):
            report.update({report_name(row[STAGE], name): value for name, value in row_values(row).items()})
        saved = Path(self._epoch_checkpoint)
        try:
            # Under DDP only rank zero writes the file: the other ranks report the epoch without one.
            self.report(report, saved if (saved / CHECKPOINT_FILE).exists() else None)
        finally:
            self._discard()

    def _discard(self) -> None:
        if self._epoch_checkpoint is not None:
            shutil.rmtree(self._epoch_checkpoint, ignore_errors=True)
            self._epoch_checkpoint = None

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict) -> None:
        checkpoint[CONFIG_KEY] = self.config


def report_to_tune(metrics: dict[str, float], checkpoint_dir: Path | None) -> None:
    """An epoch of a one-process trial, with the checkpoint Ray keeps (copies) for it."""
    tune.report(metrics, checkpoint=None if checkpoint_dir is None else tune.Checkpoint.from_directory(checkpoint_dir))
