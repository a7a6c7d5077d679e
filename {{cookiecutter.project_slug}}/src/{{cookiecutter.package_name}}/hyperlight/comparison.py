"""The runs of one Runner session side by side: their last values in one table, their curves overlaid.

`Runner.get_metrics()` and `Runner.show_metric_report()` read it; the shapes follow PyTorch Hyperlight.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .display import in_notebook, show_figure, show_table
from .errors import did_you_mean
from .flat_layout import logged_name
from .metric_modes import MIN_MODE, metric_mode
from .metric_names import STAGES, TRAIN, VAL
from .metrics import RUN, TrialMetrics

# get_metrics() keys, as PyTorch Hyperlight named them: the last-values table and the merged curves
LAST_METRICS, CURVES = "run_x_last_metric_df", "epoch_x_stage_run_metric"
COMPARISON_PLOT = "comparison.png"  # saved next to the runs when no notebook can show it


def sort_runs(table: pd.DataFrame, sort_by: Sequence[str]) -> pd.DataFrame:
    """Best runs first by `sort_by` in order, each metric in its own direction (`metric_mode`).

    Names take either spelling (`test_acc` or `test_acc_epoch`); the sorted columns come first.
    """
    columns = [logged_name(name) for name in sort_by]
    for name in columns:
        if name not in table.columns:
            raise KeyError(f"no metric '{name}' in the runs{did_you_mean(name, map(str, table.columns))}")
    ascending = [metric_mode(name) == MIN_MODE for name in columns]
    ordered = table.sort_values(columns, ascending=ascending, na_position="last", kind="stable")
    return ordered[columns + [c for c in table.columns if c not in columns]]


class RunComparison:
    """The runs of a session by name; a repeated name gets `@2`, `@3`, as in PyTorch Hyperlight."""

    def __init__(self) -> None:
        self.runs: dict[str, TrialMetrics] = {}
        self.folders: dict[str, Path] = {}

    def add(self, name: str, metrics: TrialMetrics, folder: Path) -> str:
        """Record a finished run; returns the name it is listed under."""
        unique, count = name, 1
        while unique in self.runs:
            count += 1
            unique = f"{name}@{count}"
        self.runs[unique], self.folders[unique] = metrics, Path(folder)
        return unique

    def last_values(self) -> pd.DataFrame:
        """One row per run, a column per metric (as logged: `test_acc_epoch`), in the order the runs ran."""
        rows = [metrics.series_last.rename(name) for name, metrics in self.runs.items()]
        table = pd.DataFrame(rows) if rows else pd.DataFrame(dtype=float)
        return table.rename_axis(RUN)

    def curves(self, keep_train_val_only: bool = False) -> TrialMetrics:
        """Every run's per-epoch metrics in one TrialMetrics: `.table` by (run, stage, epoch), `.df` with a run
        column, so PyTorch Hyperlight's `get_metrics()["epoch_x_stage_run_metric"].df` and `.plot()` work."""
        return TrialMetrics.from_runs(self.runs, (TRAIN, VAL) if keep_train_val_only else STAGES)

    def metrics(self, keep_train_val_only: bool = False) -> dict[str, Any]:
        """The last-values table and the merged curves, under PyTorch Hyperlight's keys."""
        return {LAST_METRICS: self.last_values(), CURVES: self.curves(keep_train_val_only)}

    def show_report(
        self,
        sort_by: Sequence[str] = (),
        path: str | Path | None = None,
        figsize: tuple[float, float] | None = None,
        keep_train_val_only: bool = False,
        **plot_kwargs,
    ) -> None:
        """The sorted table, then the overlay: inline in a notebook, and saved to `path`.

        Outside a notebook and without a path, the overlay goes next to the last run, in its
        experiment folder, so a terminal session gets a file to open; its path is printed.
        """
        if not self.runs:
            print("No runs to compare yet: run_single_trial or run_hyper_opt first.")
            return
        show_table(sort_runs(self.last_values(), sort_by))
        if path is None and not in_notebook():
            path = list(self.folders.values())[-1].parent / COMPARISON_PLOT
        fig = self.curves(keep_train_val_only).plot(figsize, **plot_kwargs)
        saved = show_figure(fig, path)
        if saved is not None:
            print(f"Comparison plot: {saved.resolve()}")
