"""Epoch-level metrics of one trial as a DataFrame, a Series and a plot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from .curves_plot import CurvesView
from .flat_layout import RUN, flat_records, logged_name, split_runs, to_flat
from .metric_names import STAGES, report_name, stage_values

STAGE, EPOCH = "stage", "epoch"  # the index levels of TrialMetrics.table and the keys of a row
INDEX_KEYS = (RUN, STAGE, EPOCH)  # a row's keys that are not metrics; RUN only where runs share a table


def metric_row(stage: str, epoch: int, logged: Mapping[str, float]) -> dict:
    """One row of TrialMetrics: the stage, the epoch and the stage's epoch values by name."""
    return {STAGE: stage, EPOCH: epoch, **stage_values(stage, logged)}


def row_values(row: Mapping) -> dict[str, float]:
    """The metric values of a row, without its run, stage and epoch."""
    return {key: value for key, value in row.items() if key not in INDEX_KEYS}


def _row(run: str | None, stage: str, epoch: int, values: Mapping[str, float]) -> dict:
    return {**({} if run is None else {RUN: str(run)}), STAGE: str(stage), EPOCH: int(epoch), **values}


def frame_rows(df: pd.DataFrame) -> list[dict]:
    """Rows of a DataFrame in our layout (indexed by [run,] stage and epoch) or in PyTorch Hyperlight's flat one.

    A stage's row holds only the values it has: the table's empty cells are left out.
    """
    if STAGE in df.index.names:
        return [
            _row(r.get(RUN), r[STAGE], r[EPOCH], {k: v for k, v in row_values(r).items() if pd.notna(v)})
            for r in df.reset_index().to_dict("records")
        ]
    return [_row(*record) for record in flat_records(df)]


def _last_values(table: pd.DataFrame) -> dict[str, float]:
    """The last observed value of every metric of one run's table, named as logged."""
    values = {}
    for stage in table.index.get_level_values(STAGE).unique():
        observed = table.xs(stage, level=STAGE).ffill()
        if not observed.empty:
            last = observed.iloc[-1].dropna().to_dict()
            values.update({report_name(stage, name): value for name, value in last.items()})
    return values


class LastValues(pd.Series):
    """`series_last`: keyed as logged (`val_acc_epoch`); PyTorch Hyperlight's `val_acc` looks up the same value.

    Only lookups (`[]`, `get`, `in`) take both spellings, so tables and manifests list each value once.
    """

    @property
    def _constructor(self):
        return pd.Series  # what pandas derives from it is a plain Series

    def __getitem__(self, key):
        return super().__getitem__(self._logged(key))

    def __contains__(self, key) -> bool:
        return super().__contains__(self._logged(key))

    def _logged(self, key):
        if isinstance(key, list):
            return [self._logged(k) for k in key]
        return logged_name(key) if isinstance(key, str) else key


class TrialMetrics(CurvesView):
    """What a researcher looks at after a run: `.df`, `.series_last`, `.plot()`, `.show_report()`.

    `.df` is PyTorch Hyperlight's flat layout (a row per epoch, `val_acc` columns), so code written for it
    reads the same; `.table` holds the same values indexed by (stage, epoch), a column per metric name
    (`acc`): what metrics.csv, the plots and the comparisons use. Built from rows (what the progress
    callback records) or from a DataFrame in either layout. Several runs in one (`from_runs`, what
    `Runner.get_metrics()` returns) add a run: the table's first level, a column of `.df`.
    """

    def __init__(self, rows: Iterable[Mapping] | pd.DataFrame) -> None:
        df = pd.DataFrame(frame_rows(rows) if isinstance(rows, pd.DataFrame) else list(rows))
        if df.empty:
            df = pd.DataFrame(columns=[STAGE, EPOCH])
        df[STAGE] = pd.Categorical(df[STAGE], categories=STAGES, ordered=True)
        levels = [STAGE, EPOCH]
        if RUN in df.columns:  # runs stay in the order they came, not in alphabetical order
            df[RUN] = pd.Categorical(df[RUN], categories=list(dict.fromkeys(df[RUN])), ordered=True)
            levels.insert(0, RUN)
        df = df.set_index(levels).sort_index()
        self.table: pd.DataFrame = df[sorted(df.columns)]

    @classmethod
    def from_runs(cls, runs: Mapping[str, TrialMetrics], stages: Sequence[str] = STAGES) -> TrialMetrics:
        """Several runs' metrics as one, keyed by run name; only the rows of `stages`."""
        rows = [{RUN: name, **row} for name, metrics in runs.items() for row in frame_rows(metrics.table)]
        return cls([row for row in rows if row[STAGE] in stages])

    @property
    def runs(self) -> list[str]:
        """The names of the runs this table holds, in order; empty for a single run's metrics."""
        return list(self.table.index.get_level_values(RUN).unique()) if RUN in self.table.index.names else []

    def stage(self, stage: str) -> pd.DataFrame:
        """One stage's rows indexed by [run and] epoch, e.g. `metrics.stage(VAL)["acc"]`."""
        return self.table.xs(stage, level=STAGE)

    @property
    def df(self) -> pd.DataFrame:
        """PyTorch Hyperlight's layout, a fresh copy: columns stage, epoch, stage-list, `val_acc`..."""
        return to_flat(self.table)

    @property
    def series_last(self) -> pd.Series:
        """The last observed value of every metric, named as logged (Reval as `reval_*`); indexed by
        (run, metric) when the table holds several runs."""
        if RUN not in self.table.index.names:
            return LastValues(_last_values(self.table), dtype=float)
        by_run = {run: pd.Series(_last_values(table), dtype=float) for run, table in split_runs(self.table)}
        return pd.concat(by_run, names=[RUN, None]) if by_run else pd.Series(dtype=float)
