"""What a search leaves in its folder besides Ray's own, and the columns of its tables.

Ray-free on purpose: the search writes these files, and `report` reads them back from
disk without Ray, so both sides take the names from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tabulate import tabulate

from .ranking import MODES, pick_best

TRIALS_FILE = "trials.csv"  # one row per trial: searched values, best metric, epochs, status
CURVES_FILE = "trial_curves.csv"  # one row per trial and epoch: every epoch metric the trial reported
SPACE_FILE = "search_space.json"  # how each searched key was sampled, so plots use its scale
TRIAL_CURVES_PLOT, SPACE_PLOT, PARALLEL_PLOT = "trial_curves.png", "search_space.png", "parallel_coordinates.png"

TRIAL_COLUMN, STATUS_COLUMN, EPOCHS_COLUMN, ERROR_COLUMN = "trial", "status", "epochs", "error"
CONFIG_PREFIX = "config/"  # trials.csv holds searched key `lr` as column `config/lr`
LOG_FIELD = "log"  # in SPACE_FILE: True where a key was sampled on a log scale


def best_column(metric: str) -> str:
    """The trials.csv column with each trial's best value of `metric`."""
    return f"best_{metric}"


def shown_columns(trials: pd.DataFrame) -> pd.DataFrame:
    """The trials table as people read it: searched keys by their own names (`lr`, not `config/lr`)."""
    return trials.rename(columns=lambda column: column.removeprefix(CONFIG_PREFIX))


def trials_summary(trials: pd.DataFrame) -> str:
    """The console's closing table of a search: each trial's searched values, best metric, epochs and status."""
    shown = shown_columns(trials.drop(columns=[ERROR_COLUMN], errors="ignore"))
    return f"\n{len(trials)} trials:\n" + tabulate(shown, headers="keys", showindex=False, floatfmt=".4g")


@dataclass
class SearchTables:
    """A search's tables as read back from disk; a missing file reads as an empty table."""

    trials: pd.DataFrame
    curves: pd.DataFrame
    log_keys: set[str]

    @property
    def searched(self) -> list[str]:
        """The searched keys, in the order of the trials table."""
        return [column.removeprefix(CONFIG_PREFIX) for column in self.trials if column.startswith(CONFIG_PREFIX)]

    def ranked(self, metric: str, mode: str) -> pd.DataFrame:
        """The trials with a finite best `metric`, best first (the first of equal values first)."""
        if best_column(metric) not in self.trials:
            return self.trials.iloc[0:0]
        finite = self.trials[np.isfinite(self.trials[best_column(metric)].astype(float))]
        return finite.sort_values(best_column(metric), ascending=mode == MODES[0], kind="stable")  # "min": lowest first

    def best_trial(self, metric: str, mode: str) -> str | None:
        """The id of the best trial, as ranking.pick_best picks it; None when no trial has a finite value."""
        if best_column(metric) not in self.trials:
            return None
        best = pick_best(self.trials.to_dict("records"), lambda record: record[best_column(metric)], mode)
        return None if best is None else best[TRIAL_COLUMN]


def _read_csv(path: Path) -> pd.DataFrame:
    try:  # trial ids are hex: read as numbers, "1234e567" would turn into inf
        return pd.read_csv(path, dtype={TRIAL_COLUMN: str})
    except (FileNotFoundError, pd.errors.EmptyDataError):
        return pd.DataFrame()


def read_search_tables(search_dir: Path) -> SearchTables:
    """trials.csv, trial_curves.csv and the log-scaled keys of search_space.json."""
    space_path = search_dir / SPACE_FILE
    space = json.loads(space_path.read_text()) if space_path.exists() else {}
    log_keys = {key for key, info in space.items() if info.get(LOG_FIELD)}
    return SearchTables(_read_csv(search_dir / TRIALS_FILE), _read_csv(search_dir / CURVES_FILE), log_keys)
