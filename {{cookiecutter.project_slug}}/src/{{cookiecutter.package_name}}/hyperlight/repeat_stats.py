"""The statistics a paper reports over seeds: mean, sample spread, Student's t intervals and tests.

With 3 to 10 seeds the normal quantile (1.96) would make every interval too narrow, so the
intervals use Student's t with n - 1 degrees of freedom, and the spread is the sample standard
deviation (ddof=1). Two groups are compared with Welch's t-test, which does not assume equal
variances, or with the paired t-test when both ran the same seeds on the same data order:
pairing removes the seed-to-seed noise the two models share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import ConfigError
from .metric_modes import MAX_MODE, metric_mode

CONFIDENCE = 0.95
SIGNIFICANCE = 0.05  # a difference counts as shown when p is below this
MIN_RUNS = 2  # a standard deviation, and so an interval, needs two values


@dataclass(frozen=True)
class Spread:
    """One metric over the seeds of a group; ci_low and ci_high bound the mean's 95% interval."""

    n: int
    mean: float
    std: float
    ci_low: float
    ci_high: float
    min: float
    max: float


def _t_interval(center: float, std: float, n: int) -> tuple[float, float]:
    half = stats.t.ppf((1 + CONFIDENCE) / 2, n - 1) * std / math.sqrt(n)
    return center - half, center + half


def spread(values: Sequence[float]) -> Spread:
    """Mean, sample standard deviation and the t interval of the mean; ConfigError below MIN_RUNS values."""
    x = np.asarray(values, dtype=float)
    if len(x) < MIN_RUNS:
        raise ConfigError(f"a confidence interval needs at least {MIN_RUNS} runs, got {len(x)}")
    mean, std = float(x.mean()), float(x.std(ddof=1))
    low, high = _t_interval(mean, std, len(x))
    return Spread(len(x), mean, std, low, high, float(x.min()), float(x.max()))


@dataclass(frozen=True)
class Difference:
    """Mean of group A minus mean of group B, its 95% interval and the test's p-value."""

    metric: str
    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    paired: bool
    n_a: int
    n_b: int

    @property
    def shown(self) -> bool:
        return self.p_value < SIGNIFICANCE

    def sentence(self, name_a: str, name_b: str) -> str:
        """The comparison in words: which group beats which, by how much, with the interval and test."""
        n = f"n = {self.n_a} pairs of the same seeds" if self.paired else f"n = {self.n_a} and {self.n_b}"
        if not self.shown:
            # Runs that all scored the same leave no spread to test: the p-value is undefined (NaN).
            p_text = f"p = {self.p_value:.2g}" if math.isfinite(self.p_value) else "every run scored the same"
            return f"{self.metric}: no difference shown between {name_a} and {name_b} at {n} ({p_text})"
        better_a = (self.diff > 0) == (metric_mode(self.metric) == MAX_MODE)
        winner, loser = (name_a, name_b) if better_a else (name_b, name_a)
        sign = 1 if self.diff > 0 else -1  # the difference is stated as a positive amount, its interval with it
        scale, unit = units(self.metric)
        low, high = sorted((sign * self.ci_low * scale, sign * self.ci_high * scale))
        return (
            f"{winner} beats {loser} on {self.metric} by {abs(self.diff) * scale:.3g}{unit} "
            f"(95% CI {low:.3g} to {high:.3g}, p = {self.p_value:.2g}, {n})"
        )


def units(metric: str) -> tuple[float, str]:
    """Scores in [0, 1] (accuracy, F1) differ in percentage points; losses in their own units."""
    return (1.0, "") if metric_mode(metric) != MAX_MODE else (100.0, " points")


def difference(metric: str, a: Sequence[float], b: Sequence[float], paired: bool) -> Difference:
    """Welch's t-test (or the paired one) of A against B, with the t interval of the difference of means."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if min(len(x), len(y)) < MIN_RUNS:
        raise ConfigError(f"{metric}: comparing groups needs at least {MIN_RUNS} runs in each")
    if paired:
        d = x - y
        low, high = _t_interval(float(d.mean()), float(d.std(ddof=1)), len(d))
        p_value = float(stats.ttest_rel(x, y).pvalue)
        return Difference(metric, float(d.mean()), low, high, p_value, True, len(x), len(y))
    result = stats.ttest_ind(x, y, equal_var=False)
    interval = result.confidence_interval(CONFIDENCE)
    diff = float(x.mean() - y.mean())
    return Difference(
        metric, diff, float(interval.low), float(interval.high), float(result.pvalue), False, len(x), len(y)
    )
