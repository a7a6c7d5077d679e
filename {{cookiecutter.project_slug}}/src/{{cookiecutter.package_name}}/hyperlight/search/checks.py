"""Checks a search runs before Ray starts, so a typo never costs a cluster spin-up."""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
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
    if settings.metric_to_optimize is None:
        raise ConfigError(
            "extra_config is invalid for a search: metric_to_optimize is None; a search ranks its trials by it"
        )
    largest = check_search_space(search_space)
    settings = dataclasses.replace(
        settings,
        epoch_upper_limit=settings.epoch_upper_limit or largest[MAX_EPOCHS],
        batch_size_main=settings.batch_size_main or largest[BATCH_SIZE],
    )
    if settings.gpu_per_trial > 1 and settings.workers_per_trial == 1:
        raise ConfigError(
            f"extra_config is invalid for a search: gpu_per_trial={settings.gpu_per_trial:g} reserves several GPUs "
            "for a trial that trains in one process on one of them; set workers_per_trial to the number of GPUs"
        )
    if settings.grace_period > settings.epoch_upper_limit:
        raise ConfigError(
            f"extra_config is invalid for a search: grace_period ({settings.grace_period}) "
            f"must not exceed epoch_upper_limit ({settings.epoch_upper_limit})"
        )
    return settings


CLUSTER_TIMEOUT_S = 10  # Ray itself retries an unreachable head for minutes
STORAGE_TIMEOUT_S = 20  # pyarrow's S3 and GCS clients retry for longer still


def check_cluster_address(address: str) -> None:
    """A TCP connect to the head's port answers in seconds where `ray.init` would hang retrying."""
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto" and the like: Ray resolves them itself
    try:
        socket.create_connection((host, int(port)), timeout=CLUSTER_TIMEOUT_S).close()
    except OSError as error:
        raise ConfigError(
            f"address: no Ray cluster answers at {address} ({error.strerror or error}); check that its head "
            f"runs (`ray status` on it) and that port {port} is open to this machine"
        ) from None


def _within(seconds: float, probe: Callable[[], object]) -> BaseException | None:
    """Run `probe` in a daemon thread: a client stuck retrying must not keep this process alive."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            probe()
            outcome.append(None)
        except Exception as error:  # whatever the client raises, the storage is unusable
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome[0] if outcome else TimeoutError(f"no answer within {seconds:g} s")


def _probe_storage(storage_path: str) -> None:
    if "://" not in storage_path:
        Path(storage_path).mkdir(parents=True, exist_ok=True)
        return
    import pyarrow.fs  # Ray's own storage layer

    filesystem, path = pyarrow.fs.FileSystem.from_uri(storage_path)
    filesystem.get_file_info(path)


def check_storage(storage_path: str | None) -> None:
    """Ray reaches storage_path only once trials report; storage it cannot use must fail before that."""
    if storage_path is None:
        return
    error = _within(STORAGE_TIMEOUT_S, lambda: _probe_storage(storage_path))
    if error is not None:
        first_line = (str(error).strip().splitlines() or [repr(error)])[0]
        raise ConfigError(f"storage_path '{storage_path}' is not usable: {first_line}")
