"""Epoch-level metrics of one trial as a DataFrame, a Series and a plot."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from .metric_names import REVAL, STAGES, TEST, TRAIN, VAL, report_name, stage_values

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STAGE, EPOCH = "stage", "epoch"  # the index levels of TrialMetrics.df and the keys of a row
# How each stage is drawn: curves for the per-epoch stages, points for the one-off evaluations.
_STYLE = {
    TRAIN: {"linestyle": "--"},
    VAL: {"linestyle": "-"},
    REVAL: {"linestyle": "none", "marker": "o", "markersize": 8},
    TEST: {"linestyle": "none", "marker": "*", "markersize": 12},
}


def metric_row(stage: str, epoch: int, logged: Mapping[str, float]) -> dict:
    """One row of TrialMetrics: the stage, the epoch and the stage's epoch values by name."""
    return {STAGE: stage, EPOCH: epoch, **stage_values(stage, logged)}


def row_values(row: Mapping) -> dict[str, float]:
    """The metric values of a row, without its stage and epoch."""
    return {key: value for key, value in row.items() if key not in (STAGE, EPOCH)}


class TrialMetrics:
    """What a researcher looks at after a run: `.df`, `.series_last`, `.plot()`."""

    def __init__(self, rows: Iterable[Mapping]) -> None:
        df = pd.DataFrame(list(rows))
        if df.empty:
            df = pd.DataFrame(columns=[STAGE, EPOCH])
        df[STAGE] = pd.Categorical(df[STAGE], categories=STAGES, ordered=True)
        df = df.set_index([STAGE, EPOCH]).sort_index()
        self.df: pd.DataFrame = df[sorted(df.columns)]

    def stage(self, stage: str) -> pd.DataFrame:
        """One stage's rows indexed by epoch, e.g. `metrics.stage(VAL)["acc"]`."""
        return self.df.xs(stage, level=STAGE)

    @property
    def series_last(self) -> pd.Series:
        """The last observed value of every metric, named as logged (Reval as `reval_*`)."""
        values = {}
        for stage in self.df.index.get_level_values(STAGE).unique():
            observed = self.stage(stage).ffill()
            if not observed.empty:
                last = observed.iloc[-1].dropna().to_dict()
                values.update({report_name(stage, name): value for name, value in last.items()})
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
            for stage in self.df.index.get_level_values(STAGE).unique():
                series = self.stage(stage)[column].dropna()
                if not series.empty:
                    ax.plot(series.index, series.values, label=stage, **_STYLE[stage])
            ax.set_title(column)
            ax.set_xlabel(EPOCH)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            ax.legend()
        for ax in axes[len(columns) :]:
            ax.set_visible(False)
        return fig
