"""PyTorch Hyperlight's flat metrics layout, read and written: what `TrialMetrics(df)` reads and `.df` gives.

That layout has a row per epoch ("Train/Val") and one per evaluation ("Reval", "Test"), with the
columns `stage`, `epoch`, `stage-list` (the stages a row holds) and `<stage>_<name>` (`val_acc`).
Our tables key the same values by (stage, epoch) and `<name>`; its `val_acc` is our `val_acc_epoch`.
Several runs in one table (a Runner's comparison) add a `run` column here, and a run level to our index.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from .metric_names import EPOCH_SUFFIX, REVAL, STAGES, STEP_SUFFIX, TEST, TRAIN, report_name

FLAT_STAGE, FLAT_EPOCH, STAGE_LIST = "stage", "epoch", "stage-list"  # the layout's own columns
RUN = "run"  # the run a row belongs to: a column of the layout, the first index level of our tables
STAGE_SEPARATOR = "/"  # "Train/Val": the stages that share a row
_STAGE_BY_WORD = {stage.lower(): stage for stage in STAGES}  # "reval" -> "Reval"
_EVALUATIONS = (REVAL, TEST)  # a row of their own; TRAIN and VAL share one per epoch


def flat_name(stage: str, name: str) -> str:
    """The layout's column of a stage's metric: `flat_name("Val", "acc")` is `val_acc`."""
    return f"{stage.lower()}_{name}"


def logged_name(name: str) -> str:
    """Our spelling of a metric in either spelling: `val_acc` becomes `val_acc_epoch`, which stays as it is."""
    word, _, rest = name.partition("_")
    if word not in _STAGE_BY_WORD or not rest or rest.rpartition("_")[2] in (EPOCH_SUFFIX, STEP_SUFFIX):
        return name
    return report_name(_STAGE_BY_WORD[word], rest)


def to_flat(df: pd.DataFrame) -> pd.DataFrame:
    """Our table (indexed by [run,] stage and epoch, a column per metric name) in the flat layout."""
    if RUN not in df.index.names:
        return _one_run_flat(df)
    frames = [_one_run_flat(table).assign(**{RUN: run}) for run, table in split_runs(df)]
    flat = pd.concat(frames, ignore_index=True) if frames else _one_run_flat(df.droplevel(RUN)).assign(**{RUN: []})
    return flat[[RUN, *(c for c in flat.columns if c != RUN)]]


def split_runs(df: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """Each run's part of a table with a run level, in the table's order of runs, the run level dropped."""
    for run, table in df.groupby(level=RUN, sort=False, observed=True):
        yield run, table.droplevel(RUN)


def _one_run_flat(df: pd.DataFrame) -> pd.DataFrame:
    rows: dict[tuple, dict] = {}
    for (stage, epoch), values in df.iterrows():
        row = rows.setdefault((stage if stage in _EVALUATIONS else TRAIN, epoch), {STAGE_LIST: ()})
        row[STAGE_LIST] += (stage.lower(),)
        row.update({FLAT_EPOCH: epoch, **{flat_name(stage, name): v for name, v in values.dropna().items()}})
    ordered = sorted(rows.items(), key=lambda item: (item[0][0] in _EVALUATIONS, STAGES.index(item[0][0]), item[0][1]))
    records = [
        {FLAT_STAGE: STAGE_SEPARATOR.join(_STAGE_BY_WORD[w] for w in row[STAGE_LIST]), **row} for _, row in ordered
    ]
    flat = pd.DataFrame(records, columns=None if records else [FLAT_STAGE, FLAT_EPOCH, STAGE_LIST])
    index_columns = [FLAT_STAGE, FLAT_EPOCH, STAGE_LIST]
    return flat[index_columns + [c for c in flat.columns if c not in index_columns]]


def flat_records(flat: pd.DataFrame) -> Iterator[tuple[str | None, str, int, dict[str, float]]]:
    """(run, stage, epoch, {name: value}) for each stage of each row of a flat-layout DataFrame; run is None
    without a run column."""
    index_columns = {FLAT_STAGE, FLAT_EPOCH, STAGE_LIST, RUN}
    metric_columns = [c for c in flat.columns if c not in index_columns]
    unknown = [c for c in metric_columns if str(c).partition("_")[0] not in _STAGE_BY_WORD]
    if unknown:
        raise ValueError(f"columns {unknown} are not <stage>_<name> with a stage of {list(_STAGE_BY_WORD)}")
    for record in flat.to_dict("records"):
        words = record[STAGE_LIST] if STAGE_LIST in record else str(record[FLAT_STAGE]).split(STAGE_SEPARATOR)
        for word in (str(w).lower() for w in words):
            if word not in _STAGE_BY_WORD:
                raise ValueError(f"unknown stage '{word}' in a row of epoch {record[FLAT_EPOCH]}")
            prefix = f"{word}_"
            values = {c[len(prefix) :]: float(record[c]) for c in metric_columns if c.startswith(prefix)}
            values = {k: v for k, v in values.items() if pd.notna(v)}
            yield record.get(RUN), _STAGE_BY_WORD[word], int(record[FLAT_EPOCH]), values
