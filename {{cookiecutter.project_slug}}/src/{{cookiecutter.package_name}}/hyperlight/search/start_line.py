"""Hold each Ray worker's first trial until every concurrent slot has a worker.

With actor reuse, Ray Tune gives the actor of a finished trial to a trial that is still
waiting for its own actor to start, and cancels that start. Starting an actor means
importing torch and Lightning (about 5 s on 2 CPUs) while a small trial may last 1 s, so
the second actor never came up and a 16-trial search ran one trial at a time (measured:
31 s instead of 14 s for the tuning loop). Once every slot has started its first trial,
finished trials hand their actors straight to new ones and nothing is cancelled.
"""

from __future__ import annotations

import time

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

_arrived = False  # per worker process: only an actor's first trial waits


@ray.remote(num_cpus=0)
class StartLine:
    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers
        self.arrived = 0

    def arrive(self) -> None:
        self.arrived += 1

    def all_arrived(self) -> bool:
        return self.arrived >= self.n_workers


def start_line_for(n_workers: int) -> ray.actor.ActorHandle:
    """A line kept on the driver's node: a search ends with that node anyway, but outlives any other."""
    here = NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)
    return StartLine.options(scheduling_strategy=here).remote(n_workers)


def wait_at(start_line: ray.actor.ActorHandle | None, timeout_s: float = 30.0) -> None:
    """Called at the top of a trial; the timeout bounds the wait on a cluster that is still scaling up.

    The line only speeds up the start: if its actor is gone (its node was lost), trials go on without it.
    """
    global _arrived
    if start_line is None or _arrived:
        return
    _arrived = True
    try:
        ray.get(start_line.arrive.remote())
        deadline = time.monotonic() + timeout_s
        while not ray.get(start_line.all_arrived.remote()) and time.monotonic() < deadline:
            time.sleep(0.05)
    except ray.exceptions.RayActorError:
        return


def release(start_line: ray.actor.ActorHandle | None) -> None:
    """End the line's worker once the search's trials are over: Tune's copy of the handle outlives the search,
    and in a notebook every search would leave one more process behind."""
    if start_line is not None:
        ray.kill(start_line)
