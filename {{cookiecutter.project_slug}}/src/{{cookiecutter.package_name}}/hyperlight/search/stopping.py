"""SIGTERM stops a search the way Ctrl-C does: Ray Tune saves its state, and the search can be resumed.

Batch schedulers end a job with SIGTERM: SLURM on preemption, `scontrol requeue`, `scancel`, and
`slurm/tune.sbatch` at the time limit's warning signal. Ray Tune stops cleanly on SIGINT and SIGUSR1
only, while `ray.init` makes SIGTERM exit the driver at once, between two of Tune's state snapshots.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sigterm_stops_search() -> Iterator[None]:
    """While the search runs, SIGTERM calls the handler Ray Tune installs for SIGUSR1 when `fit` starts."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers; Ray Tune's own are not set there either
        return

    def stop(signum: int, frame) -> None:
        tune_handler = signal.getsignal(signal.SIGUSR1)
        if callable(tune_handler):
            tune_handler(signum, frame)
        else:  # before Tune installed it: nothing has run that a stop could save
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
