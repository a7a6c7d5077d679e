"""Per-epoch metrics: collected from Lightning, shown as a table (in place in a notebook), flushed to CSV."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from lightning.pytorch import Callback, LightningModule, Trainer
from lightning.pytorch.trainer.states import TrainerFn

from .best_epoch import describe_best_epoch
from .display import LiveOutput, figure_image, in_notebook
from .epoch_table import epoch_table, metric_names, table_order
from .metric_names import REVAL, STAGES, TEST, TRAIN, VAL
from .metrics import EPOCH, STAGE, TrialMetrics, frame_rows, metric_row

# In a notebook, redrawing the live plot may take at most this share of the run's time (a redraw costs
# 0.2-0.5 s): slow epochs get a fresh plot each, fast ones every few. The last view is always drawn.
PLOT_TIME_SHARE = 0.25


class MetricsProgress(Callback):
    """Reads epoch metrics where Lightning has them ready, so nothing is recomputed.

    The table is plain text (no carriage returns), so it reads the same in a terminal
    and in a log file. In a notebook one table of every row so far, and the plot beside it,
    are redrawn in place instead, as PyTorch Hyperlight did, so the cell does not scroll.
    The CSV is rewritten after every epoch so a crash loses nothing.
    Subclasses act on each finished epoch through `on_epoch_recorded`.
    """

    def __init__(self, csv_path: Path | None = None, print_tables: bool = True) -> None:
        self.rows: list[dict] = []
        self.csv_path = csv_path
        self.print_tables = print_tables
        # Epoch the re-validation and test rows are filed under: the best checkpoint's, as tables number it.
        self.eval_epoch = 0
        self._pending_epoch: int | None = None
        self._live: tuple[LiveOutput, LiveOutput] | None = None  # the notebook's table and plot, once shown
        self._next_plot = 0.0  # time.monotonic() after which the live plot is redrawn
        self._printed_lines = 0  # of the terminal's epoch table: each epoch prints only its new rows
        self._writes = True  # False in the DDP processes other than rank zero: one table, one CSV

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        self._writes = trainer.is_global_zero

    def reload(self) -> None:
        """After a DDP fit in spawned processes, this copy saw no epoch: read what rank zero wrote."""
        if not self.rows and self.csv_path is not None and self.csv_path.exists():
            self.rows = frame_rows(pd.read_csv(self.csv_path, index_col=[STAGE, EPOCH]))

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
            self._print(self._record(trainer, REVAL, self.eval_epoch), last=False)
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
        self._print(*self.epoch_rows(epoch), last=final)
        self._flush()
        self.on_epoch_recorded(trainer, epoch, final)

    def on_test_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._print(self._record(trainer, TEST, self.eval_epoch), last=True)
        self._flush()

    def show_summary(self) -> None:
        """After the evaluation: the best epoch with its re-validation and test, whichever of them ran.

        A notebook's view is already complete after a test; without one, its plot catches up here.
        """
        if not self.print_tables:
            return
        if in_notebook():
            if not self._has(TEST):
                self._show_in_place(last=True)
            return
        done = [word for stage, word in ((REVAL, "re-validated"), (TEST, "tested")) if self._has(stage)]
        summary = [*self.epoch_rows(self.eval_epoch), *(row for row in self.rows if row[STAGE] in (REVAL, TEST))]
        evaluated = f", {' and '.join(done)}" if done else ""
        headline = f"Best checkpoint {describe_best_epoch(self.eval_epoch)}{evaluated}"
        print(f"\n{headline}:\n" + epoch_table(summary), flush=True)

    def _has(self, stage: str) -> bool:
        return any(row[STAGE] == stage for row in self.rows)

    def _print(self, *rows: dict, last: bool) -> None:
        """In a terminal, one growing table of the epochs (`show_summary` adds the evaluation);
        in a notebook, all rows so far, in place.

        last: no rows follow soon (the training's last epoch, the test), so the plot must catch up.
        """
        if not (self.print_tables and self._writes):
            return
        if in_notebook():
            self._show_in_place(last)
        elif rows and rows[-1][STAGE] not in (REVAL, TEST):  # the evaluation waits for the summary
            lines = epoch_table(
                sorted((r for r in self.rows if r[STAGE] in (TRAIN, VAL)), key=table_order)
            ).splitlines()
            print("\n".join(["", *lines] if not self._printed_lines else lines[self._printed_lines :]), flush=True)
            self._printed_lines = len(lines)

    def _show_in_place(self, last: bool) -> None:
        if self._live is None:
            self._live = (LiveOutput(), LiveOutput())
        table, plot = self._live
        rows = sorted(self.rows, key=table_order)
        table.show(pd.DataFrame(rows, columns=[EPOCH, STAGE, *metric_names(rows)]).set_index([EPOCH, STAGE]))
        started = time.monotonic()
        if last or started >= self._next_plot:
            plot.show(figure_image(TrialMetrics(self.rows).plot()))
            self._next_plot = started + (time.monotonic() - started) / PLOT_TIME_SHARE

    def _flush(self) -> None:
        if self.csv_path is not None and self._writes:
            TrialMetrics(self.rows).table.to_csv(self.csv_path)
