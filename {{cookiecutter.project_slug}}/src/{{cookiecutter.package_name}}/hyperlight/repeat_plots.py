"""bands.png: each metric's mean curve over a group's seeds, with a band of one standard deviation."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .curves_plot import STAGE_STYLE, panel_grid
from .metric_names import TRAIN, VAL
from .metrics import EPOCH, STAGE
from .repeat_group import BANDS_PLOT
from .results import METRICS_FILE

BAND_ALPHA = 0.25


def seed_curves(group_dir: Path, runs: Mapping[int, str]) -> pd.DataFrame:
    """The Train and Val rows of every run's metrics.csv, one table indexed by (seed, stage, epoch)."""
    tables = {
        seed: pd.read_csv(group_dir / folder / METRICS_FILE, index_col=[STAGE, EPOCH]) for seed, folder in runs.items()
    }
    table = pd.concat(tables, names=["seed"])
    return table[table.index.get_level_values(STAGE).isin([TRAIN, VAL])]


def plot_bands(group_dir: Path, runs: Mapping[int, str]) -> Path:
    """Mean ± one standard deviation per epoch, over the seeds that reached that epoch (early stopping
    ends some sooner); the caption of the report says so."""
    from matplotlib.ticker import MaxNLocator

    curves = seed_curves(group_dir, runs)
    columns = [column for column in curves.columns if curves[column].notna().any()]
    fig, axes = panel_grid(len(columns), None)
    for ax, column in zip(axes, columns, strict=True):
        by_epoch = curves[column].dropna().groupby(level=[STAGE, EPOCH])
        mean, std = by_epoch.mean(), by_epoch.std(ddof=1).fillna(0.0)
        for stage in mean.index.get_level_values(STAGE).unique():
            m, s = mean.xs(stage, level=STAGE), std.xs(stage, level=STAGE)
            line = ax.plot(m.index, m.values, label=f"{stage} mean", linestyle=STAGE_STYLE[stage]["linestyle"])[0]
            ax.fill_between(m.index, m - s, m + s, color=line.get_color(), alpha=BAND_ALPHA, linewidth=0)
        ax.set_title(f"{column} over {len(runs)} seeds")
        ax.set_xlabel(EPOCH)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    path = group_dir / BANDS_PLOT
    fig.savefig(path, dpi=100)
    return path
