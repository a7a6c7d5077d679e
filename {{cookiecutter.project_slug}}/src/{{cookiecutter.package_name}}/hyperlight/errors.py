"""Errors a search raises after Ray has run; plain classes, so catching them never imports Ray."""


class SearchFailedError(RuntimeError):
    """Every trial of a search failed; the message carries the first trial's traceback."""


class SearchInterruptedError(RuntimeError):
    """The search stopped before all trials ended; Ray saved its state, so it can be resumed."""
