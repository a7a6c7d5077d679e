"""The runs of an experiment as `report` finds them on disk: single trials and searches alike.

A run is a folder holding manifest.json; a search is one whose folder holds trials.csv or
carries the search prefix. Everything is read from files, so Ray is never imported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .manifest import (
    BEST_CONFIG_FIELD,
    CONFIG_FIELD,
    MANIFEST_FILE,
    METRICS_LAST_FIELD,
    SETTINGS_FIELD,
    read_manifest,
)
from .metric_names import REVAL, VAL, monitored_stage, report_name, table_column
from .ranking import pick_best
from .repeat_group import is_group
from .results import SEARCH_PREFIX
from .settings import METRIC_OPT_MODE, METRIC_TO_OPTIMIZE
from .trial_tables import TRIALS_FILE, SearchTables, read_search_tables

# Manifest fields that single_trial.py and search/hyper_opt.py write, and settings keys read back here.
STARTED_FIELD, ERROR_FIELD = "started", "error"


@dataclass
class RunFolder:
    """One run's folder and its manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_search(self) -> bool:
        """A single trial records its config from the start; a search only its best config, at the end."""
        prefixed = self.name.startswith(SEARCH_PREFIX) and CONFIG_FIELD not in self.manifest
        return prefixed or (self.path / TRIALS_FILE).exists()

    @property
    def is_group(self) -> bool:
        """A repeat group: its seeds' runs are folders inside it."""
        return is_group(self.manifest)

    @property
    def metric(self) -> str | None:
        return self.manifest.get(SETTINGS_FIELD, {}).get(METRIC_TO_OPTIMIZE)

    @property
    def mode(self) -> str | None:
        return self.manifest.get(SETTINGS_FIELD, {}).get(METRIC_OPT_MODE)

    @property
    def config(self) -> dict[str, Any]:
        """A single trial's config, or the best config of a search."""
        return self.manifest.get(BEST_CONFIG_FIELD if self.is_search else CONFIG_FIELD) or {}

    @property
    def metrics_last(self) -> dict[str, float]:
        return self.manifest.get(METRICS_LAST_FIELD) or {}

    def reval_value(self) -> float:
        """The re-validated optimized metric of the best checkpoint: what runs are compared by.

        NaN for a run that optimized a train metric: without validation it has nothing to compare.
        """
        if self.metric is None or monitored_stage(self.metric) != VAL:
            return math.nan
        return float(self.metrics_last.get(report_name(REVAL, table_column(self.metric)), math.nan))

    def search_tables(self) -> SearchTables:
        return read_search_tables(self.path)


def _read(run_dir: Path) -> RunFolder | None:
    try:
        return RunFolder(run_dir, read_manifest(run_dir))
    except (OSError, ValueError):  # unreadable or not JSON: not a run this report can describe
        return None


def find_runs(experiment_dir: str | Path) -> list[RunFolder]:
    """The runs in `experiment_dir` in the order they started; ConfigError when there is no such folder or no run."""
    folder = Path(experiment_dir)
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder; pass a results/<experiment_id> folder")
    runs = [run for path in sorted(folder.glob(f"*/{MANIFEST_FILE}")) if (run := _read(path.parent))]
    if not runs:
        raise ConfigError(
            f"{folder} holds no runs (folders with {MANIFEST_FILE}); pass a results/<experiment_id> folder"
        )
    return sorted(runs, key=lambda run: (str(run.manifest.get(STARTED_FIELD, "")), run.name))


def best_run(runs: list[RunFolder]) -> RunFolder | None:
    """The best run by its re-validated metric, among the runs that optimize what the latest finished run did."""
    scored = [run for run in runs if math.isfinite(run.reval_value())]
    if not scored:
        return None
    latest = scored[-1]
    peers = [run for run in scored if (run.metric, run.mode) == (latest.metric, latest.mode)]
    return pick_best(peers, RunFolder.reval_value, latest.mode)
