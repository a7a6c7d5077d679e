"""Value predicates shared by the settings table, the input checks and `--set` parsing.

`bool` is an `int` in Python, so `True` would pass for 1 epoch; every integer rule here refuses it.
numpy's integers count as integers: search spaces built with numpy hand them over.
"""

from __future__ import annotations

import numbers
from typing import Any


def is_number(value: Any) -> bool:
    """A real number such as 3, 0.5 or numpy's float64, never a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_int(value: Any, minimum: int | None = None) -> bool:
    """An integer such as 3 or numpy's int64 (never a bool), at least `minimum` when one is given."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        return False
    return minimum is None or value >= minimum


def is_positive_number(value: Any, allow_zero: bool = False) -> bool:
    """A number > 0 (or >= 0 with allow_zero), e.g. a share of a CPU or a GPU."""
    return is_number(value) and (value >= 0 if allow_zero else value > 0)
