"""Reading a finished Ray Tune search: one row per trial, the best successful trial, its curves."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from ray import tune

from ..errors import SearchFailedError
from ..metric_names import TRAIN, VAL, is_epoch_metric
from ..metrics import EPOCH, metric_row, row_values
from ..ranking import best_value, pick_best
from ..trial_tables import CONFIG_PREFIX, EPOCHS_COLUMN, ERROR_COLUMN, STATUS_COLUMN, TRIAL_COLUMN, best_column

TERMINATED, ERROR, UNFINISHED = "TERMINATED", "ERROR", "UNFINISHED"  # Ray's words for a trial's end
# The result column Ray's TuneReportCallback fills with the checkpoint of a Ray Train run's epoch.
CHECKPOINT_PATH = "checkpoint_path"


def _values(result: tune.Result, metric: str) -> pd.Series:
    df = result.metrics_dataframe
    if df is None or metric not in df:
        return pd.Series(dtype=float)
    return df[metric].astype(float)


def trial_best(result: tune.Result, metric: str, mode: str) -> float:
    """The best value a trial reported, NaN when it reported none."""
    return best_value(_values(result, metric), mode)


def error_summary(error: BaseException) -> str:
    """The last line of a worker traceback, e.g. 'FloatingPointError: training loss is nan ...'."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1] if lines else repr(error)


def trial_id(result: tune.Result) -> str:
    """Ray's id of a trial; from its folder name when the trial failed before reporting anything."""
    return result.metrics.get("trial_id", result.path.rstrip("/").rsplit("/", 1)[-1])


def _status(result: tune.Result) -> str:
    """A trial ended by error, ended otherwise (done), or was still unfinished when the driver stopped."""
    if result.error:
        return ERROR
    return TERMINATED if result.metrics.get("done") else UNFINISHED


def trials_frame(grid: tune.ResultGrid, metric: str, mode: str, searched: list[str]) -> pd.DataFrame:
    """One row per trial: what was tried, how far it got, how good it was, and why it failed."""
    rows = []
    for result in grid:
        df = result.metrics_dataframe
        last = _values(result, metric).dropna()
        rows.append(
            {
                TRIAL_COLUMN: trial_id(result),
                # A trial whose node died before Ray recorded it comes back without a config.
                **{CONFIG_PREFIX + key: (result.config or {}).get(key) for key in searched},
                best_column(metric): trial_best(result, metric, mode),
                f"last_{metric}": float(last.iloc[-1]) if not last.empty else math.nan,
                EPOCHS_COLUMN: 0 if df is None or EPOCH not in df else int(df[EPOCH].nunique()),
                STATUS_COLUMN: _status(result),
                ERROR_COLUMN: error_summary(result.error) if result.error else "",
            }
        )
    return pd.DataFrame(rows)


def best_result(grid: tune.ResultGrid, metric: str, mode: str) -> tune.Result:
    """The best trial among those that ended without error; raise with the first traceback if none did."""
    best = pick_best((r for r in grid if r.error is None), lambda r: trial_best(r, metric, mode), mode)
    if best is None:
        failed = [r for r in grid if r.error is not None]
        first = f"\nThe first failure:\n{failed[0].error}" if failed else ""
        raise SearchFailedError(f"no trial of {len(grid)} produced a finite '{metric}'.{first}")
    return best


def best_trial_checkpoint(result: tune.Result, metric: str, mode: str) -> tuple[tune.Checkpoint, int]:
    """The kept checkpoint of a trial with the best metric, and the epoch that produced it.

    A trial of several workers reports its checkpoints as paths (Ray Train stored them): Tune kept none.
    """
    if not result.best_checkpoints and CHECKPOINT_PATH in result.metrics_dataframe:
        rows = result.metrics_dataframe.dropna(subset=[CHECKPOINT_PATH]).to_dict("records")
        best = pick_best(rows, lambda row: row.get(metric, math.nan), mode)
        return tune.Checkpoint(best[CHECKPOINT_PATH]), int(best[EPOCH])
    checkpoint, metrics = pick_best(result.best_checkpoints, lambda pair: pair[1].get(metric, math.nan), mode)
    return checkpoint, int(metrics[EPOCH])


def trial_curves(result: tune.Result) -> list[dict[str, Any]]:
    """Train and Val rows per epoch, as a single trial records them; a resumed epoch counts once."""
    df = result.metrics_dataframe.drop_duplicates(EPOCH, keep="last")
    rows = []
    for record in df.to_dict("records"):
        rows += [metric_row(stage, int(record[EPOCH]), record) for stage in (TRAIN, VAL)]
    return [row for row in rows if row_values(row)]


def curves_frame(grid: tune.ResultGrid) -> pd.DataFrame:
    """Every epoch metric of every trial, one row per trial and epoch (trial_curves.csv); a resumed epoch once."""
    frames = []
    for result in grid:
        df = result.metrics_dataframe
        if df is not None and EPOCH in df:
            df = df.drop_duplicates(EPOCH, keep="last")
            metrics = [column for column in df.columns if is_epoch_metric(column)]
            frames.append(df[[EPOCH, *metrics]].assign(**{TRIAL_COLUMN: trial_id(result)}))
    curves = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[TRIAL_COLUMN, EPOCH])
    return curves[[TRIAL_COLUMN, *(column for column in curves.columns if column != TRIAL_COLUMN)]]
