"""Hyperlight: a thin runner over Lightning (single trials) and Ray Tune (searches).

Vendored into this project, like pip's `_vendor`: it imports only relatively, so it
travels with the project and never clashes with an installed package.
"""

from .errors import SearchFailedError, SearchInterruptedError
from .metrics import TrialMetrics
from .runner import Runner
from .validation import ConfigError, did_you_mean

__all__ = ["ConfigError", "Runner", "SearchFailedError", "SearchInterruptedError", "TrialMetrics", "did_you_mean"]
