"""Checks of a run's inputs other than the settings, so a mistake costs seconds, not an epoch.

Everything here is plain Python: no torch, no Lightning, no Ray.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .errors import ConfigError, did_you_mean, raise_if
from .metric_names import is_forked, split_metric_name
from .rules import is_int
from .settings import Settings

BATCH_SIZE, MAX_EPOCHS = "batch_size", "max_epochs"
SIZE_KEYS = (BATCH_SIZE, MAX_EPOCHS)  # the config keys the runner itself reads
LOADER_SETTINGS = ("train_loader_name", "val_loader_name", "test_loader_name")


def check_config(config: Mapping[str, Any]) -> None:
    """The runner needs these two to size the data and the schedule."""
    problems = []
    for key in SIZE_KEYS:
        value = config.get(key)
        if value is None:
            problems.append(f"missing key '{key}'")
        elif not is_int(value, 1):
            problems.append(f"'{key}' must be a positive integer, got {value!r}")
    raise_if(problems, "config is invalid")


def check_loaders(loaders: Mapping[str, Any], settings: Settings) -> None:
    """Name the loader the data function forgot, and show what it did return."""
    if not isinstance(loaders, Mapping):
        raise ConfigError(f"configure_dataloaders must return a dict, got {type(loaders).__name__}")
    returned = sorted(str(key) for key in loaders)
    problems = []
    for key in LOADER_SETTINGS:
        name = getattr(settings, key)
        if name not in loaders:
            problems.append(f"no '{name}' (extra_config['{key}']){did_you_mean(name, returned)}")
        elif loaders[name] is None:
            problems.append(f"'{name}' (extra_config['{key}']) is None")
    if problems:
        problems.append(f"it returned: {', '.join(returned)}")
    raise_if(problems, "configure_dataloaders returned an incomplete dict")


def check_logged_names(logged: Collection[str], metric_to_optimize: str | None = None) -> None:
    """Enforce the naming the plots, tables and Ray reports rely on."""
    names = sorted(name for name in logged if not is_forked(name, logged))
    problems = [
        f"'{name}' breaks the naming convention: use a train_/val_/test_ prefix and log with "
        "on_step=True, on_epoch=True to get the _step/_epoch suffixes"
        for name in names
        if split_metric_name(name) is None
    ]
    if metric_to_optimize is not None and metric_to_optimize not in names:
        problems.append(
            f"metric_to_optimize '{metric_to_optimize}' is not logged{did_you_mean(metric_to_optimize, names)}; "
            f"logged metrics: {', '.join(names) or 'none'}"
        )
    raise_if(problems, "logged metrics are invalid")
