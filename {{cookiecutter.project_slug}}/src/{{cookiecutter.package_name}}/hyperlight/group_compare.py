"""Two repeat groups compared fairly: for each test metric, the difference of the means, its 95%
interval, the t-test's p-value and one plain sentence.

Groups that ran the same seeds are paired: the project's data function orders its training batches
by the seed (data.py), so seed k of either group saw the same data in the same order, and the
paired test removes that shared noise. Otherwise Welch's test compares them as independent samples.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError
from .manifest import RUN_NAME, read_manifest
from .metric_names import TEST, result_stage
from .repeat_group import differing_config_keys, is_group, metrics_last, run_manifests
from .repeat_stats import Difference, difference


class RepeatGroup:
    """A finished repeat group read from its folder: its name and each seed's last values."""

    def __init__(self, group_dir: str | Path) -> None:
        self.path = Path(group_dir)
        manifest = read_manifest(self.path)
        if not is_group(manifest):
            raise ConfigError(f"{self.path} is not a repeat group (`train --seeds N` makes one)")
        self.name = str(manifest.get(RUN_NAME) or self.path.name)
        self.runs = run_manifests(self.path)
        differing = differing_config_keys(self.runs)
        if differing:
            raise ConfigError(
                f"{self.path}: its runs differ in config key(s) {', '.join(differing)}, not only the seed"
            )

    @property
    def seeds(self) -> list[int]:
        return list(self.runs)

    def values(self, metric: str) -> list[float]:
        return [float(metrics_last(manifest)[metric]) for manifest in self.runs.values()]

    def test_metrics(self) -> list[str]:
        return sorted({key for m in self.runs.values() for key in metrics_last(m) if result_stage(key) == TEST})


def compare_groups(a: RepeatGroup, b: RepeatGroup) -> list[Difference]:
    """A minus B on every test metric both groups have; paired when they ran the same seeds."""
    metrics = [metric for metric in a.test_metrics() if metric in b.test_metrics()]
    if not metrics:
        raise ConfigError(f"{a.path} and {b.path} share no test metric to compare")
    paired = a.seeds == b.seeds
    return [difference(metric, a.values(metric), b.values(metric), paired) for metric in metrics]


def comparison_lines(a: RepeatGroup, b: RepeatGroup) -> list[str]:
    """One sentence per test metric, the way a paper states a result."""
    return [diff.sentence(a.name, b.name) for diff in compare_groups(a, b)]
