"""Checks that run before any training, so a typo costs seconds, not an epoch.

Everything here is plain Python: no torch, no Lightning, no Ray.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any


class ConfigError(ValueError):
    """Bad user input, reported before (or right at the start of) training."""


# Keys a single trial cannot run without.
SINGLE_TRIAL_KEYS = frozenset(
    {
        "metric_to_optimize",
        "metric_opt_mode",
        "ptl_early_stopping_patience",
        "ptl_early_stopping_grace_period",
        "ptl_precision",
        "train_loader_name",
        "val_loader_name",
        "test_loader_name",
        "gpus",
    }
)
# Keys with a sensible default; listed so they are not reported as unknown.
OPTIONAL_KEYS = frozenset({"seed", "n_workers", "results_dir", "storage_path", "wandb_project", "fast_dev_run"})
# Keys read by the hyper-parameter search (the reference's Ray Tune keys).
TUNE_KEYS = frozenset(
    {
        "ray_metrics_to_show",
        "cpu_per_trial",
        "gpu_per_trial",
        "n_checkpoints_to_keep",
        "grace_period",
        "epoch_upper_limit",
        "n_samples",
        "batch_size_main",
    }
)
KNOWN_KEYS = SINGLE_TRIAL_KEYS | OPTIONAL_KEYS | TUNE_KEYS

PRECISIONS = (32, "32", "32-true", "16-mixed", "bf16-mixed", 16, "16", "bf16", 64, "64", "64-true")
METRIC_NAME = re.compile(r"^(train|val|test)_.+_(step|epoch)$")
OPTIMIZABLE_METRIC = re.compile(r"^val_.+_epoch$")


def _count(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


# key: (is the value valid?, the rule in words)
_VALUE_RULES = {
    "metric_opt_mode": (lambda v: v in ("min", "max"), "must be 'min' or 'max'"),
    "metric_to_optimize": (
        lambda v: isinstance(v, str) and OPTIMIZABLE_METRIC.match(v) is not None,
        "must name an epoch-level validation metric such as 'val_acc_epoch'",
    ),
    "ptl_precision": (lambda v: v in PRECISIONS, f"must be one of {PRECISIONS}"),
    "gpus": (
        lambda v: _count(v, -1) and v <= 1,
        "must be -1 (a GPU if there is one), 0 (CPU) or 1 (a GPU); a single trial runs on one device",
    ),
    "ptl_early_stopping_patience": (lambda v: _count(v, 0), "must be an integer >= 0"),
    "ptl_early_stopping_grace_period": (lambda v: _count(v, 0), "must be an integer >= 0"),
}


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest candidate, or ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def raise_if(problems: list[str], what: str) -> None:
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{what}:\n{lines}")


def check_extra_config(extra_config: Mapping[str, Any]) -> None:
    """Report every missing, unknown or out-of-range key at once, not one per run."""
    problems = []
    missing = sorted(SINGLE_TRIAL_KEYS - set(extra_config))
    if missing:
        problems.append(f"missing keys: {', '.join(missing)}")
    for key in sorted(set(extra_config) - KNOWN_KEYS):
        problems.append(f"unknown key '{key}'{did_you_mean(key, KNOWN_KEYS)}")
    for key, (is_valid, rule) in _VALUE_RULES.items():
        if key in extra_config and not is_valid(extra_config[key]):
            problems.append(f"{key} {rule}, got {extra_config[key]!r}")
    raise_if(problems, "extra_config is invalid")


def check_config(config: Mapping[str, Any]) -> None:
    """The runner needs these two to size the scheduler and the data."""
    problems = []
    for key in ("batch_size", "max_epochs"):
        value = config.get(key)
        if value is None:
            problems.append(f"missing key '{key}'")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"'{key}' must be a positive integer, got {value!r}")
    raise_if(problems, "config is invalid")


def check_loaders(loaders: Mapping[str, Any], extra_config: Mapping[str, Any]) -> None:
    """Name the loader the data function forgot, and show what it did return."""
    if not isinstance(loaders, Mapping):
        raise ConfigError(f"configure_dataloaders must return a dict, got {type(loaders).__name__}")
    problems = [
        f"no '{extra_config[key]}' (extra_config['{key}']){did_you_mean(extra_config[key], loaders)}"
        for key in ("train_loader_name", "val_loader_name", "test_loader_name")
        if extra_config[key] not in loaders
    ]
    if problems:
        problems.append(f"it returned: {', '.join(sorted(loaders))}")
    raise_if(problems, "configure_dataloaders returned an incomplete dict")


def check_logged_names(logged: Collection[str], metric_to_optimize: str | None = None) -> None:
    """Enforce the naming the plots, tables and Ray reports rely on."""
    # Lightning also lists the unsuffixed name of a metric it forked into _step/_epoch: skip those.
    names = sorted(name for name in logged if f"{name}_epoch" not in logged)
    problems = [
        f"'{name}' breaks the naming convention: use a train_/val_/test_ prefix and log with "
        "on_step=True, on_epoch=True to get the _step/_epoch suffixes"
        for name in names
        if not METRIC_NAME.match(name)
    ]
    if metric_to_optimize is not None and metric_to_optimize not in names:
        problems.append(
            f"metric_to_optimize '{metric_to_optimize}' is not logged{did_you_mean(metric_to_optimize, names)}; "
            f"logged metrics: {', '.join(names) or 'none'}"
        )
    raise_if(problems, "logged metrics are invalid")
