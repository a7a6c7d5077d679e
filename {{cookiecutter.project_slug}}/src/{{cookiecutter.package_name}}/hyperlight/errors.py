"""The errors the runner raises on purpose, and how their messages are worded.

Plain classes, so a caller can catch them without importing torch or Ray.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """Bad user input, reported before (or right at the start of) training."""


class SearchFailedError(RuntimeError):
    """Every trial of a search failed; the message carries the first trial's traceback."""


class SearchInterruptedError(RuntimeError):
    """The search stopped before all trials ended; Ray saved its state, so it can be resumed."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest candidate, or ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def raise_if(problems: list[str], what: str) -> None:
    """One error listing every problem, so a user fixes them all in one go."""
    if len(problems) == 1:
        raise ConfigError(f"{what}: {problems[0]}")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{what}:\n{lines}")
