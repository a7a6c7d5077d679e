"""What a repeat group reports: every Reval and Test metric over its seeds, as summary.csv and one console table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pandas as pd

from .display import show_table
from .metric_names import result_stage
from .repeat_group import SUMMARY_FILE, metrics_last
from .repeat_stats import CONFIDENCE, Spread, spread

METRIC = "metric"  # the index of summary.csv; its columns are Spread's fields
COLUMNS = [f.name for f in fields(Spread)]


def summary_frame(manifests: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per Reval/Test metric: n, mean, sample std, the 95% t interval, min and max over the runs."""
    values: dict[str, list[float]] = {}
    for manifest in manifests.values():
        for key, value in metrics_last(manifest).items():
            if result_stage(key) is not None:
                values.setdefault(key, []).append(float(value))
    rows = {key: asdict(spread(series)) for key, series in sorted(values.items())}
    return pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS).rename_axis(METRIC)


def read_summary(group_dir: Path) -> pd.DataFrame:
    return pd.read_csv(group_dir / SUMMARY_FILE, index_col=METRIC)


def headline(metric: str, row: Mapping[str, float]) -> str:
    """`test_acc_epoch 0.953 ± 0.004 (95% CI, n=5)`: the mean and the half-width of its interval."""
    half = (row["ci_high"] - row["ci_low"]) / 2
    return f"{metric} {row['mean']:.3f} ± {half:.3f} ({CONFIDENCE:.0%} CI, n={int(row['n'])})"


def write_summary(group_dir: Path, manifests: Mapping[int, Mapping[str, Any]]) -> pd.DataFrame:
    """summary.csv in the group folder, then the table and one line per metric on the console."""
    summary = summary_frame(manifests)
    summary.to_csv(group_dir / SUMMARY_FILE)
    print(f"\nOver {len(manifests)} seeds ({', '.join(map(str, manifests))}):")
    show_table(summary)
    for metric, row in summary.iterrows():
        print(headline(str(metric), row))
    return summary
