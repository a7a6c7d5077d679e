"""Reading a finished Ray Tune search: one row per trial, the best successful trial, its curves."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from ray import tune

from .errors import SearchFailedError
from .metrics import metric_row


def _values(result: tune.Result, metric: str) -> pd.Series:
    df = result.metrics_dataframe
    if df is None or metric not in df:
        return pd.Series(dtype=float)
    return df[metric].astype(float).replace([math.inf, -math.inf], math.nan).dropna()


def _best_value(result: tune.Result, metric: str, mode: str) -> float:
    values = _values(result, metric)
    if values.empty:
        return math.nan
    return float(values.max() if mode == "max" else values.min())


def error_summary(error: BaseException) -> str:
    """The last line of a worker traceback, e.g. 'FloatingPointError: training loss is nan ...'."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1] if lines else repr(error)


def _status(result: tune.Result) -> str:
    """Ray's words: a trial ended by error, ended otherwise (done), or still unfinished when the driver stopped."""
    if result.error:
        return "ERROR"
    return "TERMINATED" if result.metrics.get("done") else "UNFINISHED"


def trials_frame(grid: tune.ResultGrid, metric: str, mode: str, searched: list[str]) -> pd.DataFrame:
    """One row per trial: what was tried, how far it got, how good it was, and why it failed."""
    rows = []
    for result in grid:
        df = result.metrics_dataframe
        epochs = 0 if df is None or "epoch" not in df else int(df["epoch"].nunique())
        last = _values(result, metric)
        rows.append(
            {
                "trial": result.metrics.get("trial_id", result.path.rstrip("/").rsplit("/", 1)[-1]),
                **{f"config/{key}": result.config.get(key) for key in searched},
                f"best_{metric}": _best_value(result, metric, mode),
                f"last_{metric}": float(last.iloc[-1]) if not last.empty else math.nan,
                "epochs": epochs,
                "status": _status(result),
                "error": error_summary(result.error) if result.error else "",
            }
        )
    return pd.DataFrame(rows)


def best_result(grid: tune.ResultGrid, metric: str, mode: str) -> tune.Result:
    """The best trial among those that ended without error; raise with the first traceback if none did."""
    scored = [(_best_value(r, metric, mode), r) for r in grid if r.error is None]
    ok = [(value, r) for value, r in scored if not math.isnan(value)]
    if not ok:
        failed = [r for r in grid if r.error is not None]
        first = f"\nThe first failure:\n{failed[0].error}" if failed else ""
        raise SearchFailedError(f"no trial of {len(grid)} produced a finite '{metric}'.{first}")
    sign = 1 if mode == "max" else -1
    return max(ok, key=lambda pair: sign * pair[0])[1]


def best_checkpoint(result: tune.Result, metric: str, mode: str) -> tuple[tune.Checkpoint, int]:
    """The kept checkpoint with the best metric, and the epoch that produced it."""
    scored = [(ckpt, m) for ckpt, m in result.best_checkpoints if math.isfinite(m.get(metric, math.nan))]
    sign = 1 if mode == "max" else -1
    checkpoint, metrics = max(scored, key=lambda pair: sign * pair[1][metric])
    return checkpoint, int(metrics["epoch"])


def trial_curves(result: tune.Result) -> list[dict[str, Any]]:
    """Train and Val rows per epoch, as a single trial records them; a resumed epoch counts once."""
    df = result.metrics_dataframe.drop_duplicates("epoch", keep="last")
    rows = []
    for record in df.to_dict("records"):
        epoch = int(record["epoch"])
        rows += [metric_row(stage, epoch, record) for stage in ("Train", "Val")]
    return [row for row in rows if len(row) > 2]
