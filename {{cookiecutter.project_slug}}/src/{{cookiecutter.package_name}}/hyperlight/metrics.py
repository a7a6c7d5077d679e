"""Epoch-level metrics of one trial as a DataFrame, a Series and a plot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from .curves_plot import CurvesView
from .flat_layout import flat_records, logged_name, to_flat
from .metric_names import STAGES, report_name, stage_values

STAGE, EPOCH = "stage", "epoch"  # the index levels of TrialMetrics.table and the keys of a row


def metric_row(stage: str, epoch: int, logged: Mapping[str, float]) -> dict:
    """One row of TrialMetrics: the stage, the epoch and the stage's epoch values by name."""
    return {STAGE: stage, EPOCH: epoch, **stage_values(stage, logged)}


def row_values(row: Mapping) -> dict[str, float]:
    """The metric values of a row, without its stage and epoch."""
    return {key: value for key, value in row.items() if key not in (STAGE, EPOCH)}


def frame_rows(df: pd.DataFrame) -> list[dict]:
    """Rows of a DataFrame in our layout (indexed by stage and epoch) or in PyTorch Hyperlight's flat one.

    A stage's row holds only the values it has: the table's empty cells are left out.
    """
    if STAGE in df.index.names:
        records = df.reset_index().to_dict("records")
        return [
            {STAGE: str(r[STAGE]), EPOCH: int(r[EPOCH]), **{k: v for k, v in row_values(r).items() if pd.notna(v)}}
            for r in records
        ]
    return [{STAGE: stage, EPOCH: epoch, **values} for stage, epoch, values in flat_records(df)]


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
    callback records) or from a DataFrame in either layout.
    """

    def __init__(self, rows: Iterable[Mapping] | pd.DataFrame) -> None:
        df = pd.DataFrame(frame_rows(rows) if isinstance(rows, pd.DataFrame) else list(rows))
        if df.empty:
            df = pd.DataFrame(columns=[STAGE, EPOCH])
        df[STAGE] = pd.Categorical(df[STAGE], categories=STAGES, ordered=True)
        df = df.set_index([STAGE, EPOCH]).sort_index()
        self.table: pd.DataFrame = df[sorted(df.columns)]

    def stage(self, stage: str) -> pd.DataFrame:
        """One stage's rows indexed by epoch, e.g. `metrics.stage(VAL)["acc"]`."""
        return self.table.xs(stage, level=STAGE)

    @property
    def df(self) -> pd.DataFrame:
        """PyTorch Hyperlight's layout, a fresh copy: columns stage, epoch, stage-list, `val_acc`..."""
        return to_flat(self.table)

    @property
    def series_last(self) -> pd.Series:
        """The last observed value of every metric, named as logged (Reval as `reval_*`)."""
        values = {}
        for stage in self.table.index.get_level_values(STAGE).unique():
            observed = self.stage(stage).ffill()
            if not observed.empty:
                last = observed.iloc[-1].dropna().to_dict()
                values.update({report_name(stage, name): value for name, value in last.items()})
        return LastValues(values, dtype=float)
