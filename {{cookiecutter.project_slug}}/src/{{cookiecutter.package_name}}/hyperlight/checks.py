"""Checks of a run's inputs other than the settings, so a mistake costs seconds, not an epoch.

Everything here is plain Python: no torch, no Lightning, no Ray.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

from .errors import ConfigError, did_you_mean, raise_if
from .metric_names import (
    REVAL,
    STAGES,
    TEST,
    TRAIN,
    VAL,
    is_callback_metric,
    is_forked,
    monitored_stage,
    split_metric_name,
)
from .rules import is_int
from .settings import Settings

BATCH_SIZE, MAX_EPOCHS = "batch_size", "max_epochs"
SIZE_KEYS = (BATCH_SIZE, MAX_EPOCHS)  # the config keys the runner itself reads
VAL_LOADER, TEST_LOADER = OPTIONAL_LOADERS = ("val_loader_name", "test_loader_name")  # None: no such stage
TRAIN_LOADER, FULL_TRAIN_LOADER = "train_loader_name", "full_train_loader_name"
LOADER_SETTINGS = (TRAIN_LOADER, *OPTIONAL_LOADERS)


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


def check_loaders(loaders: Mapping[str, Any], settings: Settings, given: Collection[str]) -> Settings:
    """Name the loader the data function forgot, and show what it did return.

    Returns the settings of the stages that will run. As in the reference, validation and test are
    optional: a loader key left at its default and absent from the dict turns its stage off (None),
    unless metric_to_optimize needs validation. A key set in extra_config (`given`) must be there.
    """
    if not isinstance(loaders, Mapping):
        raise ConfigError(f"configure_dataloaders must return a dict, got {type(loaders).__name__}")
    metric = settings.metric_to_optimize
    needed = {VAL_LOADER} if metric is not None and monitored_stage(metric) == VAL else set()
    off = {
        key: None
        for key in OPTIONAL_LOADERS
        if key not in given and key not in needed and loaders.get(getattr(settings, key)) is None
    }
    settings = dataclasses.replace(settings, **off)
    returned = sorted(str(key) for key in loaders)
    problems = []
    for key in LOADER_SETTINGS:
        name = getattr(settings, key)
        if name is None and key in needed:
            problems.append(f"metric_to_optimize '{settings.metric_to_optimize}' needs validation, but {key} is None")
        elif name is not None and name not in loaders:
            problems.append(f"no '{name}' (extra_config['{key}']){did_you_mean(name, returned)}")
        elif name is not None and loaders[name] is None:
            problems.append(f"'{name}' (extra_config['{key}']) is None")
    if problems:
        problems.append(f"it returned: {', '.join(returned) or 'nothing'}")
    raise_if(problems, "configure_dataloaders returned an incomplete dict")
    return settings


def fit_loaders(loaders: Mapping[str, Any], settings: Settings) -> tuple[Any, Any]:
    """The training loader, and the validation loader or None when the run has no validation."""
    name = settings.val_loader_name
    return loaders[settings.train_loader_name], None if name is None else loaders[name]


def run_stages(settings: Settings) -> list[str]:
    """The stages a run goes through, as its manifest lists them: Train always, the others with their loaders."""
    loader = {TRAIN: settings.train_loader_name, VAL: settings.val_loader_name, TEST: settings.test_loader_name}
    loader[REVAL] = loader[VAL]
    return [stage for stage in STAGES if loader[stage] is not None]


def check_logged_names(logged: Collection[str], metric_to_optimize: str | None = None) -> None:
    """Enforce the naming the plots, tables and Ray reports rely on."""
    names = sorted(name for name in logged if not is_forked(name, logged))
    problems = [
        f"'{name}' breaks the naming convention: use a train_/val_/test_ prefix and log with "
        "on_step=True, on_epoch=True to get the _step/_epoch suffixes"
        for name in names
        if split_metric_name(name) is None and not is_callback_metric(name)
    ]
    if metric_to_optimize is not None and metric_to_optimize not in names:
        problems.append(
            f"metric_to_optimize '{metric_to_optimize}' is not logged{did_you_mean(metric_to_optimize, names)}; "
            f"logged metrics: {', '.join(names) or 'none'}"
        )
    raise_if(problems, "logged metrics are invalid")
