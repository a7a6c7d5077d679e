"""Per-epoch metrics: collected from Lightning, printed as a table, flushed to CSV."""

from __future__ import annotations

from pathlib import Path

from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.trainer.states import TrainerFn
from tabulate import tabulate

from .metric_names import REVAL, STAGES, TEST, TRAIN, VAL
from .metrics import EPOCH, STAGE, TrialMetrics, metric_row, row_values


class MetricsProgress(Callback):
    """Reads epoch metrics where Lightning has them ready, so nothing is recomputed.

    The table is plain text (no carriage returns), so it reads the same in a terminal
    and in a log file; the CSV is rewritten after every epoch so a crash loses nothing.
    Subclasses act on each finished epoch through `on_epoch_recorded`.
    """

    def __init__(self, csv_path: Path | None = None, print_tables: bool = True) -> None:
        self.rows: list[dict] = []
        self.csv_path = csv_path
        self.print_tables = print_tables
        # Epoch the re-validation and test rows are filed under: the best checkpoint's.
        self.eval_epoch = 0
        self._pending_epoch: int | None = None

    def on_epoch_recorded(self, trainer: Trainer, epoch: int, final: bool) -> None:
        """Called once an epoch's Train and Val rows are in `rows`; `final` on the run's last epoch."""

    def epoch_rows(self, epoch: int) -> list[dict]:
        """The Train and Val rows of one epoch, in stage order."""
        rows = [row for row in self.rows if row[EPOCH] == epoch and row[STAGE] in (TRAIN, VAL)]
        return sorted(rows, key=lambda row: STAGES.index(row[STAGE]))

    def _record(self, trainer: Trainer, stage: str, epoch: int) -> dict:
        row = metric_row(stage, epoch, trainer.callback_metrics)
        self.rows.append(row)
        return row

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.sanity_checking:
            return
        if trainer.state.fn == TrainerFn.VALIDATING:
            self._print(self._record(trainer, REVAL, self.eval_epoch))
        else:
            self._record(trainer, VAL, trainer.current_epoch)

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        # The module's own on_train_epoch_end runs after the callbacks' and may still log,
        # so the epoch's train metrics are read once it is over (see _finish_epoch).
        self._pending_epoch = trainer.current_epoch

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._finish_epoch(trainer, final=False)

    def on_train_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._finish_epoch(trainer, final=True)

    def on_exception(self, trainer: Trainer, pl_module: LightningModule, exception: BaseException) -> None:
        self._finish_epoch(trainer, final=True)

    def _finish_epoch(self, trainer: Trainer, final: bool) -> None:
        if self._pending_epoch is None:
            return
        epoch, self._pending_epoch = self._pending_epoch, None
        self._record(trainer, TRAIN, epoch)
        self._print(*self.epoch_rows(epoch))
        self._flush()
        self.on_epoch_recorded(trainer, epoch, final)

    def on_test_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._print(self._record(trainer, TEST, self.eval_epoch))
        self._flush()

    def _print(self, *rows: dict) -> None:
        if not self.print_tables:
            return
        names = sorted({name for row in rows for name in row_values(row)})
        table = [[row[EPOCH], row[STAGE], *(row.get(name) for name in names)] for row in rows]
        print("\n" + tabulate(table, headers=[EPOCH, STAGE, *names], floatfmt=".4f"), flush=True)

    def _flush(self) -> None:
        if self.csv_path is not None:
            TrialMetrics(self.rows).df.to_csv(self.csv_path)
