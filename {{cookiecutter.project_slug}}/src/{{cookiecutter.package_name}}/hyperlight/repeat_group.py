"""A repeat group: one configuration under several seeds, as a folder of ordinary run folders.

`results/<experiment_id>/<name>-seeds-<date>-<time>/` holds a run folder per seed, plus the
group's manifest (the seeds, the config, which run folder each finished seed left), summary.csv
and bands.png. The group's manifest goes through the same lifecycle as a run's (`record_run`), so an
interrupted group says so, and `--resume` finds which seeds already finished.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .manifest import (
    CONFIG_FIELD,
    FINISHED,
    MANIFEST_FILE,
    METRICS_LAST_FIELD,
    STATUS_FIELD,
    read_manifest,
)
from .repeat_stats import MIN_RUNS
from .results import create_run_dir
from .rules import is_int

GROUP_MARK = "-seeds-"  # in a group folder's name: `<run name>-seeds-<date>-<time>`
KIND_FIELD, GROUP_KIND = "kind", "repeats"  # a group's manifest says what it is
SEEDS_FIELD, RUNS_FIELD = "seeds", "runs"  # the seeds asked for; seed -> the folder of its finished run
SUMMARY_FILE, BANDS_PLOT = "summary.csv", "bands.png"


def seed_list(seeds: int | Sequence[int], first: int | None) -> list[int]:
    """N seeds counted up from `first` (the configured seed, else 0), or the list given; each used once."""
    if is_int(seeds):
        if seeds < MIN_RUNS:
            raise ConfigError(f"seeds: a mean with a confidence interval needs at least {MIN_RUNS} seeds, got {seeds}")
        return list(range(first or 0, (first or 0) + seeds))
    seeds = list(seeds)
    if not all(is_int(seed) for seed in seeds):
        raise ConfigError(f"seeds must be a number of seeds or a list of integers, got {seeds!r}")
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:
        raise ConfigError(f"seeds: {', '.join(map(str, repeated))} given more than once; each seed runs once")
    if len(seeds) < MIN_RUNS:
        raise ConfigError(f"seeds: a mean with a confidence interval needs at least {MIN_RUNS} seeds, got {seeds}")
    return seeds


def seed_run_name(name: str, seed: int) -> str:
    """A seed's run is named after its group's run name and its seed: `baseline-seed3`."""
    return f"{name}-seed{seed}"


def is_group(manifest: Mapping[str, Any]) -> bool:
    return manifest.get(KIND_FIELD) == GROUP_KIND


def new_group(results_dir: str, experiment_id: str, name: str) -> Path:
    return create_run_dir(results_dir, experiment_id, prefix=f"{name}{GROUP_MARK}")


def group_to_resume(results_dir: str, experiment_id: str, resume: bool | str) -> tuple[Path, dict[str, Any]]:
    """The group to continue (the newest of the experiment, or the folder named) and its manifest."""
    if resume is True:
        found = [p.parent for p in Path(results_dir, experiment_id).glob(f"*{GROUP_MARK}*/{MANIFEST_FILE}")]
        if not found:
            raise ConfigError(f"no repeat group to resume under {Path(results_dir) / experiment_id}")
        group_dir = max(found, key=lambda path: os.path.getmtime(path / MANIFEST_FILE))
    else:
        group_dir = Path(resume)
    manifest = read_manifest(group_dir)
    if not is_group(manifest):
        raise ConfigError(f"--resume {group_dir}: not a repeat group (no manifest.json of kind '{GROUP_KIND}')")
    if manifest.get(STATUS_FIELD) == FINISHED:
        raise ConfigError(f"--resume {group_dir}: that group has finished; its summary is in that folder")
    return group_dir, manifest


def check_same_config(group_dir: Path, started: Mapping[str, Any], config: Mapping[str, Any]) -> None:
    """A resumed group must go on with the config it started with, or its seeds would not be repeats."""
    differing = sorted(key for key in {*started, *config} if started.get(key) != config.get(key))
    if differing:
        raise ConfigError(f"--resume {group_dir}: the config differs from the group's in {', '.join(differing)}")


def finished_runs(group_dir: Path, manifest: Mapping[str, Any]) -> dict[int, str]:
    """seed -> run folder, for the seeds whose run finished (an interrupted seed runs again)."""
    runs = {int(seed): folder for seed, folder in (manifest.get(RUNS_FIELD) or {}).items()}
    return {
        seed: folder for seed, folder in runs.items() if read_manifest(group_dir / folder).get(STATUS_FIELD) == FINISHED
    }


def run_manifests(group_dir: Path) -> dict[int, dict[str, Any]]:
    """seed -> manifest of each finished run the group lists, in seed order."""
    runs = finished_runs(group_dir, read_manifest(group_dir))
    return {seed: read_manifest(group_dir / runs[seed]) for seed in sorted(runs)}


def differing_config_keys(manifests: Mapping[int, Mapping[str, Any]]) -> list[str]:
    """The config keys on which a group's runs disagree: such runs are not repeats of one configuration."""
    configs = [m.get(CONFIG_FIELD) or {} for m in manifests.values()]
    keys = {key for config in configs for key in config}
    return sorted(key for key in keys if len({repr(config.get(key)) for config in configs}) > 1)


def metrics_last(manifest: Mapping[str, Any]) -> dict[str, float]:
    return manifest.get(METRICS_LAST_FIELD) or {}
