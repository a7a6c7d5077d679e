"""Epoch-level metrics of one trial as a DataFrame, a Series and a plot."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STAGES = ("Train", "Val", "Reval", "Test")
# How each stage is drawn: curves for the per-epoch stages, points for the one-off evaluations.
_STYLE = {
    "Train": {"linestyle": "--"},
    "Val": {"linestyle": "-"},
    "Reval": {"linestyle": "none", "marker": "o", "markersize": 8},
    "Test": {"linestyle": "none", "marker": "*", "markersize": 12},
}


def metric_row(stage: str, epoch: int, logged: Mapping[str, float]) -> dict:
    """Keep the `<prefix>_<name>_epoch` values of one stage, keyed by `<name>`."""
    prefix = "val" if stage in ("Val", "Reval") else stage.lower()
    row = {"stage": stage, "epoch": epoch}
    for name, value in logged.items():
        if name.startswith(f"{prefix}_") and name.endswith("_epoch"):
            row[name[len(prefix) + 1 : -len("_epoch")]] = float(value)
    return row


class TrialMetrics:
    """What a researcher looks at after a run: `.df`, `.series_last`, `.plot()`."""

    def __init__(self, rows: Iterable[Mapping]) -> None:
        df = pd.DataFrame(list(rows))
        if df.empty:
            df = pd.DataFrame(columns=["stage", "epoch"])
        df["stage"] = pd.Categorical(df["stage"], categories=STAGES, ordered=True)
        df = df.set_index(["stage", "epoch"]).sort_index()
        self.df: pd.DataFrame = df[sorted(df.columns)]

    @property
    def series_last(self) -> pd.Series:
        """The last observed value of every metric, named as logged (Reval as `reval_*`)."""
        values = {}
        for stage in self.df.index.get_level_values("stage").unique():
            stage_df = self.df.xs(stage, level="stage")
            for column in self.df.columns:
                observed = stage_df[column].dropna()
                if not observed.empty:
                    values[f"{stage.lower()}_{column}_epoch"] = observed.iloc[-1]
        return pd.Series(values, dtype=float)

    def plot(self, ncols: int = 3) -> Figure:
        """One panel per metric; the Figure is returned so notebooks show it and scripts save it.

        matplotlib loads here, not at import: Ray workers import this module and never plot.
        """
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        columns = list(self.df.columns)
        ncols = max(1, min(ncols, len(columns)))
        nrows = max(1, math.ceil(len(columns) / ncols))
        fig = Figure(figsize=(5 * ncols, 3.6 * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, column in zip(axes, columns, strict=False):
            for stage in self.df.index.get_level_values("stage").unique():
                series = self.df.xs(stage, level="stage")[column].dropna()
                if not series.empty:
                    ax.plot(series.index, series.values, label=stage, **_STYLE[stage])
            ax.set_title(column)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            ax.legend()
        for ax in axes[len(columns) :]:
            ax.set_visible(False)
        return fig
