"""What "best" means for a metric: the highest in mode "max", the lowest in mode "min".

Non-finite values never win, and the first of equal values does, as with Lightning's
ModelCheckpoint, which replaces its best only on a strict improvement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TypeVar

MODES = ("min", "max")
T = TypeVar("T")


def pick_best(items: Iterable[T], score: Callable[[T], float], mode: str) -> T | None:
    """The item with the best finite score, or None when no score is finite."""
    best, best_score = None, math.nan
    sign = 1 if mode == "max" else -1
    for item in items:
        value = float(score(item))
        if math.isfinite(value) and (math.isnan(best_score) or sign * value > sign * best_score):
            best, best_score = item, value
    return best


def best_value(values: Iterable[float], mode: str) -> float:
    """The best finite value, or NaN when there is none."""
    best = pick_best(values, float, mode)
    return math.nan if best is None else float(best)
