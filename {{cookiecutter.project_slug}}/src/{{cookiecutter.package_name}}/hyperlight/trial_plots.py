"""A search's figures: how each trial's curve went, and where in the space the good trials were.

Drawn from the tables of trial_tables.py only, so a search draws them as it ends and
`report` redraws them from disk, without Ray. matplotlib loads on the first figure.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .metrics import EPOCH
from .trial_tables import (
    CONFIG_PREFIX,
    PARALLEL_PLOT,
    SPACE_PLOT,
    TRIAL_COLUMN,
    TRIAL_CURVES_PLOT,
    SearchTables,
    best_column,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BEST_COLOR = "black"  # outside the color cycle the other trials are drawn in


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_trial_curves(tables: SearchTables, metric: str, mode: str) -> Figure:
    """`metric` per epoch, one line per trial: a short line is a trial ASHA stopped early."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure(8, 4.5)
    ax = fig.subplots()
    best = tables.best_trial(metric, mode)
    for trial, curve in tables.curves.groupby(TRIAL_COLUMN, sort=False):
        curve = curve.dropna(subset=[metric]).sort_values(EPOCH)
        style = {"color": BEST_COLOR, "linewidth": 2.5, "zorder": 3} if trial == best else {"linewidth": 1.2}
        label = f"{trial} (best)" if trial == best else str(trial)
        ax.plot(curve[EPOCH], curve[metric], marker="o", markersize=3, label=label, **style)
    ax.set(xlabel=EPOCH, ylabel=metric, title=f"{metric} per epoch, one line per trial")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # a 1-epoch search gets tick 0 only
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), ncols=1 + len(ax.lines) // 20)
    return fig


def axis_positions(values: pd.Series, log: bool) -> tuple[np.ndarray, list[str] | None]:
    """Where each value goes on an axis: numbers as they are (log10 where sampled on a log scale),
    anything else (strings, lists, booleans) at the index of its category, with those as tick labels."""
    numbers = pd.to_numeric(values, errors="coerce")
    flags = values.map(lambda value: isinstance(value, bool | np.bool_))  # True is no 1.0 on a plot
    if not flags.any() and numbers.notna().all():
        numbers = numbers.astype(float)
        return (np.log10(numbers.to_numpy()) if log else numbers.to_numpy()), None
    categories = sorted(set(values.astype(str)))
    return values.astype(str).map(categories.index).to_numpy(dtype=float), categories


def plot_space(tables: SearchTables, metric: str, mode: str, ncols: int = 3) -> Figure:
    """Each searched key against each trial's best `metric`, on the scale it was sampled on."""
    trials, keys = tables.ranked(metric, mode), tables.searched
    ncols = max(1, min(ncols, len(keys)))
    nrows = max(1, math.ceil(len(keys) / ncols))
    fig = _figure(4.5 * ncols, 3.4 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax, key in zip(axes, keys, strict=False):
        positions, categories = axis_positions(trials[CONFIG_PREFIX + key], key in tables.log_keys)
        x = 10**positions if key in tables.log_keys and categories is None else positions
        is_best = (trials[TRIAL_COLUMN] == tables.best_trial(metric, mode)).to_numpy()
        ax.scatter(x, trials[best_column(metric)], alpha=0.8)
        ax.scatter(x[is_best], trials[best_column(metric)][is_best], color=BEST_COLOR, marker="*", s=200, label="best")
        if key in tables.log_keys and categories is None:
            ax.set_xscale("log")
        if categories is not None:
            ax.set_xticks(range(len(categories)), categories)
        ax.set(xlabel=key + (" (log scale)" if key in tables.log_keys else ""), ylabel=best_column(metric))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    return fig


def _normalized(positions: np.ndarray) -> np.ndarray:
    low, high = np.nanmin(positions), np.nanmax(positions)
    return np.full_like(positions, 0.5) if high == low else (positions - low) / (high - low)


def _tick_text(value: float, log: bool) -> str:
    return f"{10**value:.3g}" if log else f"{value:.4g}"


def plot_parallel(tables: SearchTables, metric: str, mode: str) -> Figure:
    """The best third of the trials (at least 3) across every searched key and the metric, each
    axis scaled to its own range (log where sampled so); the other trials in gray behind them."""
    from matplotlib import colormaps

    trials, keys = tables.ranked(metric, mode), tables.searched
    columns = [*(CONFIG_PREFIX + key for key in keys), best_column(metric)]
    logs = [key in tables.log_keys for key in keys] + [False]
    fig = _figure(max(6.0, 1.6 * len(columns) + 2.5), 4.5)
    ax = fig.subplots()
    lines = np.empty((len(trials), len(columns)))
    for i, (column, log) in enumerate(zip(columns, logs, strict=True)):
        positions, categories = axis_positions(trials[column], log)
        lines[:, i] = _normalized(positions)
        ends = [_tick_text(np.nanmin(positions), log), _tick_text(np.nanmax(positions), log)]
        labels = categories or list(dict.fromkeys(ends))  # one label where every trial had the same value
        for label, y in zip(labels, np.linspace(0, 1, len(labels)) if len(labels) > 1 else [0.5], strict=True):
            va = "top" if y == 1 else "bottom"  # beside the axis, off the lines that cross it
            ax.annotate(label, (i, y), xytext=(4, 2 if y < 1 else -2), textcoords="offset points", fontsize=7, va=va)
        ax.axvline(i, color="black", linewidth=0.8)
    n_best = min(len(trials), max(3, math.ceil(len(trials) / 3)))
    colors = colormaps["viridis"](np.linspace(0.9, 0.1, max(n_best, 1)))
    for row in range(len(trials) - 1, -1, -1):  # the best last, on top
        best = row < n_best
        label = f"{trials[TRIAL_COLUMN].iloc[row]}: {trials[best_column(metric)].iloc[row]:.4g}" if best else None
        ax.plot(
            range(len(columns)), lines[row], color=colors[row] if best else "lightgray",
            linewidth=2 if best else 1, zorder=3 if best else 1, label=label,
        )  # fmt: skip
    ax.set_xticks(
        range(len(columns)), [f"{key} (log)" if key in tables.log_keys else key for key in keys] + [columns[-1]]
    )
    ax.set_yticks([])
    ax.set_title(f"The best {n_best} of {len(trials)} trials (gray: the others); each axis spans its own range")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def draw_search_plots(tables: SearchTables, metric: str, mode: str, out_dir: Path, prefix: str = "") -> list[Path]:
    """The figures the tables can show, as PNGs in `out_dir`; a search with no finite trial has none."""
    figures = {}
    if not tables.curves.empty and metric in tables.curves:
        figures[TRIAL_CURVES_PLOT] = plot_trial_curves(tables, metric, mode)
    if tables.searched and not tables.ranked(metric, mode).empty:
        figures[SPACE_PLOT] = plot_space(tables, metric, mode)
        figures[PARALLEL_PLOT] = plot_parallel(tables, metric, mode)
    paths = []
    for name, fig in figures.items():
        paths.append(out_dir / f"{prefix}{name}")
        fig.savefig(paths[-1], dpi=100)
    return paths
