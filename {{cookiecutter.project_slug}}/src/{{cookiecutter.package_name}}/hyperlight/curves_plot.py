"""Per-epoch curves as panels, one per metric: one trial's stages, or several runs overlaid.

matplotlib loads when a figure is drawn, not at import: Ray workers import this module and never plot.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .display import in_notebook, show_figure, show_table
from .metric_names import REVAL, TEST, TRAIN, VAL

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# How each stage is drawn: curves for the per-epoch stages, points for the one-off evaluations.
STAGE_STYLE = {
    TRAIN: {"linestyle": "--"},
    VAL: {"linestyle": "-"},
    REVAL: {"linestyle": "none", "marker": "o", "markersize": 8},
    TEST: {"linestyle": "none", "marker": "*", "markersize": 12},
}
PANEL_SIZE = (5.0, 3.6)  # inches per panel when no figsize is given
MAX_COLS = 3


def _figsize(figsize, nrows: int, ncols: int, is_figsize_absolute: bool) -> tuple[float, float]:
    """PyTorch Hyperlight's rule: a given height is per row/column ratio unless is_figsize_absolute."""
    if figsize is None:
        return PANEL_SIZE[0] * ncols, PANEL_SIZE[1] * nrows
    width, height = figsize
    return (width, height) if is_figsize_absolute else (width, height * nrows / ncols)


def panel_grid(
    n_panels: int, figsize: tuple[float, float] | None, max_cols: int = MAX_COLS, is_figsize_absolute: bool = False
) -> tuple[Figure, list]:
    """A figure of `n_panels` axes in rows of at most `max_cols`; the unused cells of the last row are hidden."""
    from matplotlib.figure import Figure

    ncols = max(1, min(max_cols, n_panels))
    nrows = max(1, math.ceil(n_panels / ncols))
    fig = Figure(figsize=_figsize(figsize, nrows, ncols, is_figsize_absolute), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes[:n_panels])


def plot_curves(
    df: pd.DataFrame,
    figsize: tuple[float, float] | None = None,
    max_cols: int = MAX_COLS,
    is_figsize_absolute: bool = False,
) -> Figure:
    """One panel per column of `df`, indexed by ([run,] stage, epoch); one line per run and stage.

    The stage sets the line style. With a run level each run keeps one color across panels, and
    one legend beside the panels names the runs and the stages, however many runs there are.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    columns = list(df.columns)
    fig, axes = panel_grid(len(columns), figsize, max_cols, is_figsize_absolute)
    has_runs = df.index.nlevels > 2
    runs = list(dict.fromkeys(key[:-2] for key in df.index))  # [()] without a run level
    for ax, column in zip(axes, columns, strict=True):
        lines = df[column].dropna().groupby(level=list(range(df.index.nlevels - 1)), sort=False, observed=True)
        for key, series in lines:
            *run, stage = key if isinstance(key, tuple) else (key,)
            color = f"C{runs.index(tuple(run)) % 10}" if has_runs else None
            ax.plot(series.index.get_level_values(-1), series.values, label=stage, color=color, **STAGE_STYLE[stage])
        ax.set_title(column)
        ax.set_xlabel(df.index.names[-1])
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if not has_runs:
            ax.legend()
    if has_runs:
        stages = dict.fromkeys(key[-2] for key in df.index)
        handles = [Line2D([], [], color=f"C{i % 10}", label=" ".join(map(str, run))) for i, run in enumerate(runs)]
        handles += [Line2D([], [], color="gray", label=stage, **STAGE_STYLE[stage]) for stage in stages]
        fig.legend(handles=handles, loc="outside right upper", fontsize="small")
    return fig


class CurvesView:
    """`plot()` and `show_report()` for a class whose `.table` is indexed by ([run,] stage, epoch).

    The parameters are PyTorch Hyperlight's; the plot is returned as one Figure (its `.axes` are the panels).
    """

    table: pd.DataFrame

    def plot(
        self, figsize: tuple[float, float] | None = None, max_cols: int = MAX_COLS, is_figsize_absolute: bool = False
    ) -> Figure:
        """The curves, one panel per metric; a notebook shows the Figure, a script saves it with `savefig`."""
        return plot_curves(self.table, figsize, max_cols, is_figsize_absolute)

    def show_report(
        self, figsize: tuple[float, float] | None = None, path: str | Path | None = None, **plot_kwargs
    ) -> None:
        """The table, then the plot: inline in a notebook; elsewhere the table is printed, the plot saved to `path`."""
        show_table(self.table)
        if path is not None or in_notebook():
            show_figure(self.plot(figsize, **plot_kwargs), path)
