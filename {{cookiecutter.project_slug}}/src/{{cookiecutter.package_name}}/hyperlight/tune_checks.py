"""Checks a search runs before Ray starts, so a typo never costs a cluster spin-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ray.tune.search import sample

from .validation import TUNE_KEYS, ConfigError, check_extra_config, raise_if

REPORTED_METRIC = re.compile(r"^(train|val)_.+_epoch$")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _number(value: Any, minimum: float, strict: bool) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return value > minimum if strict else value >= minimum


_TUNE_RULES = {
    "cpu_per_trial": (lambda v: _number(v, 0, strict=True), "must be a number > 0"),
    "gpu_per_trial": (lambda v: _number(v, 0, strict=False), "must be a number >= 0 (fractions share a GPU)"),
    "n_checkpoints_to_keep": (_positive_int, "must be an integer >= 1"),
    "grace_period": (_positive_int, "must be an integer >= 1"),
    "epoch_upper_limit": (_positive_int, "must be an integer >= 1"),
    "n_samples": (_positive_int, "must be an integer >= 1"),
    "batch_size_main": (_positive_int, "must be an integer >= 1"),
    "ray_metrics_to_show": (
        lambda v: isinstance(v, list | tuple) and all(isinstance(m, str) and REPORTED_METRIC.match(m) for m in v),
        "must be a list of epoch-level train/val metrics such as 'val_acc_epoch' (what trials report)",
    ),
}


def _domain_values(value: Any) -> list[Any] | None:
    """The values a Ray search domain can take, or None when they are not all integers."""
    if isinstance(value, sample.Categorical):  # tune.choice
        return list(value.categories)
    if isinstance(value, sample.Integer):  # tune.randint and friends; upper is exclusive
        return [value.lower, value.upper - 1]
    if isinstance(value, sample.Domain):  # uniform, loguniform, sample_from: not integers
        return None
    return [value]


def check_search_space(search_space: Mapping[str, Any]) -> None:
    """batch_size and max_epochs size the data and the schedule, so every value they can take must be valid."""
    if not isinstance(search_space, Mapping):
        raise ConfigError(f"search_space_config must be a dict, got {type(search_space).__name__}")
    problems = []
    for key in ("batch_size", "max_epochs"):
        if key not in search_space:
            problems.append(f"missing key '{key}'")
            continue
        values = _domain_values(search_space[key])
        if values is None or not all(_positive_int(v) for v in values):
            problems.append(f"'{key}' must be a positive integer or tune.choice/tune.randint of them")
    raise_if(problems, "search_space_config is invalid")


def check_tune_extra_config(extra_config: Mapping[str, Any]) -> None:
    """The single-trial checks, plus the search keys a single trial may leave out."""
    check_extra_config(extra_config)
    problems = [f"missing key '{key}'" for key in sorted(TUNE_KEYS - set(extra_config))]
    for key, (is_valid, rule) in _TUNE_RULES.items():
        if key in extra_config and not is_valid(extra_config[key]):
            problems.append(f"{key} {rule}, got {extra_config[key]!r}")
    grace, limit = extra_config.get("grace_period"), extra_config.get("epoch_upper_limit")
    if _positive_int(grace) and _positive_int(limit) and grace > limit:
        problems.append(f"grace_period ({grace}) must not exceed epoch_upper_limit ({limit})")
    raise_if(problems, "extra_config is invalid for a search")
