"""The Runner's `pl_loggers`: any Lightning logger (TensorBoard, CSV, MLflow...), fresh for every run.

A single trial takes loggers or functions of a folder that return one; a search takes only
functions. Its trials run at once in other processes: copies of one logger would all write
under one save_dir and race for its version folders, while a function builds one per trial folder.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path

from lightning.pytorch.loggers import Logger

from .errors import ConfigError

LoggerFactory = Callable[[Path], Logger]  # called with a run's (or a Ray trial's) own folder
EXAMPLE = "`lambda run_dir: CSVLogger(run_dir)`"


def check_loggers(pl_loggers: Sequence[Logger | LoggerFactory], search: bool = False) -> None:
    """Each item a Lightning logger or a function returning one; in a search only functions."""
    wrong = [item for item in pl_loggers if not callable(item) and not isinstance(item, Logger)]
    if wrong:
        raise ConfigError(f"pl_loggers: {wrong!r} are neither Lightning loggers nor functions such as {EXAMPLE}")
    objects = [type(item).__name__ for item in pl_loggers if isinstance(item, Logger)]
    if search and objects:
        raise ConfigError(
            f"pl_loggers: a search needs a function per logger, not a {', '.join(objects)} object: each trial "
            f"calls it with its own folder, e.g. {EXAMPLE}"
        )


def run_loggers(pl_loggers: Sequence[Logger | LoggerFactory], run_dir: Path) -> list[Logger]:
    """Fresh loggers for one run: a function is called with the run's folder, a logger is deep-copied
    (like pl_callbacks), so that runs of one session never share a logger's state or version folder."""
    loggers = []
    for item in pl_loggers:
        try:
            logger = copy.deepcopy(item) if isinstance(item, Logger) else item(run_dir)
        except Exception as error:
            raise ConfigError(f"pl_loggers: could not make a fresh {item!r} for this run: {error}") from error
        if not isinstance(logger, Logger):
            raise ConfigError(f"pl_loggers: {item!r} gave {logger!r}, not a Lightning logger")
        loggers.append(logger)
    return loggers
