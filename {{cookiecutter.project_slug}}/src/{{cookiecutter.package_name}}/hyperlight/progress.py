"""Per-epoch metrics: collected from Lightning, printed as a table, flushed to CSV."""

from __future__ import annotations

from pathlib import Path

from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.trainer.states import TrainerFn
from tabulate import tabulate

from .metrics import STAGES, TrialMetrics, metric_row


class MetricsProgress(Callback):
    """Reads epoch metrics where Lightning has them ready, so nothing is recomputed.

    The table is plain text (no carriage returns), so it reads the same in a terminal
    and in a log file; the CSV is rewritten after every epoch so a crash loses nothing.
    """

    def __init__(self, csv_path: Path | None = None) -> None:
        self.rows: list[dict] = []
        self.csv_path = csv_path
        # Epoch the re-validation and test rows are filed under: the best checkpoint's.
        self.eval_epoch = 0
        self._pending_epoch: int | None = None

    def _record(self, trainer: Trainer, stage: str, epoch: int) -> dict:
        row = metric_row(stage, epoch, trainer.callback_metrics)
        self.rows.append(row)
        return row

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.sanity_checking:
            return
        if trainer.state.fn == TrainerFn.VALIDATING:
            self._print(self._record(trainer, "Reval", self.eval_epoch))
        else:
            self._record(trainer, "Val", trainer.current_epoch)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        # The module's own on_train_epoch_end runs after the callbacks' and may still log,
        # so the epoch's train metrics are read once it is over (see _finish_epoch).
        self._pending_epoch = trainer.current_epoch

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._finish_epoch(trainer)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._finish_epoch(trainer)

    def on_exception(self, trainer: Trainer, pl_module: LightningModule, exception: BaseException) -> None:
        self._finish_epoch(trainer)

    def _finish_epoch(self, trainer: Trainer) -> None:
        if self._pending_epoch is None:
            return
        epoch, self._pending_epoch = self._pending_epoch, None
        self._record(trainer, "Train", epoch)
        this_epoch = [row for row in self.rows if row["epoch"] == epoch and row["stage"] in ("Train", "Val")]
        self._print(*sorted(this_epoch, key=lambda row: STAGES.index(row["stage"])))
        self._flush()

    def on_test_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._print(self._record(trainer, "Test", self.eval_epoch))
        self._flush()

    def _print(self, *rows: dict) -> None:
        names = sorted({key for row in rows for key in row} - {"stage", "epoch"})
        table = [[row["epoch"], row["stage"], *(row.get(name) for name in names)] for row in rows]
        print("\n" + tabulate(table, headers=["epoch", "stage", *names], floatfmt=".4f"), flush=True)

    def _flush(self) -> None:
        if self.csv_path is not None:
            TrialMetrics(self.rows).df.to_csv(self.csv_path)
