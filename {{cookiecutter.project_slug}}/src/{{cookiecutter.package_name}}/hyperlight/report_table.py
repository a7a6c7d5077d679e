"""The report's run table and one-line descriptions, from the runs `report_runs` found on disk."""

from __future__ import annotations

import math

import pandas as pd

from .best_epoch import BEST_EPOCH, BEST_EPOCH_INDEX, describe_best_epoch
from .manifest import STAGES_FIELD, STATUS_FIELD
from .metric_names import REVAL, TEST, VAL_PREFIX, is_epoch_metric, report_name, table_column
from .repeat_group import SEEDS_FIELD
from .report_runs import ERROR_FIELD, STARTED_FIELD, RunFolder
from .settings import METRIC_TO_OPTIMIZE


def _kind(run: RunFolder) -> str:
    if run.is_group:
        return f"repeat group of {len(run.manifest.get(SEEDS_FIELD) or [])} seeds"
    return f"search of {len(run.search_tables().trials)} trials" if run.is_search else "single trial"


def run_table(runs: list[RunFolder]) -> pd.DataFrame:
    """One row per run: what it was, how it ended, and its re-validated and test metrics."""
    names = sorted(
        {table_column(key) for run in runs for key in run.metrics_last if is_epoch_metric(key, (VAL_PREFIX,))}
    )
    rows = []
    for run in runs:
        rows.append(
            {
                "run": run.name,
                "kind": _kind(run),
                STATUS_FIELD: run.manifest.get(STATUS_FIELD),
                STARTED_FIELD: str(run.manifest.get(STARTED_FIELD, ""))[:19].replace("T", " "),  # no time zone
                METRIC_TO_OPTIMIZE: run.metric,
                BEST_EPOCH: run.manifest.get(BEST_EPOCH),
                **{
                    f"{stage} {name}": run.metrics_last.get(report_name(stage, name), math.nan)
                    for name in names
                    for stage in (REVAL, TEST)
                },
            }
        )
    table = pd.DataFrame(rows)
    return table.drop(columns=METRIC_TO_OPTIMIZE) if table[METRIC_TO_OPTIMIZE].nunique(dropna=False) == 1 else table


def describe(run: RunFolder) -> str:
    """One line on how a run went."""
    facts = [f"{STATUS_FIELD}: {run.manifest.get(STATUS_FIELD)}", f"{STARTED_FIELD}: {run.manifest.get(STARTED_FIELD)}"]
    if run.metric is not None:
        facts.append(f"optimizing {run.metric} ({run.mode})")
    if run.manifest.get(BEST_EPOCH_INDEX) is not None:
        facts.append(f"best checkpoint {describe_best_epoch(run.manifest[BEST_EPOCH_INDEX])}")
    if run.manifest.get(STAGES_FIELD):
        facts.append(f"stages: {', '.join(run.manifest[STAGES_FIELD])}")
    if run.manifest.get(ERROR_FIELD):
        facts.append(f"{ERROR_FIELD}: {run.manifest[ERROR_FIELD]}")
    return "; ".join(facts)
