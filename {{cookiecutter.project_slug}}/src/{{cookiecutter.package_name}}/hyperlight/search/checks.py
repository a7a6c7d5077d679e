"""Checks a search runs before Ray starts, so a typo never costs a cluster spin-up."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ray.tune.search import sample

from ..checks import BATCH_SIZE, MAX_EPOCHS, SIZE_KEYS
from ..errors import ConfigError, raise_if
from ..rules import is_int
from ..settings import Settings, resolve_settings


def _domain_values(value: Any) -> list[Any] | None:
    """The values a Ray search domain can take, or None when they are not all integers."""
    if isinstance(value, sample.Categorical):  # tune.choice
        return list(value.categories)
    if isinstance(value, sample.Integer):  # tune.randint and friends; upper is exclusive
        return [value.lower, value.upper - 1]
    if isinstance(value, sample.Domain):  # uniform, loguniform, sample_from: not integers
        return None
    return [value]


def check_search_space(search_space: Mapping[str, Any]) -> dict[str, int]:
    """Every value batch_size and max_epochs can take must be valid; returns the largest of each."""
    if not isinstance(search_space, Mapping):
        raise ConfigError(f"search_space_config must be a dict, got {type(search_space).__name__}")
    problems, largest = [], {}
    for key in SIZE_KEYS:
        if key not in search_space:
            problems.append(f"missing key '{key}'")
            continue
        values = _domain_values(search_space[key])
        if values is None or not all(is_int(v, 1) for v in values):
            problems.append(f"'{key}' must be a positive integer or tune.choice/tune.randint of them")
        else:
            largest[key] = max(values)
    raise_if(problems, "search_space_config is invalid")
    return largest


def search_settings(extra_config: Mapping[str, Any], search_space: Mapping[str, Any]) -> Settings:
    """The settings of a search, with the defaults that follow from its search space filled in."""
    settings = resolve_settings(extra_config)
    largest = check_search_space(search_space)
    settings = dataclasses.replace(
        settings,
        epoch_upper_limit=settings.epoch_upper_limit or largest[MAX_EPOCHS],
        batch_size_main=settings.batch_size_main or largest[BATCH_SIZE],
    )
    if settings.grace_period > settings.epoch_upper_limit:
        raise ConfigError(
            f"extra_config is invalid for a search: grace_period ({settings.grace_period}) "
            f"must not exceed epoch_upper_limit ({settings.epoch_upper_limit})"
        )
    return settings
